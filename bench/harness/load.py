"""The load generator: keep-alive HTTP/1.1 connections, each sending one request after the other for a
measured window, in this process or in forked client processes; latencies, statuses and the CPU used by
the processes watched meanwhile."""
import argparse
import asyncio
import contextlib
import math
import multiprocessing
import socket
import threading
import time
from array import array
from dataclasses import dataclass, field

from .cpu import CpuMeter


def http_request(method: str, path: str, body: bytes = b"", headers: dict | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: one request at a time, responses with Content-Length. A request
    answers its status; with `keep_body` the answer's body is in `body` too (a client that reads what the
    server said, as fiscal's waits on the receipt it created)."""

    def __init__(self, keep_body: bool = False):
        self.keep_body = keep_body
        self.body = b""
        self.head_end = 0
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
            self.head_end = end + 4
            self.expected = self.head_end + int(head[at + 17:stop if stop > 0 else None])
        if len(self.buffer) >= self.expected:
            if len(self.buffer) > self.expected:
                self._fail(RuntimeError("bytes after a response to a request not pipelined"))
                return
            if self.keep_body:
                self.body = bytes(self.buffer[self.head_end:])
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
        _, protocol = await loop.create_connection(Connection, "127.0.0.1", port)
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


def add_load_arguments(parser: argparse.ArgumentParser, connections: int = 32, duration: float = 10):
    """The load generator's options; `load_options(args)` hands them to `load`."""
    parser.add_argument("--connections", type=int, default=connections)
    parser.add_argument("--duration", type=float, default=duration, help="seconds measured, per side")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring, per side")
    parser.add_argument("--client-processes", type=int, default=1,
                        help="load generator processes (1 is enough on 2 cores: see the loadgen CPU figure)")


def load_options(args: argparse.Namespace) -> dict:
    return dict(connections=args.connections, duration=args.duration, warmup=args.warmup,
                processes=args.client_processes)
