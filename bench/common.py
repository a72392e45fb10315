"""What the benchmarks share: a throw-away deployment of the real server (`Stack`), a bare Tornado server
for the ceiling (`BareServer`), and an HTTP/1.1 keep-alive load generator (`load`).

Everything a benchmark starts runs in its own session (so a Ctrl-C reaches only the benchmark, which then
stops it in order) and is stopped on the way out, on failure and on SIGTERM too.

Run as a script it is the helper the stacks start in their subprocesses:
    python bench/common.py bare --port P --path /p (--body-file F | --echo-ok TEXT)
    python bench/common.py seed-rendered --api-key K --count N      (with a stack's environment)
    python bench/common.py render-inputs --orders N --point-id P     (with a stack's environment)
"""
import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from array import array
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable
POSTGRES_ADMIN_URL = os.environ.get("RH_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
ADMIN_USER, ADMIN_PASSWORD = "admin", "admin"
CLK_TCK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


# Orders as an ERP sends them.

ITEMS = [("Пицца Маргарита", "2", "450.00"), ("Морс клюквенный", "1", "99.90"),
         ("Салат Цезарь", "1", "390.00"), ("Суп том-ям", "2", "520.00"), ("Хлеб", "3", "25.00")]


def order_body(order_id: int, point_id: int = 1, items: int = 3) -> dict:
    lines = [{"name": name, "quantity": qty, "unit_price": price} for name, qty, price in ITEMS[:items]]
    return {"id": order_id, "point_id": point_id, "items": lines,
            "address": "ул. Ленина, 1, кв. 5", "client": {"name": "Иван Петров", "phone": "+7 900 123-45-67"}}


# Processes.

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) of a process group: its live processes and the children they reaped
    (a Celery worker's pool processes, the wkhtmltopdf processes that render)."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            ticks += sum(int(v) for v in fields[11:15])
    return ticks / CLK_TCK


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, over all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


class CpuMeter:
    """Cores used by some process groups (named by their leaders: every Process is one) and by the whole
    machine between start() and stop()."""

    def __init__(self, groups: dict[str, int]):
        self.groups = groups

    def start(self):
        self._t0 = time.monotonic()
        self._cpu0 = {name: group_cpu_seconds(pgid) for name, pgid in self.groups.items()}
        self._machine0 = machine_busy_seconds()
        return self

    def stop(self) -> dict[str, float]:
        elapsed = time.monotonic() - self._t0
        cores = {name: (group_cpu_seconds(pgid) - self._cpu0[name]) / elapsed
                 for name, pgid in self.groups.items()}
        busy, total = machine_busy_seconds()
        cores["machine"] = (busy - self._machine0[0]) / max(total - self._machine0[1], 1e-9) * CORES
        return cores


def describe_cpu(cores: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:.2f}" for name, value in cores.items()) + f" of {CORES} cores"


def revision() -> str:
    """The code measured: the commit, and whether the server's files differ from it."""
    def git(*args):
        done = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""
    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    changed = git("status", "--porcelain", "--", "server", "templates", "migrations", "fixtures").splitlines()
    return commit + (f" + uncommitted changes in {len(changed)} server file(s)" if changed else "")


def warn_if_busy(seconds: float = 1.0) -> float:
    """Before measuring: how many cores other work keeps busy; a warning when it is more than a little,
    since every figure here is relative to an otherwise idle machine."""
    before = machine_busy_seconds()
    time.sleep(seconds)
    after = machine_busy_seconds()
    busy = (after[0] - before[0]) / max(after[1] - before[1], 1e-9) * CORES
    print(f"measuring {revision()} on {CORES} cores", flush=True)
    if busy > 0.25:
        print(f"WARNING: {busy:.2f} of {CORES} cores were busy with other work just before this run; "
              "the figures below are noisy (compare ratios, or run again on a quiet machine)", flush=True)
    return busy


class Process:
    """A subprocess in its own session, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict, log_path: Path):
        self.name, self.log_path = name, log_path
        self._log = open(log_path, "wb")
        self.popen = subprocess.Popen(argv, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                                      stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def check_alive(self):
        if self.popen.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.log_tail()}")

    def stop(self, timeout: float = 15):
        """SIGTERM to its process group (a Celery worker's pool processes too), SIGKILL if it lingers."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        else:
            # the leader is gone; make sure nothing it started is left in its group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
        self._log.close()


def wait_http(url: str, process: Process, timeout: float = 60) -> None:
    """Until `url` answers anything over HTTP."""
    deadline = time.monotonic() + timeout
    while True:
        process.check_alive()
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{process.name} did not answer at {url} within {timeout}s:\n"
                                   + process.log_tail()) from None
            time.sleep(0.1)


def wait_log(process: Process, marker: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while marker not in process.log_path.read_text(errors="replace"):
        process.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{process.name} did not log {marker!r} within {timeout}s:\n"
                               + process.log_tail())
        time.sleep(0.1)


def _terminate_on_sigterm():
    """SIGTERM (e.g. from CI's timeout) unwinds like Ctrl-C, so every `finally` stops what it started."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, handler)


class Stack:
    """A fresh deployment of the real server: its own database, MEDIA_ROOT and, on the production
    profile, a new PostgreSQL database and a unique Celery queue on Redis. Use as a context manager."""

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
            self.env["DATABASE_URL"] = f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{self.run_id}"
            self.env["CELERY_BROKER_URL"] = REDIS_URL
        else:
            self.env["DATABASE_URL"] = f"sqlite:///{self.tmp / 'bench.db'}"

    # Lifecycle.

    def __enter__(self):
        _terminate_on_sigterm()
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
            self._check_services()
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
                client = redis.Redis.from_url(REDIS_URL)
                for key in client.scan_iter(match=f"*{self.run_id}*"):
                    client.delete(key)
            if self._database_created:
                with contextlib.suppress(Exception):
                    self._admin_sql(f'DROP DATABASE IF EXISTS "{self.run_id}" WITH (FORCE)')
        shutil.rmtree(self.tmp, ignore_errors=True)

    # Pieces.

    def _check_services(self):
        import psycopg2
        import redis
        try:
            psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
        except psycopg2.Error as error:
            raise SystemExit(f"--profile production needs PostgreSQL at {POSTGRES_ADMIN_URL} "
                             f"(RH_BENCH_POSTGRES_URL): {str(error).strip()}")
        try:
            redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
        except redis.RedisError as error:
            raise SystemExit(f"--profile production needs Redis at {REDIS_URL} (RH_BENCH_REDIS_URL): {error}")

    def _admin_sql(self, sql: str):
        import psycopg2
        connection = psycopg2.connect(POSTGRES_ADMIN_URL)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def manage(self, *args: str, env: dict | None = None) -> str:
        """`python -m server ARGS` against this stack; its output."""
        done = subprocess.run([PYTHON, "-m", "server", *args], cwd=PROJECT_ROOT,
                              env={**self.env, **(env or {})}, capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"python -m server {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def helper(self, *args: str) -> str:
        """`python bench/common.py ARGS` with this stack's environment (work through the server's models)."""
        done = subprocess.run([PYTHON, __file__, *args], cwd=PROJECT_ROOT, env=self.env,
                              capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"bench/common.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def spawn(self, name: str, argv: list[str], env: dict | None = None) -> Process:
        process = Process(name, argv, {**self.env, **(env or {})}, self.tmp / f"{name}.log")
        self.processes.append(process)
        return process

    def start_server(self, port: int | None = None) -> str:
        """`python -m server run --port P`; on the embedded profile it runs the rendering worker too."""
        port = port or free_port()
        self.server = self.spawn("server", [PYTHON, "-m", "server", "run", "--port", str(port)])
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

    # The database, read directly (to watch progress without going through the server).

    def query(self, sql: str) -> list[tuple]:
        """Rows of `sql`, over one connection kept for the run: a new connection per poll would cost
        the database a process start each time, charged to the server's side of the measurement."""
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


class BareServer:
    """The ceiling: a one-handler Tornado server in its own process, at the same path as the real one."""

    def __init__(self, stack: Stack, path: str, *, body: bytes | None = None, echo_ok: str | None = None):
        self.port = free_port()
        args = [PYTHON, __file__, "bare", "--port", str(self.port), "--path", path]
        if body is not None:
            body_file = stack.tmp / f"bare-body-{uuid.uuid4().hex[:6]}.json"
            body_file.write_bytes(body)
            args += ["--body-file", str(body_file)]
        else:
            args += ["--echo-ok", echo_ok]
        self.process = stack.spawn("bare", args)
        self.url = f"http://127.0.0.1:{self.port}"
        wait_http(self.url + path, self.process)

    def stop(self):
        self.process.stop()


def bare_main(args):
    """A Tornado app whose one handler does the least the endpoint must: send the same JSON body, or
    parse the JSON body and answer {"ok": ...}. Same Tornado settings as server/app.py's make_app."""
    import tornado.web

    class BodyHandler(tornado.web.RequestHandler):
        def get(self):
            self.set_header("Content-Type", "application/json; charset=UTF-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(BODY)

    class EchoOkHandler(tornado.web.RequestHandler):
        def get(self):
            self.finish(b"{}")

        def post(self):
            json.loads(self.request.body)
            self.set_header("Content-Type", "application/json; charset=UTF-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(json.dumps({"ok": args.echo_ok}, ensure_ascii=False, separators=(",", ":")))

    BODY = Path(args.body_file).read_bytes() if args.body_file else b""
    handler = BodyHandler if args.body_file else EchoOkHandler

    async def main():
        tornado.web.Application([(args.path, handler)], compress_response=True).listen(
            args.port, "127.0.0.1", max_body_size=64 * 1024 * 1024, xheaders=False)
        await asyncio.Event().wait()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    asyncio.run(main())


# The load generator.

def http_request(method: str, path: str, body: bytes = b"", headers: dict | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: one request at a time, responses with Content-Length."""

    def __init__(self):
        self.transport = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.expected = -1
        self.status = 0

    def connection_made(self, transport):
        self.transport = transport
        sock = transport.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data):
        self.buffer += data
        if self.expected < 0:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            self.status = int(head[9:12])
            at = head.find(b"\r\ncontent-length:")
            if at < 0:
                self._fail(RuntimeError("a response without Content-Length: "
                                        + head[:200].decode(errors="replace")))
                return
            stop = head.find(b"\r\n", at + 2)
            self.expected = end + 4 + int(head[at + 17:stop if stop > 0 else None])
        if len(self.buffer) >= self.expected:
            if len(self.buffer) > self.expected:
                self._fail(RuntimeError("bytes after a response to a request not pipelined"))
                return
            self.buffer.clear()
            self.expected = -1
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result(self.status)

    def _fail(self, error):
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)
        self.transport.close()

    def connection_lost(self, exc):
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc or ConnectionError("the server closed the connection"))

    def request(self, data: bytes) -> asyncio.Future:
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self.waiter


@dataclass
class LoadResult:
    seconds: float
    latencies: array = field(default_factory=lambda: array("d"))
    statuses: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    client_cpu: float = 0.0
    cpu: dict = field(default_factory=dict)
    answered_ok: int = 0  # 2xx answers over the whole run, warm-up included

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))] * 1000

    def bad(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)

    def merge(self, other: "LoadResult"):
        self.latencies.extend(other.latencies)
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n
        self.errors += other.errors
        self.client_cpu += other.client_cpu
        self.answered_ok += other.answered_ok


async def _load(port, make_request, connections, first_seq, seq_step, begin, end) -> LoadResult:
    loop = asyncio.get_running_loop()
    result = LoadResult(end - begin)
    seq = first_seq
    clock = time.monotonic

    async def one_connection():
        nonlocal seq
        _, protocol = await loop.create_connection(_Connection, "127.0.0.1", port)
        try:
            while True:
                data = make_request(seq)
                seq += seq_step
                started = clock()
                if started >= end:
                    return
                status = await protocol.request(data)
                finished = clock()
                if 200 <= status < 300:
                    result.answered_ok += 1
                if begin <= started and finished <= end:
                    result.latencies.append(finished - started)
                    result.statuses[status] = result.statuses.get(status, 0) + 1
        finally:
            protocol.transport.close()

    cpu0 = time.process_time()
    outcomes = await asyncio.gather(*(one_connection() for _ in range(connections)), return_exceptions=True)
    result.errors = [f"{type(o).__name__}: {o}" for o in outcomes if isinstance(o, BaseException)]
    result.client_cpu = time.process_time() - cpu0
    return result


def _load_process(queue, port, make_request, connections, first_seq, seq_step, begin, end):
    try:
        result = asyncio.run(_load(port, make_request, connections, first_seq, seq_step, begin, end))
        queue.put((result.latencies.tobytes(), result.statuses, result.errors, result.client_cpu,
                   result.answered_ok))
    except BaseException as error:  # reported by the parent
        queue.put(error)


def load(url: str, make_request, *, connections: int, duration: float, warmup: float = 2.0,
         processes: int = 1, first_seq: int = 0, watch: dict[str, int] | None = None) -> LoadResult:
    """Keep `connections` keep-alive connections busy for warmup + duration seconds, each sending one
    request after the other; `make_request(seq)` gives the bytes of request number `seq` (distinct over
    the whole run, processes included). Counts the requests sent and answered within the last
    `duration` seconds. With processes > 1 the connections are shared out over forked processes.
    `watch` names processes whose CPU use over the measured window goes into `result.cpu`."""
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    started = time.monotonic()
    begin = started + 0.3 + warmup
    end = begin + duration
    meter = _WindowMeter(watch or {}, begin, end)
    try:
        if processes <= 1:
            result = asyncio.run(_load(port, make_request, connections, first_seq, 1, begin, end))
        else:
            result = _load_forked(port, make_request, connections, first_seq, processes, begin, end,
                                  timeout=warmup + duration + 60)
    except BaseException:
        meter.cancel.set()
        raise
    finally:
        meter.join()
    result.cpu = {**meter.cores, "loadgen": result.client_cpu / (time.monotonic() - started)}
    return result


class _WindowMeter(threading.Thread):
    """CpuMeter over [begin, end], on a thread while the load runs."""

    def __init__(self, pids, begin, end):
        super().__init__(daemon=True)
        self.meter, self.begin, self.end, self.cores = CpuMeter(pids), begin, end, {}
        self.cancel = threading.Event()
        self.start()

    def run(self):
        if self.cancel.wait(max(0.0, self.begin - time.monotonic())):
            return
        self.meter.start()
        if self.cancel.wait(max(0.0, self.end - time.monotonic())):
            return
        with contextlib.suppress(OSError):
            self.cores = self.meter.stop()


def _load_forked(port, make_request, connections, first_seq, processes, begin, end, timeout):
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    shares = [connections // processes + (1 if i < connections % processes else 0) for i in range(processes)]
    children = [context.Process(target=_load_process, daemon=True,
                                args=(queue, port, make_request, share, first_seq + i, processes, begin, end))
                for i, share in enumerate(shares) if share]
    for child in children:
        child.start()
    total = LoadResult(end - begin)
    try:
        for _ in children:
            answer = queue.get(timeout=timeout)
            if isinstance(answer, BaseException):
                raise answer
            latencies, statuses, errors, cpu, answered_ok = answer
            total.merge(LoadResult(end - begin, array("d", latencies), statuses, errors, cpu,
                                   answered_ok=answered_ok))
    finally:
        for child in children:
            child.join(5)
            if child.is_alive():
                child.kill()
    return total


def describe(name: str, result: LoadResult, connections: int, unit: str = "req/s") -> str:
    text = (f"{name}: {result.rate:.0f} {unit}, p50 {result.percentile(50):.1f} ms, "
            f"p99 {result.percentile(99):.1f} ms at {connections} connections")
    if result.bad():
        text += f" [{result.bad()} non-2xx: {result.statuses}]"
    if result.errors:
        text += f" [{len(result.errors)} connection errors, e.g. {result.errors[0]}]"
    return text


def describe_ratio(name: str, real: LoadResult, bare: LoadResult, connections: int,
                   unit: str = "req/s") -> str:
    return (describe(name, real, connections, unit) + f"; bare ceiling {bare.rate:.0f} {unit} (p50 "
            f"{bare.percentile(50):.1f} ms, p99 {bare.percentile(99):.1f} ms) -> {real.rate / bare.rate:.0%}")


def http_get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def http_post_json(url: str, payload, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def basic_auth(user: str = ADMIN_USER, password: str = ADMIN_PASSWORD) -> str:
    import base64
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def argument_parser(doc: str) -> argparse.ArgumentParser:
    """A benchmark's parser, with --profile."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=["embedded", "production"], default="embedded",
                        help="embedded: a temporary SQLite file, rendering inside the server (default); "
                             "production: a fresh PostgreSQL database, Redis and a worker process")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return parser


def load_arguments(parser: argparse.ArgumentParser, connections: int = 32, duration: float = 10):
    """The load generator's options."""
    parser.add_argument("--connections", type=int, default=connections)
    parser.add_argument("--duration", type=float, default=duration, help="seconds measured, per side")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring, per side")
    parser.add_argument("--client-processes", type=int, default=1,
                        help="load generator processes (1 is enough on 2 cores: see the loadgen CPU figure)")


def run_main(main):
    """Run a benchmark's main(): Ctrl-C and SIGTERM end it cleanly (its `with Stack` stops everything)."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; everything started was stopped", file=sys.stderr)
        sys.exit(130)


# Helper commands, run in a subprocess with a stack's environment.

def seed_rendered(args):
    """`count` rendered checks for the printer with `api_key`, as create_checks and a render would leave
    them: one row per order through the server's models, and a real PDF (rendered once by the server's
    render code, then copied) at each check's pdf_file."""
    sys.path.insert(0, str(PROJECT_ROOT))
    from server.db import database, init_database, utcnow
    from server.printing import render
    from server.printing.models import Check, Printer
    from server.printing.schemas import OrderSchema
    from server.printing.service import pdf_name, pdf_path
    from server.settings import settings

    init_database()
    with database.connection_context():
        printer = Printer.get(Printer.api_key == args.api_key)
        sample = OrderSchema().dump(OrderSchema().load(order_body(1, printer.point_id)))
        html = render.check_html(printer.check_type, sample, settings.pdf_page)
        pdf = render.html_to_pdf(html, render.page_options(settings.pdf_page, len(sample["items"])))
        rows = []
        for n in range(args.count):
            order_id = args.first_order + n
            relative = pdf_name(order_id, printer.check_type)
            render.write_atomically(pdf_path(relative), pdf)
            order = OrderSchema().dump(OrderSchema().load(order_body(order_id, printer.point_id)))
            now = utcnow()
            rows.append({"printer": printer.id, "type": printer.check_type, "order": order,
                         "order_id": order_id, "status": "rendered", "pdf_file": relative,
                         "render_attempts": 1, "created_at": now, "rendered_at": now})
        with database.atomic():
            Check.insert_many(rows).execute()
    print(f"{args.count} rendered checks for printer {printer.id}")


def render_inputs(args):
    """What the server's renderer would run for the orders `first_order`.. at `point_id`: for each check
    type of the point's active printers, the HTML (the server's templates) and the wkhtmltopdf command
    line that pdfkit builds from the server's page options, as JSON on stdout."""
    import pdfkit

    sys.path.insert(0, str(PROJECT_ROOT))
    from server.db import database, dumps, init_database
    from server.printing import render
    from server.printing.models import Printer
    from server.printing.schemas import OrderSchema
    from server.settings import settings

    init_database()
    with database.connection_context():
        printers = Printer.select().where(Printer.point_id == args.point_id,
                                          Printer.is_active == True)  # noqa: E712
        types = sorted({p.check_type for p in printers})
    binary = shutil.which(settings.wkhtmltopdf) or settings.wkhtmltopdf
    jobs = []
    for n in range(args.orders):
        order = json.loads(dumps(OrderSchema().load(order_body(args.first_order + n, args.point_id))))
        options = render.page_options(settings.pdf_page, len(order["items"]))
        for check_type in types:
            html = render.check_html(check_type, order, settings.pdf_page)
            command = pdfkit.PDFKit(html, "string", options=options,
                                    configuration=pdfkit.configuration(wkhtmltopdf=binary)).command(None)
            jobs.append({"argv": command, "html": html})
    json.dump(jobs, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    parser = argument_parser(__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    bare = commands.add_parser("bare")
    bare.add_argument("--port", type=int, required=True)
    bare.add_argument("--path", required=True)
    bare.add_argument("--body-file")
    bare.add_argument("--echo-ok")
    bare.set_defaults(handler=bare_main)
    seed = commands.add_parser("seed-rendered")
    seed.add_argument("--api-key", required=True)
    seed.add_argument("--count", type=int, default=200)
    seed.add_argument("--first-order", type=int, default=1_000_000)
    seed.set_defaults(handler=seed_rendered)
    inputs = commands.add_parser("render-inputs")
    inputs.add_argument("--orders", type=int, required=True)
    inputs.add_argument("--first-order", type=int, default=1)
    inputs.add_argument("--point-id", type=int, default=1)
    inputs.set_defaults(handler=render_inputs)
    parsed = parser.parse_args()
    parsed.handler(parsed)
