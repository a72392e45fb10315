"""The migrations move a database that already holds data: nothing is lost on the way."""
import peewee
import pytest
from peewee_migrate import Router

from server.cli import MIGRATIONS
from server.db import make_database
from tests.conftest import POSTGRES_BASE, PROFILE, RUN_ID, TMP, _admin_sql

OLD_ROWS = [
    """INSERT INTO "user" (username, password, full_name, email, role, is_active, created_at)
       VALUES ('old-admin', 'x', '', '', 'admin', TRUE, '2026-01-01 00:00:00')""",
    """INSERT INTO token (user_id, token_hash, name, created_at, expires_at)
       VALUES (1, 'h', 'old', '2026-01-01 00:00:00', '2999-01-01 00:00:00')""",
    """INSERT INTO printer (name, api_key, check_type, point_id, is_active, created_at)
       VALUES ('Кухня', 'old-key', 'kitchen', 1, TRUE, '2026-01-01 00:00:00')""",
    """INSERT INTO "check" (printer_id, type, "order", order_id, status, render_attempts, created_at)
       VALUES (1, 'kitchen', '{"id": 7}', 7, 'new', 0, '2026-01-01 00:00:00')""",
]


@pytest.fixture
def old_database():
    """An empty database of this profile's kind, outside the suite's own."""
    if PROFILE == "production":
        name = f"{RUN_ID}_migrations"
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
        _admin_sql(f'CREATE DATABASE "{name}"')
        db = make_database(f"{POSTGRES_BASE}/{name}")
    else:
        path = TMP / "migrations.db"
        path.unlink(missing_ok=True)
        db = make_database(f"sqlite:///{path}")
    yield db
    db.close_all()
    if PROFILE == "production":
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_migrations_keep_every_row_and_the_ids_go_on(old_database):
    router = Router(old_database, migrate_dir=str(MIGRATIONS), ignore=["basemodel"])
    router.run("001_initial")
    for sql in OLD_ROWS:
        old_database.execute_sql(sql)

    router.run()

    assert old_database.execute_sql('SELECT username FROM accounts_user').fetchall() == [("old-admin",)]
    assert old_database.execute_sql('SELECT name FROM accounts_token').fetchall() == [("old",)]
    assert old_database.execute_sql('SELECT api_key FROM printing_printer').fetchall() == [("old-key",)]
    assert old_database.execute_sql('SELECT order_id, printer_id FROM printing_check').fetchall() == [(7, 1)]
    assert old_database.execute_sql('SELECT id, point_id FROM printing_order').fetchall() == [(7, 1)]
    tables = set(old_database.get_tables())
    assert not tables & {"user", "token", "printer", "check"}
    for table in ("accounts_user", "accounts_token", "printing_printer", "printing_check"):
        assert all(index.name.startswith(table) for index in old_database.get_indexes(table)), table
    old_database.execute_sql(
        """INSERT INTO printing_printer (name, api_key, check_type, point_id, is_active, created_at)
           VALUES ('Бар', 'new-key', 'client', 1, TRUE, '2026-01-02 00:00:00')""")
    new_id = old_database.execute_sql("SELECT id FROM printing_printer WHERE api_key = 'new-key'").fetchone()
    assert new_id == (2,)
    with pytest.raises(peewee.IntegrityError):
        old_database.execute_sql("""INSERT INTO printing_check (printer_id, type, "order", order_id, status,
                                    render_attempts, created_at) VALUES (1, 'kitchen', '{}', 7, 'new', 0,
                                    '2026-01-01 00:00:00')""")
