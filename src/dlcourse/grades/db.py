"""Where the gradebook lives and how it is opened: a SQLite file in the course folder by default,
PostgreSQL by URL (``DLCOURSE_DB=postgresql+psycopg://…`` or ``--db``), migrated to the latest
schema by Alembic on every open.

The SQLite file is created with mode 0600 (grades are for staff only; SQLite gives its WAL and
shared-memory files the database file's mode), in ``<course>/grades/`` beside a ``.gitignore``
that ignores everything there, so a gradebook never reaches the repository or the website. For
the embedded example course, which is read-only, the folder is ``./dlsp20-grades`` in the current
folder instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from dlcourse.course import Course
from dlcourse.course.layout import is_example, writable_root

DB_ENV = "DLCOURSE_DB"
DB_FILE = "gradebook.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any fixed number: every writer of a PostgreSQL gradebook takes this transaction-level lock
# first, so two graders importing at once run one after the other instead of interleaving.
WRITE_LOCK_KEY = 0x646C_636F_7572  # "dlcour"
SQLITE_BUSY_SECONDS = 30


class GradebookError(Exception):
    """The gradebook cannot do what was asked; ``issues`` say why and what to do, one a line."""

    def __init__(self, issues: list[str] | str):
        self.issues = [issues] if isinstance(issues, str) else list(issues)
        super().__init__("\n".join(self.issues))


def gradebook_dir(course: Course) -> Path:
    """The folder of the course's gradebook, backups and exports (all ignored by git)."""
    if is_example(course.root):  # read-only: the current folder instead
        return writable_root(course.root) / f"{course.root.name}-grades"
    return course.root / "grades"


def default_url(course: Course) -> str:
    return f"sqlite:///{gradebook_dir(course) / DB_FILE}"


def database_url(course: Course, url: str | None = None) -> str:
    """``url``, else ``$DLCOURSE_DB``, else the SQLite file in :func:`gradebook_dir`."""
    return url or os.environ.get(DB_ENV) or default_url(course)


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise GradebookError(f"{url}: a gradebook needs a file, not an in-memory database")
    return Path(parsed.database)


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable database URL>"


def prepare_sqlite_file(path: Path) -> None:
    """Create the folder (with a .gitignore of everything) and an empty file of mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ignore = path.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# grades are never committed\n*\n", encoding="utf-8")
    descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(descriptor)
    os.chmod(path, 0o600)


def _sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Transactions are begun by _sqlite_begin below, not by the driver's own guesswork.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")  # durable in WAL mode up to the last commit
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A writer takes the write lock at BEGIN (IMMEDIATE): a second writer then waits for it
    # instead of failing half-way when its read turns into a write.
    write = connection.get_execution_options().get("dlcourse_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the gradebook's settings (WAL and foreign keys on SQLite)."""
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError as error:
        raise GradebookError(
            f"cannot read the database URL ({error}); write e.g. "
            "postgresql+psycopg://user@host/dbname or sqlite:////path/gradebook.sqlite3"
        ) from error
    if backend == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        try:
            return create_engine(url, pool_pre_ping=True)
        except ModuleNotFoundError as error:
            raise GradebookError(
                f"PostgreSQL needs its driver ({error.name}): pip install 'dlcourse[grades]'"
            ) from error
    raise GradebookError(
        f"{redact(url)}: the gradebook runs on SQLite or PostgreSQL (postgresql+psycopg://…)"
    )


def take_write_lock(connection: Connection) -> None:
    """Serialise writers on PostgreSQL (SQLite's BEGIN IMMEDIATE already does)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows (dicts with the same keys) inside the connection's transaction: COPY on
    PostgreSQL, one executemany of plain tuples on SQLite.

    An import writes 20,000 scores and 20,000 audit rows; SQLAlchemy's executemany spends more
    time building and type-converting each row's parameters than the database spends storing
    it. Here each column's bind conversion (UTCDateTime: aware to naive UTC, then SQLite's text)
    runs once per distinct value — an import stamps every row with the same time — and the rows
    go to the driver as they are. The statement runs on the same DBAPI connection, so it is part
    of the caller's transaction (and its lock) like any other statement.
    """
    if not rows:
        return
    keys = list(rows[0])
    columns = [table.c[key] for key in keys]
    dialect = connection.dialect
    by_column = []
    for key, column in zip(keys, columns, strict=True):
        values = [row[key] for row in rows]
        convert = column.type.bind_processor(dialect)
        if convert is not None:  # once per distinct value (every value here is a plain scalar)
            converted = {value: None if value is None else convert(value) for value in set(values)}
            values = [converted[value] for value in values]
        by_column.append(values)
    tuples = list(zip(*by_column, strict=True))
    quote = dialect.identifier_preparer
    names = ", ".join(quote.quote(column.name) for column in columns)
    target = quote.format_table(table)
    driver = connection.connection.driver_connection
    if dialect.driver == "psycopg":  # psycopg 3: COPY … FROM STDIN, row by row
        with driver.cursor() as cursor, cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for values in tuples:
                copy.write_row(values)
        return
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO {target} ({names}) VALUES ({', '.join(mark for _ in columns)})", tuples
    )


def _alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


@cache
def head_revision() -> str:
    """The newest migration shipped in the package."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def migrate(engine: Engine) -> bool:
    """Bring the schema to the latest revision; True when something was applied."""
    from alembic import command

    with engine.connect() as connection:
        if current_revision(connection) == head_revision():
            return False
    with engine.execution_options(dlcourse_write=True).begin() as connection:
        take_write_lock(connection)
        if current_revision(connection) == head_revision():
            return False  # another process migrated while this one waited
        command.upgrade(_alembic_config(connection), "head")
    return True


@contextmanager
def connection_errors(url: str) -> Iterator[None]:
    """Turn a database that cannot be reached into a message naming it (never the password)."""
    try:
        yield
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise GradebookError(
            f"cannot use the gradebook at {redact(url)}: {reason}; check the URL "
            f"(--db or ${DB_ENV}) and that the database is running"
        ) from error
