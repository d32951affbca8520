"""The model bundle store the API serves from (``versions/<id>/`` + ``CURRENT``)."""

import fcntl
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from animusic_serving import bundle as bundle_format
from animusic_serving.bundle_builder import BundleBuilder

INPUTS_HASH_KEY = "inputs_hash"


class BundleStoreResource(dg.ConfigurableResource):
    root: str

    def publish(self, builder: BundleBuilder, catalog_hash: str, extra: dict | None = None) -> str:
        return builder.publish(self.root, catalog_hash=catalog_hash, extra=extra)

    def load(self, version: str | None = None, verify: bool = False) -> bundle_format.Bundle:
        return bundle_format.load_bundle(self.root, version, verify=verify)

    @contextmanager
    def publish_lock(self) -> Iterator[None]:
        """One publisher at a time per store, across processes (an flock on a file beside
        ``CURRENT``), so check-then-publish cannot interleave."""
        root = Path(self.root)
        root.mkdir(parents=True, exist_ok=True)
        with open(root / ".publish.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def current_inputs_hash(self) -> tuple[str | None, str | None]:
        """``(current version, the inputs hash it was published with)``; Nones when absent."""
        version = bundle_format.read_current(self.root)
        if version is None:
            return None, None
        manifest = (
            Path(self.root) / bundle_format.VERSIONS_DIR / version / bundle_format.MANIFEST_FILE
        )
        try:
            return version, json.loads(manifest.read_text()).get(INPUTS_HASH_KEY)
        except (OSError, ValueError):
            return version, None

    def publish_unless_current(
        self,
        inputs_hash: str,
        build: Callable[[], tuple[BundleBuilder, str, dict]],
    ) -> tuple[str, bool]:
        """Publish what ``build()`` returns (builder, catalog hash, extra manifest fields)
        unless ``CURRENT`` was already published from ``inputs_hash``: ``(version, published)``.
        """
        with self.publish_lock():
            version, current_hash = self.current_inputs_hash()
            if version is not None and current_hash == inputs_hash:
                return version, False
            builder, catalog_hash, extra = build()
            return self.publish(
                builder, catalog_hash, {**extra, INPUTS_HASH_KEY: inputs_hash}
            ), True
