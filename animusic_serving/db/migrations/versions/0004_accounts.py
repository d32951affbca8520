"""Third-party accounts: Spotify grants (encrypted), PKCE states, song matches, exports;
Telegram link codes.

Revision ID: 0004
Revises: 0003
Create Date: written by hand
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], ondelete="CASCADE", name=f"fk_{table}_user_id_users"
    )


def upgrade() -> None:
    op.create_table(
        "spotify_accounts",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("spotify_user_id", sa.String(128), nullable=False),
        sa.Column("access_token", sa.LargeBinary(), nullable=False),
        sa.Column("refresh_token", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False, server_default=""),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_spotify_accounts"),
        _user_fk("spotify_accounts"),
    )
    op.create_table(
        "spotify_auth_states",
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("state", name="pk_spotify_auth_states"),
        _user_fk("spotify_auth_states"),
    )
    op.create_table(
        "spotify_matches",
        sa.Column("song_id", sa.String(64), nullable=False),
        sa.Column("track_uri", sa.String(128), nullable=True),
        sa.Column("track_name", sa.Text(), nullable=True),
        sa.Column("track_artists", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False, server_default=""),
        sa.Column(
            "matched_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("song_id", name="pk_spotify_matches"),
    )
    op.create_table(
        "spotify_exports",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("spotify_playlist_id", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("matched", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("written", sa.Integer(), nullable=False, server_default="0"),
        sa.Column(
            "unmatched", postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("id", name="pk_spotify_exports"),
        _user_fk("spotify_exports"),
        sa.UniqueConstraint("user_id", "source", name="uq_spotify_exports_user_id"),
    )
    op.create_table(
        "link_codes",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("code", name="pk_link_codes"),
        _user_fk("link_codes"),
    )
    op.create_index("ix_link_codes_user_id", "link_codes", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_link_codes_user_id", table_name="link_codes")
    for table in (
        "link_codes",
        "spotify_exports",
        "spotify_matches",
        "spotify_auth_states",
        "spotify_accounts",
    ):
        op.drop_table(table)
