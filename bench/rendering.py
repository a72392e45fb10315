"""Rendering (issue 14): checks rendered per second by the server, on both profiles, against bare
`wkhtmltopdf` at the same parallelism P on the same HTML with the same options, in one run:

  - server: N orders at point 1 (a kitchen and a client printer: two checks, two renders per order)
    posted to POST /create_checks/, timed from the first post until the database shows every check
    `rendered`; the server's render pool has P long-lived processes (RENDER_PROCESSES=P).
  - latency: on the quiet server (before the batch), orders posted one at a time, each timed from its POST
    until a long poll `GET /new_checks/?wait=5` offers the check to its printer (client, then kitchen).
  - bare per-process: one `wkhtmltopdf` process per document as pdfkit runs it, P at a time.
  - bare long-lived: P `wkhtmltopdf --read-args-from-stdin` processes fed the same documents as lines
    (the ceiling: before and after the server side, their mean).

    .venv/bin/python bench/rendering.py [--profile embedded|production] [--orders 60] [--processes P]

Both profiles unless --profile says one. Production: `python -m server worker` (its default threads)
over Redis; embedded: the server's in-process worker. P is RENDER_PROCESSES' default (one per core).

Targets (issue 14): the server >= 70% of the long-lived ceiling on the embedded profile, >= 60% on
production; POST -> offered to the printer p50 < 100 ms on a quiet server.
"""
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import harness
from seed.printing import post_order

from server.printing.models import Check  # harness put this checkout's server first on the path
from server.settings import settings

POINT_ID = 1
PRINTER_KEYS = ("point1-client-key", "point1-kitchen-key")
TARGETS = {"embedded": 0.70, "production": 0.60}
LATENCY_TARGET_MS = 100
WARMUP_ORDER = 10**9
LATENCY_FIRST = 10**8


def run_parallel(work: list, parallelism: int, one) -> float:
    """Run `one(item)` over `work`, `parallelism` threads at a time; the seconds it took."""
    pending = list(reversed(work))
    lock, failures = threading.Lock(), []

    def worker():
        while True:
            with lock:
                if not pending or failures:
                    return
                item = pending.pop()
            try:
                one(item)
            except Exception as error:  # noqa: BLE001 - reported below
                failures.append(error)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(parallelism)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"bare wkhtmltopdf failed: {failures[0]}")
    return time.monotonic() - started


def bare_per_process(jobs: list[dict], parallelism: int) -> float:
    """One wkhtmltopdf process per document, as pdfkit runs it (HTML on stdin, PDF on stdout)."""
    def one(job):
        done = subprocess.run(job["argv"], input=job["html"].encode(), capture_output=True, timeout=120)
        if not done.stdout.startswith(b"%PDF"):
            raise RuntimeError(done.stderr.decode(errors="replace")[-500:])
    return run_parallel(jobs, parallelism, one)


def bare_long_lived(jobs: list[dict], parallelism: int) -> float:
    """`parallelism` long-lived `wkhtmltopdf --read-args-from-stdin` processes, each given its share of the
    documents as lines at once, timed until every one has logged its last `Done`. The HTML files are
    written before the clock starts (the server writes them inside its time)."""
    with tempfile.TemporaryDirectory(prefix="receipt-hub-bare-") as folder:
        shares = [[] for _ in range(parallelism)]
        for n, job in enumerate(jobs):
            html = Path(folder) / f"{n}.html"
            html.write_text(job["html"], encoding="utf-8")
            line = " ".join([*job["args"], str(html), str(Path(folder) / f"{n}.pdf")]) + "\n"
            shares[n % parallelism].append(line.encode())

        def one(lines):
            process = subprocess.Popen([settings.wkhtmltopdf, "--read-args-from-stdin"],
                                       stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE)

            def feed():
                process.stdin.write(b"".join(lines))
                process.stdin.close()

            writer = threading.Thread(target=feed)
            writer.start()
            log = process.stderr.read().replace(b"\r", b"\n")
            writer.join()
            process.wait()
            done = sum(line.strip() == b"Done" for line in log.split(b"\n"))
            if done != len(lines):
                raise RuntimeError(f"{done} of {len(lines)} documents done: {log[-300:]!r}")
        return run_parallel(shares, parallelism, one)


def rendered(stack: harness.Stack, first: int, last: int) -> tuple[int, int]:
    """(rendered checks, checks with a render error) of orders first..last."""
    rows = stack.query(f'SELECT status, render_error IS NOT NULL FROM "{Check._meta.table_name}" '
                       f"WHERE order_id BETWEEN {first} AND {last}")
    return sum(status != "new" for status, _ in rows), sum(bool(error) for _, error in rows)


def offered(stack: harness.Stack, api_key: str, order_id: int) -> int:
    """Long-poll the printer until it is offered the order's check; the check's id."""
    while True:
        status, body = harness.http_get(f"{stack.url}/new_checks/?api_key={api_key}&wait=5")
        if status != 200:
            raise RuntimeError(f"GET /new_checks/ answered {status}: {body[:300]!r}")
        for check in json.loads(body)["checks"]:
            if check.get("order_id") == order_id:
                return check["id"]


def latencies(stack: harness.Stack, count: int) -> list[float]:
    """Orders posted one at a time: milliseconds from each POST until both its checks were offered. Each
    check is then downloaded (printed), so the next long poll waits for the next order's."""
    times = []
    for order_id in range(LATENCY_FIRST, LATENCY_FIRST + count):
        started = time.perf_counter()
        status, body = post_order(stack.url, order_id, POINT_ID)
        if status != 200:
            raise RuntimeError(f"POST /create_checks/ answered {status}: {body[:300]!r}")
        ids = [offered(stack, key, order_id) for key in PRINTER_KEYS]
        times.append((time.perf_counter() - started) * 1000)
        for key, check_id in zip(PRINTER_KEYS, ids):
            harness.http_get(f"{stack.url}/check/?api_key={key}&check_id={check_id}")
        time.sleep(0.05)
    return times


def server_renders(stack: harness.Stack, orders: int, expected: int, timeout: float) -> tuple[float, dict]:
    """Post `orders` orders, wait until their `expected` checks are rendered; (seconds, CPU cores used)."""
    meter = harness.CpuMeter(stack.server_groups()).start()
    started = time.monotonic()
    for order_id in range(1, orders + 1):
        status, body = post_order(stack.url, order_id, POINT_ID)
        if status != 200:
            raise RuntimeError(f"POST /create_checks/ answered {status}: {body[:300]!r}")
    while True:
        done, errors = rendered(stack, 1, orders)
        if done >= expected:
            return time.monotonic() - started, meter.stop()
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"only {done} of {expected} checks rendered after {timeout:.0f}s "
                               f"({errors} with a render error)")
        time.sleep(0.02)


def measure(profile: str, args) -> bool:
    processes = args.processes
    env = {"RENDER_PROCESSES": str(processes)}
    with harness.Stack(profile, "rendering", env=env) as stack:
        jobs = stack.call("seed.printing", "render_inputs", orders=args.orders, point_id=POINT_ID)
        print(f"rendering [{profile}]: {args.orders} orders -> {len(jobs)} checks, "
              f"parallelism {processes} ...", flush=True)
        bare_long_lived(jobs[:processes * 2], processes)  # warm the binary and its libraries
        long_before = bare_long_lived(jobs, processes)
        per_process = bare_per_process(jobs, processes)

        stack.start_server()
        if profile == "production":
            stack.start_worker()
        status, body = post_order(stack.url, WARMUP_ORDER, POINT_ID)
        if status != 200:
            raise RuntimeError(f"POST /create_checks/ answered {status}: {body[:300]!r}")
        deadline = time.monotonic() + 60
        while rendered(stack, WARMUP_ORDER, WARMUP_ORDER)[0] < len(jobs) // args.orders:
            if time.monotonic() > deadline:
                raise RuntimeError("the warm-up order was not rendered within 60s:\n"
                                   + stack.server.log_tail())
            time.sleep(0.05)
        waits = latencies(stack, args.latency_orders)
        seconds, cores = server_renders(stack, args.orders, len(jobs), args.timeout)
        stack.stop_server_and_worker()

        long_after = bare_long_lived(jobs, processes)

    ceiling = len(jobs) / ((long_before + long_after) / 2)
    rate, per_process_rate = len(jobs) / seconds, len(jobs) / per_process
    p50, p90 = statistics.median(waits), statistics.quantiles(waits, n=10, method="inclusive")[-1]
    target = TARGETS[profile]
    met = rate / ceiling >= target and p50 < LATENCY_TARGET_MS
    print(f"rendering [{profile}]: server {rate:.1f} checks/s ({len(jobs)} checks in {seconds:.2f} s from "
          f"the first post) = {rate / ceiling:.0%} of bare long-lived x{processes} {ceiling:.1f} checks/s "
          f"(runs of {long_before:.2f} s and {long_after:.2f} s); bare per-process x{processes} "
          f"{per_process_rate:.1f} checks/s (server = {rate / per_process_rate:.1f}x that)")
    print(f"  POST -> both checks offered (quiet server, {len(waits)} orders one at a time): "
          f"p50 {p50:.0f} ms, p90 {p90:.0f} ms, max {max(waits):.0f} ms")
    print(f"  CPU while the server rendered: {harness.describe_cpu(cores)}")
    print(f"  target: >= {target:.0%} of the long-lived ceiling and p50 < {LATENCY_TARGET_MS} ms: "
          f"{'met' if met else 'MISSED'}", flush=True)
    return met


def main() -> int:
    parser = harness.argument_parser(__doc__)
    parser.set_defaults(profile="both")
    parser.add_argument("--orders", type=int, default=60, help="orders posted in the batch (two checks each)")
    parser.add_argument("--processes", type=int, default=settings.render_processes,
                        help="parallelism: the server's RENDER_PROCESSES and the bare runs' processes "
                             f"(default {settings.render_processes}, one per core)")
    parser.add_argument("--latency-orders", type=int, default=20, help="orders posted one at a time")
    parser.add_argument("--timeout", type=float, default=90, help="seconds the server side may take")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start", flush=True)
    harness.warn_if_busy()
    profiles = ["embedded", "production"] if args.profile == "both" else [args.profile]
    met = [measure(profile, args) for profile in profiles]
    print(f"machine: load average {os.getloadavg()[0]:.2f} at the end", flush=True)
    return 1 if args.strict and not all(met) else 0


if __name__ == "__main__":
    harness.run_main(main)
