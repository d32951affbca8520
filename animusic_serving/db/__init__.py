"""PostgreSQL storage of users, their imported anime lists and their feedback (SQLAlchemy 2.0).

The schema is owned by the Alembic migrations in ``migrations/``; nothing calls ``create_all``.
"""
