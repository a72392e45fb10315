"""A throw-away deployment of the real server (`Stack`), and the plain HTTP calls a benchmark makes to it
outside the load (check an answer, warm a cache, post a few orders)."""
import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from tests import services

from .processes import (BENCH_DIR, PROJECT_ROOT, PYTHON, Process, free_port, terminate_on_sigterm, wait_http,
                        wait_log)

ADMIN_USER, ADMIN_PASSWORD = "admin", "admin"
BENCH_IMPORTS = {"PYTHONPATH": str(BENCH_DIR)}  # for `python -m harness.… / seed.…` run from PROJECT_ROOT


class Stack:
    """A fresh deployment of the real server: its own database, MEDIA_ROOT and, on the production
    profile, a new PostgreSQL database and a unique Celery queue on the Redis of `tests/services.py`.
    Use as a context manager: everything it started is stopped and removed on the way out."""

    def __init__(self, profile: str = "embedded", name: str = "bench", env: dict | None = None):
        if profile not in ("embedded", "production"):
            raise SystemExit(f"--profile must be embedded or production, not {profile!r}")
        self.profile = profile
        self.run_id = f"rh_{name}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.tmp = Path(tempfile.mkdtemp(prefix=f"receipt-hub-{name}-"))
        self.media_root = self.tmp / "media"
        self.processes: list[Process] = []
        self.server: Process | None = None
        self.worker: Process | None = None
        self.url = None
        self._database_created = False
        self._connection = None
        base = {k: v for k, v in os.environ.items()
                if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "MEDIA_ROOT", "CELERY_QUEUE")}
        self.env = {**base, "MEDIA_ROOT": str(self.media_root), "CELERY_QUEUE": self.run_id,
                    "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1", **(env or {})}
        if profile == "production":
            self.env["DATABASE_URL"] = f"{services.POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{self.run_id}"
            self.env["CELERY_BROKER_URL"] = services.REDIS_URL
            # the production profile refuses to start without a bank webhook secret
            self.env.setdefault("BANK_WEBHOOK_SECRET", "bench-webhook-secret")
        else:
            self.env["DATABASE_URL"] = f"sqlite:///{self.tmp / 'bench.db'}"

    # Lifecycle.

    def __enter__(self):
        terminate_on_sigterm()
        try:
            self.setup()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def setup(self):
        """The schema, the printers of fixtures/printers.json and an admin, by the server's own commands."""
        if self.profile == "production":
            missing = services.problems()
            if missing:
                raise SystemExit("--profile production needs the test services:\n" + "\n".join(missing))
            self._admin_sql(f'CREATE DATABASE "{self.run_id}"')
            self._database_created = True
        (self.media_root / "pdf").mkdir(parents=True)
        self.manage("migrate")
        self.manage("loaddata", str(PROJECT_ROOT / "fixtures" / "printers.json"))
        self.manage("createsuperuser", "--username", ADMIN_USER, "--password-from-env", "RH_BENCH_PASSWORD",
                    env={"RH_BENCH_PASSWORD": ADMIN_PASSWORD})

    def close(self):
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None
        for process in reversed(self.processes):
            with contextlib.suppress(Exception):
                process.stop()
        self.processes.clear()
        if self.profile == "production":
            with contextlib.suppress(Exception):
                import redis
                client = redis.Redis.from_url(services.REDIS_URL)
                for key in client.scan_iter(match=f"*{self.run_id}*"):
                    client.delete(key)
            if self._database_created:
                with contextlib.suppress(Exception):
                    self._admin_sql(f'DROP DATABASE IF EXISTS "{self.run_id}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _admin_sql(self, sql: str):
        import psycopg2
        connection = psycopg2.connect(services.POSTGRES_ADMIN_URL)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    # Commands run to completion with this stack's environment.

    def manage(self, *args: str, env: dict | None = None) -> str:
        """`python -m server ARGS` against this stack; its output."""
        return self._run([PYTHON, "-m", "server", *args], env)

    def call(self, module: str, function: str, **arguments):
        """`function(**arguments)` of a module of bench/ (`seed.printing`), run in a subprocess with this
        stack's environment, so that it works through the server's own models and settings; what it returns
        (through JSON)."""
        return json.loads(self._run([PYTHON, "-m", "harness.call", module, function, json.dumps(arguments)],
                                    BENCH_IMPORTS))

    def _run(self, argv: list[str], env: dict | None) -> str:
        done = subprocess.run(argv, cwd=PROJECT_ROOT, env={**self.env, **(env or {})},
                              capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{' '.join(argv[1:])} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    # Processes that run until stopped (all stopped by close()).

    def spawn(self, name: str, argv: list[str], env: dict | None = None) -> Process:
        process = Process(name, argv, {**self.env, **(env or {})}, self.tmp / f"{name}.log")
        self.processes.append(process)
        return process

    def spawn_bench_module(self, name: str, module: str, *args: str) -> Process:
        """`python -m MODULE ARGS` for a module of bench/ (`harness.ceiling_app`)."""
        return self.spawn(name, [PYTHON, "-m", module, *args], env=BENCH_IMPORTS)

    def start_server(self, port: int | None = None, env: dict | None = None) -> str:
        """`python -m server run --port P` (`env` added to the stack's); on the embedded profile it runs the
        rendering worker too."""
        port = port or free_port()
        self.server = self.spawn("server", [PYTHON, "-m", "server", "run", "--port", str(port)], env)
        self.url = f"http://127.0.0.1:{port}"
        wait_http(self.url + "/new_checks/", self.server)
        return self.url

    def start_worker(self, concurrency: int | None = None) -> Process:
        """`python -m server worker [--concurrency C]` (production profile), once it takes tasks."""
        if self.profile != "production":
            raise RuntimeError("the embedded profile renders inside the server process")
        argv = [PYTHON, "-m", "server", "worker"]
        if concurrency:
            argv += ["--concurrency", str(concurrency)]
        self.worker = self.spawn("worker", argv, env={"LOG_LEVEL": "INFO"})  # INFO: it logs "ready."
        wait_log(self.worker, " ready.")
        return self.worker

    def stop_server_and_worker(self):
        """Before the ceiling is measured: no backlog of the real side may run into it."""
        for process in (self.worker, self.server):
            if process is not None:
                process.stop()

    def server_groups(self) -> dict[str, int]:
        """The process groups of the server (and worker) by name, for `load(watch=...)` and `CpuMeter`."""
        return {"server": self.server.pid} | ({"worker": self.worker.pid} if self.worker else {})

    # The database, read directly (to watch progress without going through the server).

    def query(self, sql: str) -> list[tuple]:
        """Rows of `sql`, over one connection kept for the run: a new connection per poll would cost
        the database a process start each time, charged to the server's side of the measurement.
        Name tables by their models (`Check._meta.table_name`), not literally."""
        if self._connection is None:
            url = self.env["DATABASE_URL"]
            if url.startswith("sqlite:///"):
                import sqlite3
                self._connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30,
                                                   isolation_level=None)
            else:
                import psycopg2
                self._connection = psycopg2.connect(url)
                self._connection.autocommit = True
        cursor = self._connection.cursor()
        cursor.execute(sql)
        return cursor.fetchall()


def http_get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    return _http(urllib.request.Request(url, headers=headers or {}))


def http_post_json(url: str, payload, headers: dict | None = None) -> tuple[int, bytes]:
    return _http(urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                        headers={"Content-Type": "application/json", **(headers or {})}))


def _http(request: urllib.request.Request) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def basic_auth(user: str = ADMIN_USER, password: str = ADMIN_PASSWORD) -> str:
    """The Authorization header's value for the stack's admin."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
