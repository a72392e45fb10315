"""Racing requests against the running server: money moves once, and the log always adds up."""
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import requests

from server.payments import service
from server.payments.models import BalanceLog, Organization, Payment, WebhookDelivery
from tests.payments.conftest import INN, make_inn, send_webhook, webhook_body

AT_ONCE = 50


def fire(live_server, bodies):
    """Every body posted at the same moment, each on its own connection."""
    start = threading.Barrier(len(bodies))

    def post(body):
        with requests.Session() as session:
            session.get(live_server.url + "/api/openapi.json", timeout=30)  # connected before the start
            start.wait(30)
            return send_webhook(live_server.url, body, session=session)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, bodies))


def assert_log_adds_up(inn: str = INN) -> Decimal:
    organization = Organization.get(Organization.inn == inn)
    rows = list(BalanceLog.select().where(BalanceLog.organization == organization.id).order_by(BalanceLog.id))
    assert sum((row.delta for row in rows), Decimal(0)) == organization.balance
    running = Decimal(0)
    for row in rows:  # every row's balance_after is the balance after it, in commit order
        running += row.delta
        assert row.balance_after == running
    credited = Payment.select().where(Payment.organization == organization.id, Payment.status == "credited")
    assert sum((p.amount for p in credited), Decimal(0)) == organization.balance
    return organization.balance


def test_fifty_identical_webhooks_at_once_credit_once(api, live_server, organization):
    body = webhook_body(amount="1234.56")
    responses = fire(live_server, [body] * AT_ONCE)
    assert [r.status_code for r in responses] == [200] * AT_ONCE, [r.text for r in responses if r.status_code != 200]
    statuses = sorted(r.json()["status"] for r in responses)
    assert statuses.count("credited") == 1 and statuses.count("duplicate") == AT_ONCE - 1
    assert Payment.select().count() == 1 and BalanceLog.select().count() == 1
    assert assert_log_adds_up() == Decimal("1234.56")
    assert WebhookDelivery.select().count() == AT_ONCE
    assert api.get(f"/api/v1/organizations/{INN}/balance/").text.endswith('"balance":1234.56}')


def test_fifty_distinct_webhooks_for_one_organization_at_once_add_up_exactly(api, live_server, organization):
    amounts = [Decimal(f"{n}.{n % 100:02d}") for n in range(1, AT_ONCE + 1)]
    bodies = [webhook_body(amount=str(amount)) for amount in amounts]
    responses = fire(live_server, bodies)
    assert {r.status_code for r in responses} == {200}
    assert {r.json()["status"] for r in responses} == {"credited"}
    assert assert_log_adds_up() == sum(amounts)
    assert Decimal(api.get(f"/api/v1/organizations/{INN}/balance/").text.split(":")[-1][:-1]) == sum(amounts)


def test_webhooks_for_several_organizations_at_once_add_up_for_each(api, live_server):
    """Batches that credit several organizations each lock them in one order: none deadlocks, none
    is lost, each organization's log adds up."""
    inns = [make_inn(f"77{n:07d}") for n in range(5)]
    for n, inn in enumerate(inns):
        assert api.post("/api/v1/organizations", json={"inn": inn, "name": f"Org {n}"}).status_code == 201
    bodies = [webhook_body(amount=f"{n}.01", inn=inns[(n * 3) % len(inns)]) for n in range(1, AT_ONCE + 1)]
    responses = fire(live_server, bodies)
    assert {r.status_code for r in responses} == {200}, [r.text for r in responses if r.status_code != 200]
    for n, inn in enumerate(inns):
        expected = sum(Decimal(body["amount"]) for body in bodies if body["payer_inn"] == inn)
        assert assert_log_adds_up(inn) == expected


def test_identical_and_distinct_webhooks_mixed_for_unmatched_inns_lose_nothing(api, live_server):
    """Payments racing with an organization's creation: each is credited once, when it is created or
    when it arrives, never left unmatched behind it and never twice."""
    inns = [make_inn(f"77{n:07d}") for n in range(1, 6)]
    bodies = [webhook_body(amount=10 + n, inn=inns[n % 5]) for n in range(AT_ONCE - 10)]
    creating = []

    def create(inn):
        creating.append(requests.post(live_server.url + "/api/v1/organizations", json={"inn": inn, "name": inn},
                                      auth=("admin", "admin-password"), timeout=60))

    threads = [threading.Thread(target=create, args=(inn,)) for inn in inns]
    for thread in threads:
        thread.start()
    responses = fire(live_server, bodies)
    for thread in threads:
        thread.join()
    assert {r.status_code for r in creating} == {201}
    assert {r.status_code for r in responses} == {200}
    assert Payment.select().where(Payment.status == "unmatched").count() == 0
    for n, inn in enumerate(inns):
        expected = sum(Decimal(10 + k) for k in range(AT_ONCE - 10) if k % 5 == n)
        assert assert_log_adds_up(inn) == expected
    assert service.reconcile().ok


def test_assigning_races_with_the_organizations_creation_and_credits_once(live_server):
    admin = ("admin", "admin-password")
    for round_ in range(8):
        inn = make_inn(f"50010{round_:04d}")
        other = Organization.create(inn=make_inn(f"60010{round_:04d}"), name="Другая")
        send_webhook(live_server.url, webhook_body(amount=100, inn=inn))
        payment = Payment.get(Payment.payer_inn == inn)
        start = threading.Barrier(2)

        def assign():
            start.wait(10)
            return requests.post(f"{live_server.url}/api/v1/payments/{payment.id}/assign",
                                 json={"organization": other.id}, auth=admin, timeout=30)

        def create():
            start.wait(10)
            return requests.post(f"{live_server.url}/api/v1/organizations", json={"inn": inn, "name": "Новая"},
                                 auth=admin, timeout=30)

        with ThreadPoolExecutor(2) as pool:
            assigned, created = pool.submit(assign), pool.submit(create)
            assigned, created = assigned.result(), created.result()
        assert created.status_code == 201 and assigned.status_code in (200, 409)
        total = sum(o.balance for o in Organization.select().where(Organization.inn.in_([inn, other.inn])))
        assert total == 100, round_
        assert BalanceLog.select().where(BalanceLog.payment == payment.id).count() == 1
        winner = Payment.get_by_id(payment.id).organization_id
        assert (assigned.status_code == 200) == (winner == other.id)
    assert service.reconcile().ok


def test_the_reconciliation_finds_a_balance_changed_behind_the_logs_back(api, bank, organization):
    bank(webhook_body(amount=100))
    assert service.reconcile().ok
    Organization.update(balance=Organization.balance + 1).execute()
    run = service.reconcile()
    assert not run.ok and run.mismatches[0]["inn"] == INN
    shown = api.get("/api/v1/payments/reconciliation").json()
    assert shown["ok"] is False and shown["mismatches"][0]["balance"] == "101.00"
    assert api.get("/api/v1/payments/summary").json()["reconciliation"]["ok"] is False


def test_deleting_an_organization_while_webhooks_arrive_loses_nothing(live_server, api):
    for round_ in range(3):
        inn = make_inn(f"40010{round_:04d}")
        assert api.post("/api/v1/organizations", json={"inn": inn, "name": "Удаляемая"}).status_code == 201
        deleted = []
        thread = threading.Thread(target=lambda: deleted.append(
            requests.delete(f"{live_server.url}/api/v1/organizations/{inn}", auth=("admin", "admin-password"),
                            timeout=60)))
        thread.start()
        responses = fire(live_server, [webhook_body(amount=1, inn=inn) for _ in range(10)])
        thread.join()
        assert {r.status_code for r in responses} == {200}, [r.text for r in responses]
        assert deleted[0].status_code in (204, 409), deleted[0].text
        stored = Payment.select().where(Payment.payer_inn == inn)
        assert stored.count() == 10
        if deleted[0].status_code == 204:
            assert all(p.status == "unmatched" for p in stored)
        assert service.reconcile().ok
