"""Intake: distinct orders per second through `POST /create_checks/` (Basic auth as the admin, each
request a new order id at point 1, which has a kitchen and a client printer), against a bare Tornado
handler that parses the same JSON bodies and answers {"ok": ...} (the ceiling).

    .venv/bin/python bench/intake.py [--profile production [--no-render]] [--duration 10] [--connections 32]

By default the renderer runs, as it would in service: every order queues two renders, and the
wkhtmltopdf processes compete with the server for the cores (embedded: the worker threads inside the
server; production: `python -m server worker` at its default concurrency). `--no-render` (production only)
measures intake alone: no worker is started and the queued renders are dropped with the run's queue.

Target (the printing spec, "Measured, not guessed"): >= 25% of the ceiling.
"""
import json

import harness
from seed.printing import order_body, post_order

from server.printing.models import Check  # harness put this checkout's server first on the path

POINT_ID = 1
FIRST_ORDER = 1
WARMUP_ORDER = 10**12
TARGET_RATIO = 0.25
OK_TEXT = "Чеки успешно созданы"  # server/printing/service.py CHECKS_CREATED


def request_factory():
    """Request number `seq`: a new order with id FIRST_ORDER + seq (the body built once, the id put in)."""
    marker = 999_999_999_999_999
    template = json.dumps(order_body(marker, POINT_ID), ensure_ascii=False).encode()
    before, after = template.split(str(marker).encode())
    auth = harness.basic_auth()

    def make(seq: int) -> bytes:
        body = before + str(FIRST_ORDER + seq).encode() + after
        return (b"POST /create_checks/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + auth.encode()
                + b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
                + b"\r\n\r\n" + body)

    return make


def main() -> int:
    parser = harness.argument_parser(__doc__)
    harness.add_load_arguments(parser)
    parser.add_argument("--no-render", action="store_true",
                        help="production profile: start no worker, so intake has the machine to itself")
    args = parser.parse_args()
    if args.no_render and args.profile != "production":
        parser.error("the embedded profile renders inside the server process; "
                     "use --profile production --no-render")
    make_request = request_factory()
    options = harness.load_options(args)

    harness.warn_if_busy()
    with harness.Stack(args.profile, "intake") as stack:
        stack.start_server()
        renderer = "none (--no-render)"
        if args.profile == "production" and not args.no_render:
            stack.start_worker()
            renderer = "worker process at its default concurrency (RENDER_THREADS)"
        elif args.profile == "embedded":
            renderer = "embedded worker threads in the server"
        # the first Basic login pays for scrypt; later ones hit the server's credential cache
        status, body = post_order(stack.url, WARMUP_ORDER, POINT_ID)
        if status != 200 or json.loads(body) != {"ok": OK_TEXT}:
            raise SystemExit(f"POST /create_checks/ answered {status}: {body[:300]!r}")
        real = harness.load(stack.url, make_request, watch=stack.server_groups(), **options)
        stack.stop_server_and_worker()  # the render backlog must not run into the bare side
        (orders, checks, rendered), = stack.query(
            "SELECT COUNT(DISTINCT order_id), COUNT(*), "
            "COALESCE(SUM(CASE WHEN status <> 'new' THEN 1 ELSE 0 END), 0) "
            f'FROM "{Check._meta.table_name}" WHERE order_id < {WARMUP_ORDER}')

        bare_server = harness.BareServer(stack, "/create_checks/", echo_ok=OK_TEXT)
        bare = harness.load(bare_server.url, make_request, watch={"bare": bare_server.process.pid}, **options)
        bare_server.stop()

    print(harness.describe_ratio(f"intake ({args.profile})", real, bare, args.connections, unit="orders/s"))
    print(f"  renderer: {renderer}; {rendered} of {checks} checks rendered when the load stopped")
    print(f"  CPU while measured: real side {harness.describe_cpu(real.cpu)}; "
          f"bare side {harness.describe_cpu(bare.cpu)}")
    print(f"  check: {real.answered_ok} orders answered 200 (warm-up included), {orders} distinct orders and "
          f"{checks} checks in the database")
    met = real.rate / bare.rate >= TARGET_RATIO
    print(f"  target: >= {TARGET_RATIO:.0%} of ceiling {'met' if met else 'MISSED'}")
    failed = real.bad() or bare.bad() or real.errors or bare.errors or orders != real.answered_ok
    return 1 if failed or (args.strict and not met) else 0


if __name__ == "__main__":
    harness.run_main(main)
