"""profiler samples: the ComfyUI process's own GPU memory.

Revision ID: 0005
Revises: 0003 (slot 0004 is reserved for generation; re-point this to "0004" when it lands)
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("profiler_samples") as batch:
        batch.add_column(sa.Column("process_vram", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("profiler_samples") as batch:
        batch.drop_column("process_vram")
