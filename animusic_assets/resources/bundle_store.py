"""The model bundle store the API serves from (``versions/<id>/`` + ``CURRENT``)."""

import dagster as dg

from animusic_serving import bundle as bundle_format
from animusic_serving.bundle_builder import BundleBuilder


class BundleStoreResource(dg.ConfigurableResource):
    root: str

    def publish(self, builder: BundleBuilder, catalog_hash: str,
                extra: dict | None = None) -> str:
        return builder.publish(self.root, catalog_hash=catalog_hash, extra=extra)

    def load(self, version: str | None = None, verify: bool = False) -> bundle_format.Bundle:
        return bundle_format.load_bundle(self.root, version, verify=verify)
