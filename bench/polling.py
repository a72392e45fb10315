"""Polling: `GET /new_checks/?api_key=K` for a printer with 200 rendered checks, against a bare Tornado
handler that sends the same JSON body (the ceiling of this machine and load generator).

    .venv/bin/python bench/polling.py [--profile production] [--duration 10] [--connections 32]

Target (the printing spec, "Measured, not guessed"): >= 50% of the ceiling, p99 < 100 ms at 32
connections.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

API_KEY = "point1-kitchen-key"
TARGET_RATIO, TARGET_P99_MS = 0.50, 100.0


def main() -> int:
    parser = common.argument_parser(__doc__)
    common.load_arguments(parser)
    parser.add_argument("--checks", type=int, default=200, help="rendered checks of the polling printer")
    args = parser.parse_args()
    path = f"/new_checks/?api_key={API_KEY}"
    request = common.http_request("GET", path)
    options = dict(connections=args.connections, duration=args.duration, warmup=args.warmup,
                   processes=args.client_processes)

    common.warn_if_busy()
    with common.Stack(args.profile, "polling") as stack:
        print(f"polling: {args.profile} profile; seeding {args.checks} rendered checks ...", flush=True)
        stack.helper("seed-rendered", "--api-key", API_KEY, "--count", str(args.checks))
        stack.start_server()
        status, body = common.http_get(stack.url + path)
        checks = json.loads(body)["checks"] if status == 200 else None
        if checks is None or len(checks) != args.checks:
            raise SystemExit(f"GET {path} answered {status} with {len(checks or [])} checks, "
                             f"not {args.checks}: {body[:300]!r}")
        real = common.load(stack.url, lambda _: request, watch={"server": stack.server.pid}, **options)
        stack.server.stop()

        bare_server = common.BareServer(stack, "/new_checks/", body=body)
        bare = common.load(bare_server.url, lambda _: request, watch={"bare": bare_server.process.pid},
                           **options)
        bare_server.stop()

    ratio = real.rate / bare.rate
    print(common.describe_ratio("polling", real, bare, args.connections))
    print(f"  body {len(body)} bytes ({args.checks} checks); CPU while measured: real side "
          f"{common.describe_cpu(real.cpu)}; bare side {common.describe_cpu(bare.cpu)}")
    met_ratio, met_p99 = ratio >= TARGET_RATIO, real.percentile(99) < TARGET_P99_MS
    print(f"  targets: >= {TARGET_RATIO:.0%} of ceiling {'met' if met_ratio else 'MISSED'}; "
          f"p99 < {TARGET_P99_MS:.0f} ms {'met' if met_p99 else 'MISSED'}")
    failed = real.bad() or bare.bad() or real.errors or bare.errors
    return 1 if failed or (args.strict and not (met_ratio and met_p99)) else 0


if __name__ == "__main__":
    common.run_main(main)
