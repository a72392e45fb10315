"""Subprocesses the benchmarks start: each in its own session (so a Ctrl-C reaches only the benchmark, which
then stops them in order), its output in a log file, stopped with its whole process group."""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent
PROJECT_ROOT = BENCH_DIR.parent
VENV_PYTHON = PROJECT_ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def terminate_on_sigterm():
    """SIGTERM (e.g. from CI's timeout) unwinds like Ctrl-C, so every `finally` stops what it started."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, handler)
