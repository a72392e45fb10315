"""Polling: `GET /new_checks/?api_key=K` for a printer with 200 rendered checks, against a bare Tornado
handler that sends the same JSON body (the ceiling of this machine and load generator).

    .venv/bin/python bench/polling.py [--profile production] [--duration 10] [--connections 32]

Target (the printing spec, "Measured, not guessed"): >= 50% of the ceiling, p99 < 100 ms at 32
connections.
"""
import json

import harness

API_KEY = "point1-kitchen-key"
TARGET_RATIO, TARGET_P99_MS = 0.50, 100.0


def main() -> int:
    parser = harness.argument_parser(__doc__)
    harness.add_load_arguments(parser)
    parser.add_argument("--checks", type=int, default=200, help="rendered checks of the polling printer")
    args = parser.parse_args()
    path = f"/new_checks/?api_key={API_KEY}"
    request = harness.http_request("GET", path)
    options = harness.load_options(args)

    harness.warn_if_busy()
    with harness.Stack(args.profile, "polling") as stack:
        print(f"polling: {args.profile} profile; seeding {args.checks} rendered checks ...", flush=True)
        stack.call("seed.printing", "rendered_checks", api_key=API_KEY, count=args.checks)
        stack.start_server()
        status, body = harness.http_get(stack.url + path)
        checks = json.loads(body)["checks"] if status == 200 else None
        if checks is None or len(checks) != args.checks:
            raise SystemExit(f"GET {path} answered {status} with {len(checks or [])} checks, "
                             f"not {args.checks}: {body[:300]!r}")
        real = harness.load(stack.url, lambda _: request, watch=stack.server_groups(), **options)
        stack.stop_server_and_worker()

        bare_server = harness.BareServer(stack, "/new_checks/", body=body)
        bare = harness.load(bare_server.url, lambda _: request, watch={"bare": bare_server.process.pid},
                            **options)
        bare_server.stop()

    ratio = real.rate / bare.rate
    print(harness.describe_ratio("polling", real, bare, args.connections))
    print(f"  body {len(body)} bytes ({args.checks} checks); CPU while measured: real side "
          f"{harness.describe_cpu(real.cpu)}; bare side {harness.describe_cpu(bare.cpu)}")
    met_ratio, met_p99 = ratio >= TARGET_RATIO, real.percentile(99) < TARGET_P99_MS
    print(f"  targets: >= {TARGET_RATIO:.0%} of ceiling {'met' if met_ratio else 'MISSED'}; "
          f"p99 < {TARGET_P99_MS:.0f} ms {'met' if met_p99 else 'MISSED'}")
    failed = real.bad() or bare.bad() or real.errors or bare.errors
    return 1 if failed or (args.strict and not (met_ratio and met_p99)) else 0


if __name__ == "__main__":
    harness.run_main(main)
