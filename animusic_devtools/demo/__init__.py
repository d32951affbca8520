"""`make run`: the whole system on this machine, on 127.0.0.1 only.

``supervisor`` runs the named steps in ``steps/`` in order: a local PostgreSQL (``.data/pg``,
port 5433) with the databases ``animusic`` (API) and ``dagster`` (Dagster storage); the
children's environment (``DAGSTER_HOME=.data/dagster_home`` with a copy of ``dagster.yaml``);
the API migrations; the whole asset graph materialized in snapshot mode (asset checks
included); then the API (8000), the Dagster webserver (3000) and the Dagster daemon. It waits
until both answer, prints the URLs and a ``curl`` to paste, simulates listeners and builds the
analytics reports, and keeps running until Ctrl-C or SIGTERM, then stops every child by its
process group and Postgres by its PID. A child that dies early stops everything with its log
tail and a non-zero exit. Each child logs to ``.data/logs/<name>.log``. One run per checkout:
a second one refuses to start (``lock``).

Standard library only (the children run in the venv), so ``make stop`` works without one.
"""
