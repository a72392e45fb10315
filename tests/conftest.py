"""Fixtures for the whole suite: the profile's real database, a running server, a Celery worker.

RH_TEST_PROFILE=production (the default): PostgreSQL and Redis on 127.0.0.1 (a fresh database per
session), and `python -m server worker` as a separate process. RH_TEST_PROFILE=embedded: a SQLite file
and the in-process worker, as `make run` starts them. The services must be reachable; the session stops
at once with what to start when they are not.
"""
import asyncio
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests import services

PROFILE = os.environ.get("RH_TEST_PROFILE", "production")
RUN_ID = f"rh_test_{os.getpid()}"
TMP = Path(tempfile.mkdtemp(prefix="receipt-hub-tests-"))
POSTGRES_BASE = services.POSTGRES_ADMIN_URL.rsplit("/", 1)[0]

os.environ.update({
    "MEDIA_ROOT": str(TMP / "media"),
    "RENDER_RETRY_BACKOFF": "1",
    "CELERY_QUEUE": RUN_ID,
    "LOG_LEVEL": "WARNING",
})
if PROFILE == "production":
    os.environ["DATABASE_URL"] = f"{POSTGRES_BASE}/{RUN_ID}"
    os.environ["CELERY_BROKER_URL"] = services.REDIS_URL
    os.environ["BANK_WEBHOOK_SECRET"] = "test-bank-webhook-secret"  # production refuses to start without it
elif PROFILE == "embedded":
    os.environ["DATABASE_URL"] = f"sqlite:///{TMP / 'test.db'}"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("BANK_WEBHOOK_SECRET", None)  # embedded: webhooks unsigned unless a test sets one
else:
    raise SystemExit(f"RH_TEST_PROFILE must be production or embedded, not {PROFILE!r}")

# Kafka: on the production profile a real wire-protocol broker (librdkafka's mock cluster, in this
# process); on the embedded profile the in-process bus, as `make run` has it.
KAFKA = None
if PROFILE == "production":
    from tests.kafka_mock import MockCluster

    KAFKA = MockCluster({"receipts": 3})
    os.environ["KAFKA_BOOTSTRAP_SERVERS"] = KAFKA.bootstrap_servers
else:
    os.environ.pop("KAFKA_BOOTSTRAP_SERVERS", None)

import psycopg2  # noqa: E402
import requests  # noqa: E402
from peewee import OperationalError  # noqa: E402

from server.accounts import service as accounts  # noqa: E402
from server.accounts.models import ROLES, User  # noqa: E402
from server.auth import login_throttle  # noqa: E402
from server.cli import load_fixture, migrate  # noqa: E402
from server.db import BaseModel, database, init_database, is_sqlite  # noqa: E402
from server.modules import modules  # noqa: E402
from server.openapi import PATH_PARAMETER  # noqa: E402
from server.settings import PROJECT_ROOT, settings  # noqa: E402

PASSWORDS = {role: f"{role}-password" for role in ROLES}
_HASHES = {}


def pytest_sessionstart(session):
    missing = services.problems() if PROFILE == "production" else [
        p for p in services.problems() if "PostgreSQL" not in p and "Redis" not in p]
    if missing:
        pytest.exit("the tests need real services:\n  " + "\n  ".join(missing), returncode=3)


def pytest_report_header(config):
    return f"receipt-hub profile: {PROFILE} ({os.environ['DATABASE_URL']})"


def _admin_sql(sql: str) -> None:
    connection = psycopg2.connect(services.POSTGRES_ADMIN_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def all_models() -> list:
    found, pending = [], list(BaseModel.__subclasses__())
    while pending:
        model = pending.pop()
        found.append(model)
        pending.extend(model.__subclasses__())
    return found


@pytest.fixture(scope="session", autouse=True)
def test_database():
    """A fresh database with the schema made by the migrations themselves."""
    if PROFILE == "production":
        _admin_sql(f'DROP DATABASE IF EXISTS "{RUN_ID}"')
        _admin_sql(f'CREATE DATABASE "{RUN_ID}"')
    init_database()
    with database.connection_context():
        assert migrate(), "the migrations created nothing"
    yield database
    database.obj.close_all()
    if PROFILE == "production":
        _admin_sql(f'DROP DATABASE IF EXISTS "{RUN_ID}" WITH (FORCE)')
    shutil.rmtree(TMP, ignore_errors=True)


def truncate_all() -> None:
    models = all_models()
    if is_sqlite():
        with database.atomic():
            for model in models:
                model.delete().execute()
    else:
        tables = ", ".join(f'"{m._meta.table_name}"' for m in models)
        _truncate(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def _truncate(statement: str, attempts: int = 5) -> None:
    """The session's server keeps working between tests (the analytics relay and consumer write in
    transactions of their own), so TRUNCATE can be chosen as a deadlock's victim: it is then run again
    (the server's loops retry their side themselves)."""
    for attempt in range(attempts):
        try:
            with database.atomic():
                database.execute_sql(statement)
            return
        except OperationalError as error:
            if "deadlock" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


@pytest.fixture(autouse=True)
def db(test_database):
    """Each test starts from empty tables and an empty media folder, with one user per role."""
    with database.connection_context():
        truncate_all()
        for role in ROLES:
            if role not in _HASHES:
                _HASHES[role] = accounts.hash_password(PASSWORDS[role])
            User.create(username=role, password=_HASHES[role], role=role, full_name=f"Test {role}")
        shutil.rmtree(settings.media_root, ignore_errors=True)
        (settings.media_root / "pdf").mkdir(parents=True, exist_ok=True)
        for module in modules():
            if module.reset is not None:
                module.reset()
        login_throttle.clear()
        yield database


@pytest.fixture(scope="session")
def kafka_cluster():
    """The session's mock Kafka cluster (production profile only)."""
    if KAFKA is None:
        pytest.skip("a Kafka broker runs on the production profile only")
    return KAFKA


@pytest.fixture
def printers(db):
    """The printers of fixtures/printers.json."""
    from server.printing.models import Printer

    load_fixture(PROJECT_ROOT / "fixtures" / "printers.json")
    return {p.api_key: p for p in Printer.select()}


NONEXISTENT = "999999999"


def path_values() -> dict:
    """An existing row for each kind of id the routes take (a record-level check then answers 403, not
    404): what each module's tests give in `access_path_values()` of `tests/<module>/__init__.py`."""
    values = {}
    for module in modules():
        provide = getattr(importlib.import_module(f"tests.{module.name}"), "access_path_values", None)
        if provide is not None:
            values.update(provide())
    return values


def fill_path(pattern: str, values: dict) -> str:
    """The route's path with `values` for its arguments (others: an id that exists nowhere)."""
    return PATH_PARAMETER.sub(lambda m: str(values.get(m.group(1), NONEXISTENT)), pattern).rstrip("$")


def credentials(access, who: str, body: bytes = b"") -> dict:
    """`requests` keyword arguments of a call that `who` makes through `access` with this body."""
    return access.test_request(who, body, PASSWORDS.__getitem__)


class LiveServer:
    """The whole application on a free port, in a thread of this process, with its event loop."""

    def __init__(self):
        from server.app import Server
        from server.worker import EmbeddedWorker

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = Server("127.0.0.1", self.port, EmbeddedWorker() if settings.embedded else None)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="live-server", daemon=True)
        self.started = threading.Event()

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.start())
        self.started.set()
        self.loop.run_forever()

    def start(self):
        self.thread.start()
        assert self.started.wait(20), "the server did not start"

    def stop(self):
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(20)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def celery_worker_process(test_database):
    """On the production profile, `python -m server worker` as its own process, over Redis."""
    if settings.embedded:
        yield None
        return
    log = open(TMP / "worker.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "server", "worker", "--concurrency", "2"],
                               cwd=PROJECT_ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT)
    from server.worker import celery_app

    deadline = time.monotonic() + 60
    while not celery_app.control.ping(timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the Celery worker did not start:\n" + (TMP / "worker.log").read_text())
    yield process
    process.terminate()
    process.wait(20)
    log.close()


@pytest.fixture(scope="session")
def live_server(test_database, celery_worker_process):
    server = LiveServer()
    server.start()
    yield server
    server.stop()


class ApiSession(requests.Session):
    """requests bound to the live server's URL: `api.get('/api/v1/printers')`."""

    def __init__(self, base_url: str, auth=None):
        super().__init__()
        self.base_url = base_url
        self.auth = auth

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 30)
        return super().request(method, self.base_url + url, *args, **kwargs)


def client_for(live_server, role: str | None) -> ApiSession:
    return ApiSession(live_server.url, (role, PASSWORDS[role]) if role else None)


@pytest.fixture
def api(live_server):
    """An admin's session."""
    with client_for(live_server, "admin") as session:
        yield session


@pytest.fixture
def anonymous(live_server):
    with client_for(live_server, None) as session:
        yield session


@pytest.fixture
def as_role(live_server):
    sessions = []

    def make(role):
        sessions.append(client_for(live_server, role))
        return sessions[-1]

    yield make
    for session in sessions:
        session.close()


def run_in_new_loop(coroutine):
    """asyncio.run in a thread of its own: the browser tests may leave a loop running in this one."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result(timeout=60)


def wait_until(predicate, timeout: float = 30, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
