"""The benchmark harness: measure one endpoint of the real server against the ceiling of this machine and
load generator, in the same run. A module's benchmark is a short script in bench/ (polling.py is one):

    import harness

    def main() -> int:
        parser = harness.argument_parser(__doc__)  # --profile, --strict
        harness.add_load_arguments(parser)  # --connections, --duration, --warmup, --client-processes
        args = parser.parse_args()
        auth = {"Authorization": harness.basic_auth()}  # the stack's admin
        request = harness.http_request("GET", "/api/v1/receipts/", headers=auth)
        harness.warn_if_busy()
        with harness.Stack(args.profile, "receipts") as stack:  # a fresh database, the fixtures, an admin
            stack.call("seed.fiscal", "receipts", count=500)  # or over HTTP, or stack.query(SQL)
            stack.start_server()  # and stack.start_worker() if it needs one
            status, body = harness.http_get(stack.url + "/api/v1/receipts/", auth)
            real = harness.load(stack.url, lambda seq: request, watch=stack.server_groups(),
                                **harness.load_options(args))
            stack.stop_server_and_worker()
            ceiling = harness.BareServer(stack, "/api/v1/receipts/", body=body)
            bare = harness.load(ceiling.url, lambda seq: request, watch={"bare": ceiling.process.pid},
                                **harness.load_options(args))
        print(harness.describe_ratio("receipts", real, bare, args.connections))
        return 1 if real.bad() or real.errors else 0

    if __name__ == "__main__":
        harness.run_main(main)

The request factory gets the request's number, distinct over the run: a write puts it into the body (intake.py
makes each order new). A POST ceiling parses the body and answers {"ok": TEXT} (`echo_ok=TEXT`). Seeding
through the server's models goes in bench/seed/<module>.py (see bench/seed/__init__.py). In `stack.query`,
name tables by their models (`Receipt._meta.table_name`), never literally. Whatever a stack started is stopped
on the way out, on Ctrl-C and SIGTERM too.

Inside: `stack` (the deployment), `load` (the load generator), `cpu` (the meters), `ceiling` and
`ceiling_app` (the bare server), `processes` (subprocesses in their own sessions), `call` (runs seeding
inside a stack).
"""
import argparse
import sys

from .processes import PROJECT_ROOT

# this checkout's `server` and `tests` (tests/services.py), before any installed copy
sys.path.insert(1, str(PROJECT_ROOT))

from .ceiling import BareServer  # noqa: E402
from .cpu import CpuMeter, describe_cpu, warn_if_busy  # noqa: E402
from .load import Connection, add_load_arguments, describe_ratio, http_request, load, load_options  # noqa: E402
from .stack import Stack, basic_auth, http_get, http_post_json  # noqa: E402

__all__ = ["BareServer", "CpuMeter", "Stack", "add_load_arguments", "argument_parser", "basic_auth",
           "describe_cpu", "describe_ratio", "http_get", "http_post_json", "http_request", "load",
           "load_options", "run_main", "warn_if_busy"]


def argument_parser(doc: str) -> argparse.ArgumentParser:
    """A benchmark's parser, with --profile and --strict."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", choices=["embedded", "production"], default="embedded",
                        help="embedded: a temporary SQLite file, rendering inside the server (default); "
                             "production: a fresh PostgreSQL database, Redis and a worker process")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return parser


def run_main(main):
    """Run a benchmark's main(): Ctrl-C and SIGTERM end it cleanly (its `with Stack` stops everything)."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; everything started was stopped", file=sys.stderr)
        sys.exit(130)
