"""Rendering: checks rendered per second by the server's worker at full concurrency, against the same
number of bare `wkhtmltopdf` processes run side by side on the same HTML with the same options (the
physical limit of this step), in the same run.

    .venv/bin/python bench/rendering.py [--profile production] [--orders 150] [--concurrency C]

The server side: N orders at point 1 (one kitchen and one client printer: two checks, two renders per
order) posted to POST /create_checks/, timed from the first post until the database shows every check
`rendered`. The bare side: the HTML and wkhtmltopdf command line the server's render code builds for
the same orders, run by C processes at a time, before and after the server side (their mean is the
limit). Production profile: `python -m server worker --concurrency C` (its default pool of threads) over
Redis; embedded profile: the server's in-process worker with C threads. C is RENDER_THREADS' default,
one more than the cores, unless --concurrency says otherwise.

Target (the printing spec, "Measured, not guessed"): >= 85% of the bare figure.
"""
import subprocess
import threading
import time

import harness
from seed.printing import post_order

from server.printing.models import Check  # harness put this checkout's server first on the path
from server.settings import settings

POINT_ID = 1
TARGET_RATIO = 0.85
WARMUP_ORDER = 10**9


def bare_renders(jobs: list[dict], concurrency: int) -> float:
    """Run every job's wkhtmltopdf, `concurrency` at a time, as pdfkit runs it (HTML on stdin, PDF on
    stdout); the seconds it took."""
    pending = list(reversed(jobs))
    lock = threading.Lock()
    failures = []
    stop = threading.Event()

    def worker():
        while True:
            with lock:
                if not pending or failures or stop.is_set():
                    return
                job = pending.pop()
            done = subprocess.run(job["argv"], input=job["html"].encode(), capture_output=True, timeout=120)
            if not done.stdout.startswith(b"%PDF"):
                failures.append(done.stderr.decode(errors="replace")[-500:])

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    except BaseException:  # Ctrl-C: no new process; the running ones end within a render's time
        stop.set()
        raise
    if failures:
        raise RuntimeError("bare wkhtmltopdf failed: " + failures[0])
    return time.monotonic() - started


def rendered(stack: harness.Stack, first: int, last: int) -> tuple[int, int]:
    """(rendered checks, checks with a render error) of orders first..last."""
    rows = stack.query(f'SELECT status, render_error IS NOT NULL FROM "{Check._meta.table_name}" '
                       f"WHERE order_id BETWEEN {first} AND {last}")
    return sum(status != "new" for status, _ in rows), sum(bool(error) for _, error in rows)


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


def main() -> int:
    parser = harness.argument_parser(__doc__)
    parser.add_argument("--orders", type=int, default=150,
                        help="orders posted (two checks each); enough that start-up and the last task "
                             "do not weigh")
    parser.add_argument("--concurrency", type=int, default=settings.render_threads,
                        help="render threads: the production worker's --concurrency, the embedded server's "
                             "RENDER_THREADS (default: their own default, RENDER_THREADS = "
                             f"{settings.render_threads})")
    parser.add_argument("--timeout", type=float, default=90, help="seconds the server side may take")
    args = parser.parse_args()
    concurrency = args.concurrency

    harness.warn_if_busy()
    with harness.Stack(args.profile, "rendering", env={"RENDER_THREADS": str(concurrency)}) as stack:
        jobs = stack.call("seed.printing", "render_inputs", orders=args.orders, point_id=POINT_ID)
        print(f"rendering: {args.profile} profile, {args.orders} orders -> {len(jobs)} checks, "
              f"concurrency {concurrency} ...", flush=True)
        bare_renders(jobs[:concurrency], concurrency)  # warm the binary and its libraries
        bare_before = bare_renders(jobs, concurrency)

        stack.start_server()
        if args.profile == "production":
            stack.start_worker(concurrency)
        status, body = post_order(stack.url, WARMUP_ORDER, POINT_ID)
        if status != 200:
            raise RuntimeError(f"POST /create_checks/ answered {status}: {body[:300]!r}")
        deadline = time.monotonic() + 60
        while rendered(stack, WARMUP_ORDER, WARMUP_ORDER)[0] < len(jobs) // args.orders:
            if time.monotonic() > deadline:
                raise RuntimeError("the warm-up order was not rendered within 60s:\n"
                                   + stack.server.log_tail())
            time.sleep(0.05)
        seconds, cores = server_renders(stack, args.orders, len(jobs), args.timeout)
        stack.stop_server_and_worker()

        bare_after = bare_renders(jobs, concurrency)

    bare_rate = len(jobs) / ((bare_before + bare_after) / 2)
    rate = len(jobs) / seconds
    print(f"rendering: {rate:.2f} checks/s ({len(jobs)} checks in {seconds:.1f} s from the first post) with "
          f"concurrency {concurrency}; bare wkhtmltopdf x{concurrency} {bare_rate:.2f} checks/s "
          f"(runs of {bare_before:.1f} s and {bare_after:.1f} s) -> {rate / bare_rate:.0%}")
    print(f"  CPU while the server rendered: {harness.describe_cpu(cores)} (server and worker with their "
          "pool and wkhtmltopdf processes)")
    met = rate / bare_rate >= TARGET_RATIO
    print(f"  target: >= {TARGET_RATIO:.0%} of bare {'met' if met else 'MISSED'}")
    return 1 if args.strict and not met else 0


if __name__ == "__main__":
    harness.run_main(main)
