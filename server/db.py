"""The database: one peewee proxy for SQLite or PostgreSQL (both pooled), and the executor that keeps
database work off the event loop."""
import asyncio
import datetime as dt
import functools
import json
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import peewee
from playhouse.db_url import connect, register_database
from playhouse.pool import PooledSqliteDatabase

from server.settings import settings

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 15000,
}


@functools.lru_cache(maxsize=256)
def like_pattern(pattern: str, escape: str | None) -> re.Pattern:
    parts, escaped = [], False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == escape:
            escaped = True
        else:
            parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def unicode_like(pattern, value, escape=None):
    """SQLite's LIKE, case-insensitive beyond ASCII as PostgreSQL's ILIKE is: a search for "сбер"
    finds "Сбербанк" (SQLite's own LIKE folds only A-Z)."""
    if pattern is None or value is None:
        return None
    return like_pattern(str(pattern), escape).fullmatch(str(value)) is not None


class UnicodeLikeSqliteDatabase(PooledSqliteDatabase):
    """The pooled SQLite database, its LIKE (with and without ESCAPE) as `unicode_like`."""

    def _initialize_connection(self, conn):
        super()._initialize_connection(conn)
        for arguments in (2, 3):
            conn.create_function("like", arguments, unicode_like, deterministic=True)


register_database(UnicodeLikeSqliteDatabase, "sqlite+unicode-like")


def make_database(url: str) -> peewee.Database:
    """A pooled database for `url` (sqlite:///path or postgresql://...)."""
    scheme, rest = url.split("://", 1)
    scheme = scheme.removesuffix("+pool")
    if scheme == "sqlite":
        if rest.startswith("/") and rest != "/:memory:":
            Path(rest).parent.mkdir(parents=True, exist_ok=True)
        # BEGIN IMMEDIATE: a transaction that reads then writes waits its turn instead of failing
        # with "database is locked" when another connection wrote in between.
        return connect(f"sqlite+unicode-like://{rest}", pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE",
                       max_connections=64, check_same_thread=False,
                       stale_timeout=300, timeout=30)
    if scheme in {"postgres", "postgresql"}:
        return connect(f"postgresql+pool://{rest}", max_connections=64, stale_timeout=300, timeout=30)
    raise ValueError(f"DATABASE_URL must be sqlite:/// or postgresql://, not {scheme}://")


def init_database(url: str | None = None) -> peewee.Database:
    db = make_database(url or settings.database_url)
    database.initialize(db)
    return db


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


def locked(query: peewee.ModelSelect, block_references: bool = False) -> peewee.ModelSelect:
    """The query's rows locked until the transaction ends, against other transactions locking or
    changing them: `SELECT ... FOR NO KEY UPDATE` on PostgreSQL (the lock its own UPDATE takes), so
    rows of other tables may still be inserted referencing them. With `block_references`, `FOR UPDATE`:
    such inserts (their foreign key check) wait too, as before a delete. On SQLite the write
    transaction, begun IMMEDIATE, already holds the database's one write lock."""
    if is_sqlite():
        return query
    return query.for_update("FOR UPDATE" if block_references else "FOR NO KEY UPDATE")


_executor: ThreadPoolExecutor | None = None


def executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(settings.db_threads, thread_name_prefix="db")
    return _executor


def with_connection(fn, *args, **kwargs):
    """Call fn with this thread's connection, opened from the pool on first use and kept: checking a
    connection out and back in on every call costs a round trip (the pool pings it) and a lock. A
    connection found broken is handed back to the pool, which discards it, and the next call opens
    another."""
    if not database.is_closed() and not database.is_connection_usable():
        database.close()
    if database.is_closed():
        database.connect()
    try:
        return fn(*args, **kwargs)
    except (peewee.InterfaceError, peewee.OperationalError):
        if not database.is_connection_usable():
            database.close()
        raise


async def run_db(fn, *args, **kwargs):
    """Run database work in the executor, so the event loop never waits on the database."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor(), functools.partial(with_connection, fn, *args, **kwargs))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTimeField(peewee.DateTimeField):
    """Stored as naive UTC (portable across SQLite and PostgreSQL), returned timezone-aware."""

    def db_value(self, value):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        value = super().python_value(value)
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


def json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=json_default, separators=(",", ":"), allow_nan=False)


class JSONField(peewee.TextField):
    """JSON kept as text, the same on SQLite and PostgreSQL."""

    def db_value(self, value):
        return None if value is None else dumps(value)

    def python_value(self, value):
        return None if value is None else json.loads(value)


def module_table_name(model: type[peewee.Model]) -> str:
    """`<module>_<model>`: `server.printing.models.Check` -> `printing_check`, `ServiceGroup` ->
    `<module>_service_group`. No table is a reserved word, and two modules may both have a Receipt."""
    module = model.__module__.split(".")[1] if model.__module__.startswith("server.") else "app"
    return f"{module}_{peewee.make_snake_case(model.__name__)}"


class BaseModel(peewee.Model):
    class Meta:
        database = database
        table_function = module_table_name


MAX_STATEMENT_PARAMS = 30_000  # SQLite takes at most 32766 parameters in one statement


def insert_skipping_conflicts(model: type[peewee.Model], rows: list[dict], returning: peewee.Field) -> list:
    """insert_rows, skipping the rows a unique constraint refuses: the `returning` column of those
    inserted."""
    return insert_rows(model, rows, returning, skip_conflicts=True)


def insert_rows(model: type[peewee.Model], rows: list[dict], returning: peewee.Field,
                skip_conflicts: bool = False) -> list:
    """Insert `rows` (dicts of field names, all with the same keys; the model's defaults fill the
    others) in one statement; answer the `returning` column of the rows inserted, in their order. A
    row a unique constraint refuses raises IntegrityError, or with `skip_conflicts` is left out.

    For measured hot paths only (the order intake, the webhook, the fiscal intake, where a benchmark
    earned it): the SQL is written here rather than by peewee's query builder, which spends ~0.1 ms of
    CPU on each row. Elsewhere, peewee's own `insert_many(...)` reads better. `ON CONFLICT DO NOTHING ...
    RETURNING` reads the same on PostgreSQL and on SQLite (3.35+)."""
    defaults = {field.name: default() if callable(default) else default
                for field, default in model._meta.defaults.items() if field.name not in rows[0]}
    fields = [model._meta.fields[name] for name in [*rows[0], *defaults]]
    row_params = "(" + ", ".join([database.param] * len(fields)) + ")"
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    on_conflict = " ON CONFLICT DO NOTHING" if skip_conflicts else ""

    def insert(chunk: list[dict]) -> list:
        values = ", ".join([row_params] * len(chunk))
        sql = (f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES {values}{on_conflict} '
               f'RETURNING "{returning.column_name}"')
        params = [field.db_value(row[field.name] if field.name in row else defaults[field.name])
                  for row in chunk for field in fields]
        return [value for value, in database.execute_sql(sql, params).fetchall()]

    per_statement = MAX_STATEMENT_PARAMS // len(fields)
    if len(rows) <= per_statement:
        return insert(rows)
    with database.atomic():
        return [value for start in range(0, len(rows), per_statement)
                for value in insert(rows[start:start + per_statement])]


def save_rows(instances: list[peewee.Model], fields: list[peewee.Field]) -> None:
    """What `instance.save(only=fields)` does for each instance (of one model), in one UPDATE ... FROM
    a VALUES list. For the same measured hot paths as insert_rows (fiscal registration: one write of
    the receipts, one of their devices, one of their shifts, however many devices a batch spans)."""
    if not instances:
        return
    model = type(instances[0])
    key = model._meta.primary_key
    columns = [key, *fields]
    names = ", ".join(f'"{column.column_name}"' for column in columns)
    row_params = "(" + ", ".join([database.param] * len(columns)) + ")"
    table = model._meta.table_name

    def typed(column: peewee.Field) -> str:
        # PostgreSQL types a VALUES column from its literals (text for a string or NULL): cast it back
        # (the key is never NULL: its literals type it)
        if is_sqlite():
            return f'v."{column.column_name}"'
        context = database.get_sql_context()
        kind, _ = context.sql(column.ddl_datatype(context)).query()
        return f'CAST(v."{column.column_name}" AS {kind})'

    changes = ", ".join(f'"{field.column_name}" = {typed(field)}' for field in fields)
    per_statement = MAX_STATEMENT_PARAMS // len(columns)
    for start in range(0, len(instances), per_statement):
        chunk = instances[start:start + per_statement]
        sql = (f'WITH v ({names}) AS (VALUES {", ".join([row_params] * len(chunk))}) '
               f'UPDATE "{table}" SET {changes} FROM v WHERE "{table}"."{key.column_name}" = v."{key.column_name}"')
        database.execute_sql(sql, [column.db_value(getattr(instance, column.name))
                                   for instance in chunk for column in columns])


def paginate(query, params: dict) -> tuple[list, int]:
    """Apply validated `sort` (a field of the query's model), `order`, `limit` and `offset` to a query:
    (that page's rows, total rows). Ties are broken by id, so pages never overlap."""
    column = getattr(query.model, params["sort"])
    model_id = query.model.id
    if params["order"] == "desc":
        ordering = (column.desc(), model_id.desc())
    else:
        ordering = (column.asc(), model_id.asc())
    total = query.count()
    rows = list(query.order_by(*ordering).limit(params["limit"]).offset(params["offset"]))
    return rows, total
