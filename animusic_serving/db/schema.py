"""The whole schema of the API's database on one ``MetaData``: the core tables (``models``) and
the third-party account tables (``account_models``). Alembic's ``env.py`` and the schema test
import it from here, so neither table module has to import the other."""

from __future__ import annotations

from animusic_serving.db import account_models  # noqa: F401  (registers its tables)
from animusic_serving.db.models import Base

metadata = Base.metadata
