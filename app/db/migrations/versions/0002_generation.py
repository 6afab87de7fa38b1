"""generation tables.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "generation_requests",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False, server_default=""),
        sa.Column("prompt", sa.Text(), nullable=False, server_default=""),
        sa.Column("negative_prompt", sa.Text(), nullable=False, server_default=""),
        sa.Column("checkpoint_model", sa.String(500), nullable=False, server_default=""),
        sa.Column("lora_models", sa.JSON(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("batch_size", sa.Integer(), nullable=False),
        sa.Column("sampler_params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("comfyui_prompt_id", sa.String(64), nullable=True),
        sa.Column("backend", sa.String(500), nullable=False, server_default=""),
        sa.Column("output_paths", sa.JSON(), nullable=False),
        sa.Column("thumbnail_paths", sa.JSON(), nullable=False),
        sa.Column("remote_outputs", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("profile_id", sa.String(200), nullable=True),
        sa.Column("external", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generation_requests")),
    )
    op.create_index("ix_generation_requests_created_at", "generation_requests", ["created_at"])
    op.create_index("ix_generation_requests_status", "generation_requests", ["status"])
    op.create_index("ix_generation_requests_comfyui_prompt_id", "generation_requests",
                    ["comfyui_prompt_id"])
    op.create_table(
        "available_models",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("backend", sa.String(500), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_available_models")),
        sa.UniqueConstraint("backend", "type", "name",
                            name="uq_available_models_backend_type_name"),
    )


def downgrade() -> None:
    op.drop_table("available_models")
    op.drop_index("ix_generation_requests_comfyui_prompt_id", "generation_requests")
    op.drop_index("ix_generation_requests_status", "generation_requests")
    op.drop_index("ix_generation_requests_created_at", "generation_requests")
    op.drop_table("generation_requests")
