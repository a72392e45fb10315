"""Payments: signed bank webhooks committed per second through `POST /api/v1/webhook/bank/` (16
concurrent senders, each webhook signed with BANK_WEBHOOK_SECRET as a bank signs it, credited to one of
16 organizations), first with distinct operations, then with every operation sent twice (the second
is a duplicate: 200, nothing changes); against a bare Tornado handler that parses the same JSON bodies
(the ceiling).

    .venv/bin/python bench/payments.py [--profile production] [--duration 10] [--connections 16]

After each run: every operation answered 200 is in the database (committed before its answer), and
the balances add up exactly to the credited payments and to the balance log.

Target (issue 12): >= 25% of the ceiling.
"""
import json
import uuid

import harness

from server.payments.models import BalanceLog, Organization, Payment  # this checkout's server
from server.signing import sign

SECRET = "bench-bank-secret"
ORGANIZATIONS = 16
TARGET_RATIO = 0.25
# INNs with valid check digits, made from 9 digits
WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def inn(n: int) -> str:
    head = f"77{n:07d}"
    return head + str(sum(int(d) * w for d, w in zip(head, WEIGHTS)) % 11 % 10)


def request_factory(first: int, twice: bool):
    def make(seq: int) -> bytes:
        number = first + (seq // 2 if twice else seq)
        amount = f"{100 + number % 1000}.{number % 100:02d}"
        body = json.dumps({"operation_id": str(uuid.UUID(int=number)), "amount": amount,
                           "payer_inn": inn(number % ORGANIZATIONS), "document_number": f"PAY-{number}",
                           "document_date": "2024-04-27T21:00:00Z"}).encode()
        return (b"POST /api/v1/webhook/bank/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\n"
                b"X-Signature: " + sign(body, [SECRET]).encode() + b"\r\nContent-Length: "
                + str(len(body)).encode() + b"\r\n\r\n" + body)

    return make


def check(stack) -> tuple[int, bool]:
    """(payments stored, every balance equal to its credited payments and to its log)."""
    organizations, payments, log = (Organization._meta.table_name, Payment._meta.table_name,
                                    BalanceLog._meta.table_name)
    (stored,), = stack.query(f'SELECT COUNT(*) FROM "{payments}"')
    wrong = stack.query(
        f'SELECT o.inn FROM "{organizations}" o '
        f'LEFT JOIN (SELECT organization_id, SUM(amount) AS total FROM "{payments}" '
        f'WHERE status = \'credited\' '
        f'GROUP BY organization_id) p ON p.organization_id = o.id '
        f'LEFT JOIN (SELECT organization_id, SUM(delta) AS total FROM "{log}" GROUP BY organization_id) l '
        f'ON l.organization_id = o.id '
        f'WHERE o.balance <> COALESCE(p.total, 0) OR o.balance <> COALESCE(l.total, 0)')
    return stored, not wrong


def main() -> int:
    parser = harness.argument_parser(__doc__)
    harness.add_load_arguments(parser, connections=16)
    args = parser.parse_args()
    options = harness.load_options(args)
    harness.warn_if_busy()
    results, failed = [], False
    with harness.Stack(args.profile, "payments", env={"BANK_WEBHOOK_SECRET": SECRET}) as stack:
        stack.start_server()
        auth = {"Authorization": harness.basic_auth()}
        for n in range(ORGANIZATIONS):
            status, body = harness.http_post_json(stack.url + "/api/v1/organizations",
                                                  {"inn": inn(n), "name": f"Bench {n}"}, auth)
            if status != 201:
                raise SystemExit(f"POST /api/v1/organizations answered {status}: {body[:300]!r}")
        stored_before = 0
        for label, first, twice in (("distinct", 1, False), ("each sent twice", 10**9, True)):
            real = harness.load(stack.url, request_factory(first, twice), watch=stack.server_groups(),
                                **options)
            stored, exact = check(stack)
            new = stored - stored_before
            stored_before = stored
            expected = (real.answered_ok + 1) // 2 if twice else real.answered_ok
            committed = new >= expected  # in-flight ones at the stop may be stored but not answered
            results.append((label, real, new, exact, committed))
            failed |= bool(real.bad() or real.errors) or not exact or not committed
        stack.stop_server_and_worker()
        bare_server = harness.BareServer(stack, "/api/v1/webhook/bank/", echo_ok="credited")
        bare = harness.load(bare_server.url, request_factory(1, False),
                            watch={"bare": bare_server.process.pid},
                            **options)
        bare_server.stop()
    for label, real, new, exact, committed in results:
        unit = "webhooks/s"
        print(harness.describe_ratio(f"webhooks, {label} ({args.profile})", real, bare, args.connections,
                                     unit=unit))
        print(f"  CPU while measured: real side {harness.describe_cpu(real.cpu)}")
        print(f"  check: {real.answered_ok} answered 200, {new} payments stored "
              f"({'every answered one committed' if committed else 'ANSWERED BUT NOT STORED'}); balances "
              f"{'exact' if exact else 'WRONG'}; non-2xx {real.bad()}, errors {len(real.errors)}")
        met = real.rate / bare.rate >= TARGET_RATIO
        print(f"  target: >= {TARGET_RATIO:.0%} of ceiling {'met' if met else 'MISSED'}")
        failed |= args.strict and not met
    print(f"  bare side CPU: {harness.describe_cpu(bare.cpu)}")
    return 1 if failed else 0


if __name__ == "__main__":
    harness.run_main(main)
