"""Alembic environment of the gradebook: always run from dlcourse.grades.db.migrate, which hands
in an open connection (inside its transaction and, on PostgreSQL, its write lock)."""

from __future__ import annotations

from alembic import context

from dlcourse.grades.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the gradebook's migrations with 'dlcourse grades init'")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
