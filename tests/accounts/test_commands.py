"""`python -m server createsuperuser` and `python -m server users`, run as a user runs them."""
import os
import subprocess
import sys

from server.accounts import service
from server.accounts.models import User
from server.settings import PROJECT_ROOT
from tests.conftest import ApiSession


def server_command(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`python -m server ARGS` against the test's database (DATABASE_URL of this session)."""
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=PROJECT_ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def test_createsuperuser_takes_the_username_and_the_password_from_the_environment(live_server):
    done = server_command("createsuperuser", "--username", "boss", "--password-from-env", "RH_NEW_PASSWORD",
                          RH_NEW_PASSWORD="boss-secret-1")
    assert done.returncode == 0, done.stderr
    assert "boss" in done.stdout
    boss = User.get(User.username == "boss")
    assert boss.role == "admin" and boss.is_active
    assert boss.password.startswith("scrypt$") and "boss-secret-1" not in boss.password
    with ApiSession(live_server.url, ("boss", "boss-secret-1")) as session:
        assert session.get("/api/v1/users").status_code == 200


def test_createsuperuser_refuses_a_taken_username_and_changes_nothing():
    before = User.get(User.username == "admin").password
    done = server_command("createsuperuser", "--username", "admin", "--password-from-env", "RH_NEW_PASSWORD",
                          RH_NEW_PASSWORD="another-password")
    assert done.returncode != 0
    assert "already exists" in done.stderr
    assert User.get(User.username == "admin").password == before
    assert User.select().count() == 6


def test_createsuperuser_refuses_a_missing_or_short_password():
    for env in ({}, {"RH_NEW_PASSWORD": "abc"}):
        done = server_command("createsuperuser", "--username", "boss",
                              "--password-from-env", "RH_NEW_PASSWORD", **env)
        assert done.returncode != 0
        assert "password" in done.stderr
    assert not User.select().where(User.username == "boss").exists()


def test_users_lists_every_user_with_role_and_state():
    service.create_user("petr", "password1", "cashier", full_name="Пётр Петров", is_active=False)
    done = server_command("users")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 7
    rows = {line.split()[1]: line.split()[2:4] for line in lines}
    assert rows["admin"] == ["admin", "active"]
    assert rows["erp"] == ["erp", "active"]
    assert rows["petr"] == ["cashier", "inactive"]
    assert "Пётр Петров" in done.stdout
