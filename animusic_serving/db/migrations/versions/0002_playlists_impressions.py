"""Playlists and impressions (what was shown), AniList identity, feedback's playlist context.

Revision ID: 0002
Revises: 0001
Create Date: written by hand
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("anilist_id", sa.BigInteger(), nullable=True))
    op.create_unique_constraint("uq_users_anilist_id", "users", ["anilist_id"])

    op.create_table(
        "playlists",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("bundle_version", sa.String(128), nullable=False),
        # the shuffled order in which the models picked, and the seed that drew it (and the
        # random model's pick): a playlist can be replayed from its bundle version + seed
        sa.Column("model_order", postgresql.ARRAY(sa.String(32)), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column(
            "params", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_playlists"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_playlists_user_id_users"
        ),
    )
    # a user's playlists, newest first (analytics, "what did I get yesterday")
    op.create_index("ix_playlists_user_id_created_at", "playlists", ["user_id", "created_at"])

    op.create_table(
        "impressions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("playlist_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("song_id", sa.String(64), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("recommended_by", sa.String(32), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_impressions"),
        sa.ForeignKeyConstraint(
            ["playlist_id"],
            ["playlists.id"],
            ondelete="CASCADE",
            name="fk_impressions_playlist_id_playlists",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], ondelete="CASCADE", name="fk_impressions_user_id_users"
        ),
        # one song per slot; also the index for "the items of a playlist"
        sa.UniqueConstraint("playlist_id", "position", name="uq_impressions_playlist_id"),
    )
    # shown-but-never-played: impressions joined to feedback on (user_id, song_id)
    op.create_index("ix_impressions_user_id_song_id", "impressions", ["user_id", "song_id"])
    # per-model counts over time (analytics)
    op.create_index(
        "ix_impressions_recommended_by_created_at", "impressions", ["recommended_by", "created_at"]
    )

    op.add_column(
        "feedback", sa.Column("playlist_id", postgresql.UUID(as_uuid=True), nullable=True)
    )
    op.add_column("feedback", sa.Column("position", sa.SmallInteger(), nullable=True))
    op.create_foreign_key(
        "fk_feedback_playlist_id_playlists",
        "feedback",
        "playlists",
        ["playlist_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index("ix_feedback_playlist_id", "feedback", ["playlist_id"])


def downgrade() -> None:
    op.drop_index("ix_feedback_playlist_id", table_name="feedback")
    op.drop_constraint("fk_feedback_playlist_id_playlists", "feedback", type_="foreignkey")
    op.drop_column("feedback", "position")
    op.drop_column("feedback", "playlist_id")
    op.drop_table("impressions")
    op.drop_table("playlists")
    op.drop_constraint("uq_users_anilist_id", "users", type_="unique")
    op.drop_column("users", "anilist_id")
