"""Users, imported anime lists, feedback.

Revision ID: 0001
Revises:
Create Date: written by hand
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "anime_list_entries",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("mal_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "mal_id", name="pk_anime_list_entries"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            ondelete="CASCADE",
            name="fk_anime_list_entries_user_id_users",
        ),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("song_id", sa.String(64), nullable=False),
        sa.Column("recommended_by", sa.String(32), nullable=False),
        sa.Column("watch_time", sa.Float(), nullable=False),
        sa.Column("total_video_time", sa.Float(), nullable=False),
        sa.Column("liked", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_feedback_user_id_users"
        ),
        # also the index for "all feedback of a user" (user_id leads)
        sa.UniqueConstraint("user_id", "song_id", name="uq_feedback_user_id"),
        sa.CheckConstraint("watch_time >= 0", name="ck_feedback_watch_time_non_negative"),
        sa.CheckConstraint(
            "total_video_time >= 0", name="ck_feedback_total_video_time_non_negative"
        ),
    )


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("anime_list_entries")
    op.drop_table("users")
