"""The admin REST API: organizations, payments, the balance log, deliveries, the simulator."""
import pytest
import requests

from server.payments.models import BalanceLog, Payment
from tests.payments.conftest import INN, OTHER_INN, make_inn, webhook_body


def test_organizations_crud_and_search(api, as_role):
    second = make_inn("772301234")
    assert api.post("/api/v1/organizations", json={"inn": INN, "name": "ПАО Сбербанк"}).status_code == 201
    created = api.post("/api/v1/organizations", json={"inn": second, "name": "ООО Ромашка"})
    assert created.status_code == 201 and created.json()["balance"] == 0 and created.json()["inn"] == second
    assert api.post("/api/v1/organizations", json={"inn": INN, "name": "Дубль"}).status_code == 409
    bad = api.post("/api/v1/organizations", json={"inn": "7707083894", "name": "x"})
    assert bad.status_code == 400 and "inn" in bad.json()["details"]
    assert api.get("/api/v1/organizations").json()["total"] == 2
    assert [o["inn"] for o in api.get("/api/v1/organizations", params={"search": "ромаш"}).json()["items"]] \
        in ([second], [])  # SQLite's LIKE folds ASCII only
    assert [o["inn"] for o in api.get("/api/v1/organizations", params={"search": "Ромаш"}).json()["items"]] == [second]
    assert [o["inn"] for o in api.get("/api/v1/organizations", params={"search": "07083"}).json()["items"]] == [INN]
    assert api.get(f"/api/v1/organizations/{second}").json()["name"] == "ООО Ромашка"
    renamed = api.patch(f"/api/v1/organizations/{second}", json={"name": "ООО Лютик"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "ООО Лютик"
    assert api.delete(f"/api/v1/organizations/{second}").status_code == 204
    assert api.get(f"/api/v1/organizations/{second}").status_code == 404
    assert as_role("accountant").get("/api/v1/organizations").status_code == 200
    assert as_role("accountant").post("/api/v1/organizations", json={"inn": second, "name": "x"}).status_code == 403
    assert as_role("cashier").get("/api/v1/organizations").status_code == 403
    accountant = as_role("accountant")
    assert accountant.get("/api/v1/payments").status_code == 200
    assert accountant.get("/api/v1/webhook-deliveries").status_code == 403  # payments.md: listed by admins


def test_an_organization_with_payments_is_not_deleted(api, bank, organization):
    bank(webhook_body())
    assert api.delete(f"/api/v1/organizations/{INN}").status_code == 409
    assert api.get(f"/api/v1/organizations/{INN}/balance/").json()["balance"] == 145000


def test_payments_are_filtered_by_inn_status_and_dates(api, bank, organization):
    bank(webhook_body(amount=1))
    bank(webhook_body(amount=2, inn=OTHER_INN))
    bank({**webhook_body(amount=3), "document_date": "2025-01-15T10:00:00+03:00"})
    every = api.get("/api/v1/payments").json()
    assert every["total"] == 3
    assert {p["amount"] for p in api.get("/api/v1/payments", params={"inn": INN}).json()["items"]} == {1, 3}
    unmatched = api.get("/api/v1/payments", params={"status": "unmatched"}).json()["items"]
    assert [p["payer_inn"] for p in unmatched] == [OTHER_INN] and unmatched[0]["organization"] is None
    later = api.get("/api/v1/payments", params={"document_from": "2025-01-01T00:00:00Z"}).json()["items"]
    assert [p["amount"] for p in later] == [3] and later[0]["document_date"].startswith("2025-01-15T07:00:00")
    assert api.get("/api/v1/payments", params={"received_to": "2000-01-01T00:00:00Z"}).json()["total"] == 0
    on_the_day = api.get("/api/v1/payments", params={"document_from": "2025-01-15", "document_to": "2025-01-15"})
    assert [p["amount"] for p in on_the_day.json()["items"]] == [3]  # a date alone: the whole day, both ends
    assert api.get("/api/v1/payments", params={"document_from": "2025-01-16"}).json()["total"] == 0
    assert api.get("/api/v1/payments", params={"status": "lost"}).status_code == 400
    one = api.get(f"/api/v1/payments/{every['items'][0]['id']}").json()
    assert one["organization_name"] == "ПАО Сбербанк" and one["payload"]
    assert api.get("/api/v1/payments/999999").status_code == 404
    ordered = api.get("/api/v1/payments", params={"sort": "amount", "order": "desc"}).json()["items"]
    assert [p["amount"] for p in ordered] == [3, 2, 1]


def test_the_balance_log_of_an_organization(api, bank, organization):
    first = webhook_body(amount="10.50")
    bank(first)
    bank(webhook_body(amount=5))
    rows = api.get(f"/api/v1/organizations/{INN}/balance-log", params={"sort": "id"}).json()
    assert rows["total"] == 2
    assert [(r["delta"], r["balance_after"]) for r in rows["items"]] == [(10.5, 10.5), (5, 15.5)]
    assert rows["items"][0]["operation_id"] == first["operation_id"]
    assert api.get(f"/api/v1/organizations/{OTHER_INN}/balance-log").status_code == 404


def test_deliveries_are_listed_and_filtered(api, bank, organization):
    body = webhook_body()
    bank(body)
    bank(body)
    bank(webhook_body(inn=OTHER_INN))
    listed = api.get("/api/v1/webhook-deliveries", params={"sort": "id"}).json()
    assert [d["outcome"] for d in listed["items"]] == ["credited", "duplicate", "unmatched"]
    by_operation = api.get("/api/v1/webhook-deliveries", params={"operation_id": body["operation_id"]}).json()
    assert by_operation["total"] == 2 and all(d["status_code"] == 200 for d in by_operation["items"])
    assert api.get("/api/v1/webhook-deliveries", params={"outcome": "duplicate"}).json()["total"] == 1
    summary = api.get("/api/v1/payments/summary").json()
    assert summary["unmatched"] == 1 and summary["organizations"] == 1


def test_the_simulator_sends_a_webhook_over_http_and_shows_the_balance(api, organization):
    body = {**webhook_body(), "amount": 2500}
    sent = api.post("/api/v1/payments/simulate", json=body)
    assert sent.status_code == 200, sent.text
    shown = sent.json()
    assert shown["response"]["status"] == 200 and shown["response"]["body"]["status"] == "credited"
    assert shown["balance_before"] == 0 and shown["balance_after"] == 2500
    assert shown["request"]["url"].endswith("/api/v1/webhook/bank/") and "curl" in shown["curl"]
    again = api.post("/api/v1/payments/simulate", json=body).json()
    assert again["response"]["body"]["status"] == "duplicate"
    assert again["balance_before"] == again["balance_after"] == 2500
    assert Payment.select().count() == 1 and BalanceLog.select().count() == 1


def test_the_simulator_signs_with_the_secret(api, organization, secret):
    body = {**webhook_body(), "amount": 99.9}
    shown = api.post("/api/v1/payments/simulate", json=body).json()
    assert shown["request"]["headers"]["X-Signature"].startswith("t=")
    assert shown["response"]["status"] == 200 and shown["balance_after"] == 99.9
    unsigned = api.post("/api/v1/payments/simulate", json={**webhook_body(), "sign": False}).json()
    assert unsigned["response"]["status"] == 401
    bad = api.post("/api/v1/payments/simulate", json={**webhook_body(), "amount": -1}).json()
    assert bad["response"]["status"] == 400 and "amount" in bad["response"]["body"]["details"]


def test_the_simulator_is_for_admins(as_role):
    assert as_role("accountant").post("/api/v1/payments/simulate", json=webhook_body()).status_code == 403


@pytest.mark.parametrize("path", ["/webhook/bank/simulator/", "/swagger/webhook/bank/imitation/"])
def test_the_seeds_simulator_addresses_lead_to_the_page(live_server, path):
    response = requests.get(live_server.url + path, allow_redirects=False, timeout=30)
    assert response.status_code in (301, 302)
    assert response.headers["Location"] == "/admin/webhook/bank/simulator/"


def test_an_organization_is_found_by_inn_or_by_id(api, organization):
    assert api.get(f"/api/v1/organizations/{organization['id']}").json()["inn"] == INN
    assert api.get(f"/api/v1/organizations/{organization['id']}/balance-log").json()["total"] == 0
    assert api.get("/api/v1/organizations/999999").status_code == 404
    assert api.get(f"/api/v1/organizations/{organization['id']}/balance/").status_code == 404  # INN only


def test_an_unmatched_payment_is_assigned_by_inn_too(api, bank, organization):
    bank(webhook_body(amount=3, inn=OTHER_INN))
    payment = api.get("/api/v1/payments").json()["items"][0]
    assert api.post(f"/api/v1/payments/{payment['id']}/assign", json={}).status_code == 400
    both = api.post(f"/api/v1/payments/{payment['id']}/assign", json={"inn": INN, "organization": 1})
    assert both.status_code == 400 and "organization" in both.json()["details"]
    assigned = api.post(f"/api/v1/payments/{payment['id']}/assign", json={"inn": INN})
    assert assigned.status_code == 200 and assigned.json()["organization"] == organization["id"]
    assert api.get(f"/api/v1/organizations/{INN}/balance/").json()["balance"] == 3
