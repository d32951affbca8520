"""Developer tooling for this checkout: the throw-away PostgreSQL harness (tests, ``make run``)
and the ``make run`` supervisor (``animusic_devtools.demo``).

Standard library only at import time, so ``python3 -m animusic_devtools.local_postgres stop``
and ``make stop`` work before the venv exists. The service (``animusic_serving``) and the asset
graph (``animusic_assets``) never import this package.
"""
