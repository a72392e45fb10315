"""callback_url: the report is POSTed signed when the receipt leaves in_process, retried with backoff,
each attempt visible on the receipt."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from server.signing import HEADER, verify
from tests.conftest import wait_until
from tests.fiscal.conftest import CALLBACK_SECRET, receipt_body, receipts_url, wait_done


@pytest.fixture
def receiver():
    """A client's callback endpoint that fails its first `fail_first` calls with 500."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers.get(HEADER), body))
            self.send_response(500 if len(received) <= server.fail_first else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.fail_first, server.received = 0, received
    server.url = f"http://127.0.0.1:{server.server_address[1]}/callback"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def test_the_report_is_posted_signed_after_a_retry_and_the_attempts_are_kept(cashier, group, receiver):
    receiver.fail_first = 1
    accepted = cashier.post(receipts_url(group), json=receipt_body(callback_url=receiver.url)).json()
    assert wait_done(cashier, accepted["location"])["state"] == "success"

    def delivered():
        report = cashier.get(f"{receipts_url(group)}{accepted['id']}").json()
        return report if report["callback_state"] == "delivered" else None

    report = wait_until(delivered, timeout=30, message="the callback to be delivered")
    assert [a["status"] for a in report["callback_attempts"]] == [500, 200]
    assert len(receiver.received) == 2
    header, body = receiver.received[-1]
    verify(header, body, [CALLBACK_SECRET])
    sent = json.loads(body)
    assert sent["id"] == int(accepted["id"]) and sent["state"] == "success" and sent["fiscal_sign"]


def test_a_callback_that_keeps_failing_stops_after_the_last_attempt(cashier, group, receiver):
    receiver.fail_first = 1000
    accepted = cashier.post(receipts_url(group), json=receipt_body(callback_url=receiver.url)).json()

    def failed():
        report = cashier.get(f"{receipts_url(group)}{accepted['id']}").json()
        return report if report["callback_state"] == "failed" else None

    report = wait_until(failed, timeout=60, message="the callback to give up")
    assert [a["status"] for a in report["callback_attempts"]] == [500] * 5
