"""The ceiling of this machine and load generator for one endpoint: a one-handler Tornado server
(`ceiling_app`) in its own process, at the same path as the real one, doing the least the endpoint must."""
import uuid

from .processes import free_port, wait_http
from .stack import Stack


class BareServer:
    """Answers `path` with `body` (GET), or parses a posted JSON body and answers {"ok": echo_ok} (POST)."""

    def __init__(self, stack: Stack, path: str, *, body: bytes | None = None, echo_ok: str | None = None):
        self.port = free_port()
        args = ["--port", str(self.port), "--path", path]
        if body is not None:
            body_file = stack.tmp / f"bare-body-{uuid.uuid4().hex[:6]}.json"
            body_file.write_bytes(body)
            args += ["--body-file", str(body_file)]
        else:
            args += ["--echo-ok", echo_ok]
        self.process = stack.spawn_bench_module("bare", "harness.ceiling_app", *args)
        self.url = f"http://127.0.0.1:{self.port}"
        wait_http(self.url + path, self.process)

    def stop(self):
        self.process.stop()
