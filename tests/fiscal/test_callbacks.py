"""callback_url: the report is POSTed signed when the receipt leaves in_process, retried with backoff,
each attempt visible on the receipt."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from server.signing import HEADER, verify
from tests.conftest import wait_until
from tests.fiscal.conftest import CALLBACK_SECRET, receipt_body, receipts_url, wait_done


@pytest.fixture
def receiver():
    """A client's callback endpoint that answers after `delay` seconds and fails its first `fail_first`
    calls with 500."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            server.started += 1
            time.sleep(server.delay)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers.get(HEADER), body))
            self.send_response(500 if len(received) <= server.fail_first else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.fail_first, server.delay, server.started, server.received = 0, 0, 0, received
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


@pytest.mark.parametrize("url, internal", [
    ("http://127.0.0.1:8000/cb", "127.0.0.1"),
    ("http://localhost/cb", None),  # whatever /etc/hosts says: checked below
    ("http://10.1.2.3/cb", "10.1.2.3"),
    ("http://192.168.0.10:8080/cb", "192.168.0.10"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
    ("http://[::1]:9000/cb", "::1"),
    ("http://0.0.0.0/cb", "0.0.0.0"),
    ("https://93.184.215.14/cb", None),
])
def test_internal_addresses_are_told_from_public_ones(url, internal):
    from server.fiscal.callbacks import internal_address

    if "localhost" in url:
        assert internal_address(url) in {"127.0.0.1", "::1"}
    else:
        assert internal_address(url) == internal


def test_a_callback_to_an_internal_address_is_refused_once_and_never_sent(cashier, group, receiver, monkeypatch):
    from server.fiscal.callbacks import deliver
    from server.fiscal.models import FiscalReceipt
    from server.settings import settings

    accepted = cashier.post(receipts_url(group), json=receipt_body()).json()
    assert wait_done(cashier, accepted["location"])["state"] == "success"
    FiscalReceipt.update(callback_url=receiver.url, callback_state="pending").where(
        FiscalReceipt.id == int(accepted["id"])).execute()
    monkeypatch.setattr(settings, "fiscal_callback_internal", False)

    assert deliver(int(accepted["id"])) is None  # final: trying again would be refused again
    report = cashier.get(f"{receipts_url(group)}{accepted['id']}").json()
    assert report["callback_state"] == "failed"
    [attempt] = report["callback_attempts"]
    assert attempt["status"] is None and "127.0.0.1 is an internal address" in attempt["error"]
    assert receiver.received == []


@pytest.mark.parametrize("environment, allowed", [
    ({}, True),  # the embedded profile: a developer's own receivers
    ({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}, False),
    ({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0", "FISCAL_CALLBACK_INTERNAL": "on"}, True),
    ({"FISCAL_CALLBACK_INTERNAL": "off"}, False),
])
def test_internal_callbacks_are_allowed_by_default_only_on_the_embedded_profile(monkeypatch, environment, allowed):
    from server.settings import Settings

    for name in ("CELERY_BROKER_URL", "FISCAL_CALLBACK_INTERNAL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env().fiscal_callback_internal is allowed


def test_slow_callback_urls_leave_the_worker_free_to_register_receipts(cashier, group, receiver):
    """Four receipts whose callback URL takes 3 s to answer, then, once their callbacks are under way,
    a receipt without one: it is registered at once, not after the callbacks (they held every worker
    thread). They are delivered all the same, one at a time."""
    receiver.delay = 3
    slow = [cashier.post(receipts_url(group), json=receipt_body(order_id=n, callback_url=receiver.url)).json()
            for n in range(4)]
    for accepted in slow:
        assert wait_done(cashier, accepted["location"])["state"] == "success"
    wait_until(lambda: receiver.started or None, timeout=10, message="the first callback to be under way")
    time.sleep(0.5)  # the worker's other threads take the other callbacks, if they may
    started = time.monotonic()
    plain = cashier.post(receipts_url(group), json=receipt_body(order_id=99)).json()
    assert wait_done(cashier, plain["location"])["state"] == "success"
    assert time.monotonic() - started < 1.5

    def delivered():
        states = [cashier.get(f"{receipts_url(group)}{a['id']}").json()["callback_state"] for a in slow]
        return states if set(states) == {"delivered"} else None

    wait_until(delivered, timeout=40, message="every slow callback to be delivered")
    for accepted in slow:  # waiting for a slot is not an attempt
        report = cashier.get(f"{receipts_url(group)}{accepted['id']}").json()
        assert [a["status"] for a in report["callback_attempts"]] == [200]


def test_a_retried_receipt_sends_its_callback_again_with_the_new_outcome(api, cashier, group, receiver):
    api.patch(f"/api/v1/service-groups/{group['id']}", json={"config": {"fail_with": "Нет бумаги"}})
    accepted = cashier.post(receipts_url(group), json=receipt_body(callback_url=receiver.url)).json()
    assert wait_done(cashier, accepted["location"])["state"] == "error"
    wait_until(lambda: len(receiver.received) == 1 or None, timeout=30, message="the error's callback")
    api.patch(f"/api/v1/service-groups/{group['id']}", json={"config": {"fail_with": None}})
    assert cashier.post(f"{receipts_url(group)}{accepted['id']}/retry").status_code == 200
    assert wait_done(cashier, accepted["location"])["state"] == "success"
    wait_until(lambda: len(receiver.received) == 2 or None, timeout=30, message="the success's callback")
    assert [json.loads(body)["state"] for _, body in receiver.received] == ["error", "success"]
