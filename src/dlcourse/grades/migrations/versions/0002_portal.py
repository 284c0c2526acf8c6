"""The portal: the autograder's results kept per submission, published feedback, local accounts
and invitations, server-side sessions, failed sign-ins (the rate limit) and the grading queue.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grading_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("max_score", sa.Double(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("results", sa.Text(), nullable=False),
        sa.Column("tests_digest", sa.String(length=64), nullable=False),
        sa.Column("graded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('OK', 'RE', 'SG', 'TO', 'XX')", name="ck_grading_results_status"
        ),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_id"),
    )
    op.create_table(
        "feedback_releases",
        sa.Column("assessment_id", sa.String(length=64), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("assessment_id"),
    )
    op.create_table(
        "portal_accounts",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("password_set_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_table(
        "portal_invitations",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("token_sha256"),
    )
    op.create_table(
        "portal_sessions",
        sa.Column("id_sha256", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id_sha256"),
    )
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_portal_sessions_expires", ["expires_at"], unique=False)
    op.create_table(
        "portal_login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("portal_login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_portal_login_attempts_subject", ["subject", "at"], unique=False)
    op.create_table(
        "grading_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')", name="ck_grading_requests_state"
        ),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("grading_requests", schema=None) as batch_op:
        batch_op.create_index("ix_grading_requests_state", ["state", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("grading_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_grading_requests_state")
    op.drop_table("grading_requests")
    with op.batch_alter_table("portal_login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_login_attempts_subject")
    op.drop_table("portal_login_attempts")
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_sessions_expires")
    op.drop_table("portal_sessions")
    op.drop_table("portal_invitations")
    op.drop_table("portal_accounts")
    op.drop_table("feedback_releases")
    op.drop_table("grading_results")
