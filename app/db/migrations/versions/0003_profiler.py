"""profiler tables.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _run_fk() -> sa.ForeignKey:
    return sa.ForeignKey("profiler_runs.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "profiler_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.Column("name", sa.String(300), nullable=False, server_default=""),
        sa.Column("workflow_hash", sa.String(64), nullable=False, server_default=""),
        sa.Column("global_comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("total_time", sa.Float(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False, server_default="running"),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("forced", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("backend", sa.String(500), nullable=False, server_default=""),
        sa.Column("profile_id", sa.String(200), nullable=True),
        sa.Column("prompt_id", sa.String(64), nullable=True),
        sa.Column("interval_ms", sa.Integer(), nullable=False, server_default="50"),
        sa.Column("sampler_info", sa.Text(), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiler_runs")),
    )
    op.create_index("ix_profiler_runs_timestamp", "profiler_runs", ["timestamp"])
    op.create_index("ix_profiler_runs_workflow_hash", "profiler_runs", ["workflow_hash"])
    op.create_table(
        "profiler_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), _run_fk(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("node_id", sa.String(200), nullable=False),
        sa.Column("node_title", sa.String(500), nullable=False, server_default=""),
        sa.Column("node_type", sa.String(300), nullable=False, server_default=""),
        sa.Column("vram_start", sa.BigInteger(), nullable=True),
        sa.Column("vram_max", sa.BigInteger(), nullable=True),
        sa.Column("vram_end", sa.BigInteger(), nullable=True),
        sa.Column("exec_time", sa.Float(), nullable=True),
        sa.Column("cpu_max", sa.Float(), nullable=True),
        sa.Column("ram_max", sa.BigInteger(), nullable=True),
        sa.Column("gpu_load_max", sa.Float(), nullable=True),
        sa.Column("gpu_load_avg", sa.Float(), nullable=True),
        sa.Column("cached", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("inputs_json", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("step_comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("t_start", sa.Float(), nullable=True),
        sa.Column("t_end", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiler_steps")),
    )
    op.create_index("ix_profiler_steps_run_id", "profiler_steps", ["run_id"])
    op.create_table(
        "profiler_samples",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), _run_fk(), nullable=False),
        sa.Column("t", sa.Float(), nullable=False),
        sa.Column("vram", sa.BigInteger(), nullable=True),
        sa.Column("ram", sa.BigInteger(), nullable=True),
        sa.Column("cpu", sa.Float(), nullable=True),
        sa.Column("gpu_load", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiler_samples")),
    )
    op.create_index("ix_profiler_samples_run_id", "profiler_samples", ["run_id"])
    op.create_table(
        "profiler_groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("color", sa.String(20), nullable=False, server_default="#4e79a7"),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profiler_groups")),
        sa.UniqueConstraint("name", name="uq_profiler_groups_name"),
    )
    op.create_table(
        "profiler_group_members",
        sa.Column("group_id", sa.Integer(),
                  sa.ForeignKey("profiler_groups.id", ondelete="CASCADE"), nullable=False),
        sa.Column("node_id", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "node_id", name=op.f("pk_profiler_group_members")),
    )


def downgrade() -> None:
    op.drop_table("profiler_group_members")
    op.drop_table("profiler_groups")
    op.drop_index("ix_profiler_samples_run_id", table_name="profiler_samples")
    op.drop_table("profiler_samples")
    op.drop_index("ix_profiler_steps_run_id", table_name="profiler_steps")
    op.drop_table("profiler_steps")
    op.drop_index("ix_profiler_runs_workflow_hash", table_name="profiler_runs")
    op.drop_index("ix_profiler_runs_timestamp", table_name="profiler_runs")
    op.drop_table("profiler_runs")
