"""What "the build" is: every asset from ``anime_records`` to the bundle and its evaluation,
without the live collection (it talks to the real sites) and the reports (they read the API's
database). Used by the ``build_and_publish`` job, by scripts and by tests."""

import dagster as dg

BUILD_SELECTION = dg.AssetSelection.all() - dg.AssetSelection.groups("analytics", "ingest_live")


def build_assets_and_checks(defs: dg.Definitions | None = None) -> list:
    """The assets and asset checks of the build, each once, ready for ``dg.materialize``."""
    if defs is None:
        from animusic_assets.definitions import defs as load_defs

        defs = load_defs()
    keys = BUILD_SELECTION.resolve(defs.resolve_asset_graph())
    picked: dict[int, object] = {}
    for asset in defs.assets or []:
        if (
            isinstance(asset, dg.AssetsDefinition)
            and asset.is_executable
            and set(asset.keys) & keys
        ):
            picked[id(asset)] = asset
    for check in defs.asset_checks or []:
        if {k.asset_key for k in check.check_keys} & keys:
            picked[id(check)] = check
    return list(picked.values())
