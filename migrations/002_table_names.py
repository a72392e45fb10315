"""Every table is named `<module>_<model>` (no reserved words such as "check" and "user", and two modules
may each have a Receipt). The rows stay; the tables' indexes, constraints and sequences are renamed
with them, so that later migrations find them by the names peewee gives."""

import peewee as pw
from peewee_migrate import Migrator

RENAMES = {"printer": "printing_printer", "check": "printing_check", "user": "accounts_user",
           "token": "accounts_token"}


def rename_companions(database: pw.Database, renames: dict) -> None:
    """Rename what is named after each table: `<old>_...` becomes `<new>_...`."""
    if isinstance(database, pw.DatabaseProxy):
        database = database.obj
    for old, new in renames.items():
        if isinstance(database, pw.PostgresqlDatabase):
            rename_in_postgresql(database, old, new)
        else:
            rename_in_sqlite(database, old, new)


def rename_in_postgresql(database: pw.Database, old: str, new: str) -> None:
    like = old.replace("_", r"\_") + r"\_%"
    for (name,) in database.execute_sql(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
            "AND indexname LIKE %s", (new, like)).fetchall():
        database.execute_sql(f'ALTER INDEX "{name}" RENAME TO "{new}{name[len(old):]}"')
    for (name,) in database.execute_sql(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' "
            "AND conname LIKE %s", (f'"{new}"', like)).fetchall():
        database.execute_sql(f'ALTER TABLE "{new}" RENAME CONSTRAINT "{name}" TO "{new}{name[len(old):]}"')
    database.execute_sql(f'ALTER SEQUENCE IF EXISTS "{old}_id_seq" RENAME TO "{new}_id_seq"')


def rename_in_sqlite(database: pw.Database, old: str, new: str) -> None:
    """SQLite cannot rename an index: each is made again under its new name."""
    for name, sql in database.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (new,)).fetchall():
        if not name.startswith(old + "_"):
            continue
        renamed = f"{new}{name[len(old):]}"
        database.execute_sql(f'DROP INDEX "{name}"')
        database.execute_sql(sql.replace(f'"{name}"', f'"{renamed}"', 1))


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    for old, new in RENAMES.items():
        migrator.rename_table(old, new)
    migrator.run(rename_companions, database, RENAMES)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    back = {new: old for old, new in RENAMES.items()}
    for new, old in back.items():
        migrator.rename_table(new, old)
    migrator.run(rename_companions, database, back)
