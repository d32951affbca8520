"""Feedback records that a song was opened elsewhere (a search link: nothing to measure).

Revision ID: 0003
Revises: 0002
Create Date: written by hand
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # sticky like `liked`: once opened, a later report never takes it back
    op.add_column(
        "feedback", sa.Column("opened", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    op.drop_column("feedback", "opened")
