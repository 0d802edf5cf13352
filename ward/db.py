"""Opening the ward's database from its URL, and migrating it.

`postgresql://user@/dbname` (a local socket, peer authentication) or
`postgresql://user:password@host:5432/dbname` is the supported engine;
`sqlite:///path/ward.sqlite` is for a small trial only.
"""

from __future__ import annotations

from peewee import Database, DatabaseError, InterfaceError, OperationalError, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect  # type: ignore[import-untyped]

from ward.migrations import SCHEMA_VERSION, statements
from ward.models import database

POOL_CONNECTIONS = 32  # the server's 8 threads, the sender threads of a benchmark, and room


class WardStoreError(Exception):
    """The ward's database cannot be used; the message says why."""


def engine_of(db: Database) -> str:
    if isinstance(db, PostgresqlDatabase):
        return "postgresql"
    if isinstance(db, SqliteDatabase):
        return "sqlite"
    raise WardStoreError(f"unsupported database engine {type(db).__name__}: use postgresql:// or sqlite:///")


def connect_url(url: str) -> Database:
    """The database at `url`, bound to the ward's models (not yet migrated)."""
    if not url.startswith(("postgresql://", "postgres://", "sqlite:///")):
        raise WardStoreError(f"database URL '{url}' is neither postgresql://... nor sqlite:///...")
    if url.startswith("sqlite"):
        # A trial on SQLite: foreign keys on, and a writer waits for another rather than failing.
        db = connect(url, pragmas={"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 5000})
    else:
        # A pool: opening a PostgreSQL connection costs more than most of the
        # ward's pages (18 ms median at load 10), and every request needs one.
        # peewee's pool hands back a connection per thread and drops one the
        # server closed (a restart) rather than reuse it.
        scheme, rest = url.split("://", 1)
        db = connect(f"{scheme}+pool://{rest}", max_connections=POOL_CONNECTIONS, stale_timeout=300, timeout=10)
    engine_of(db)
    database.initialize(db)
    return db


def schema_version(db: Database) -> int:
    db.execute_sql('CREATE TABLE IF NOT EXISTS "ward_schema" ("version" INTEGER NOT NULL)')
    row = db.execute_sql('SELECT "version" FROM "ward_schema"').fetchone()
    return int(row[0]) if row else 0


def migrate(db: Database) -> tuple[int, int]:
    """Bring the schema up to this software's version, one migration per
    transaction. Returns (version before, version after)."""
    engine = engine_of(db)
    try:
        with db.atomic():
            before = schema_version(db)
        if before > SCHEMA_VERSION:
            raise WardStoreError(
                f"the ward database has schema version {before}, newer than this software's {SCHEMA_VERSION}: "
                "update the ward server"
            )
        for number in range(before + 1, SCHEMA_VERSION + 1):
            with db.atomic():
                if engine == "postgresql":
                    # Two servers migrating at once: the second waits, then finds the work done.
                    db.execute_sql("LOCK TABLE ward_schema IN EXCLUSIVE MODE")
                    if schema_version(db) >= number:
                        continue
                for statement in statements(number, engine):
                    db.execute_sql(statement)
                db.execute_sql('DELETE FROM "ward_schema"')
                db.execute_sql(f'INSERT INTO "ward_schema" ("version") VALUES ({int(number)})')
    except (OperationalError, InterfaceError, DatabaseError) as exc:
        raise WardStoreError(f"cannot migrate the ward database: {str(exc).strip().splitlines()[0]}") from exc
    return before, SCHEMA_VERSION


def open_ward_database(url: str) -> Database:
    """Connect, and refuse a database that is not at this software's version
    (the server never migrates on its own: `python -m ward migrate` does)."""
    db = connect_url(url)
    try:
        version = schema_version(db)
    except (OperationalError, InterfaceError, DatabaseError) as exc:
        raise WardStoreError(f"cannot open the ward database: {str(exc).strip().splitlines()[0]}") from exc
    finally:
        if not db.is_closed():
            db.close()
    if version != SCHEMA_VERSION:
        raise WardStoreError(
            f"the ward database is at schema version {version}, this software needs {SCHEMA_VERSION}: "
            "run 'python -m ward migrate'"
        )
    return db
