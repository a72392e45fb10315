"""The bank's webhook: credited once, duplicates change nothing, conflicts are refused and logged,
unmatched payments wait for their organization, bad bodies store nothing, amounts keep their form."""
import json
import time
import uuid
from decimal import Decimal

import pytest

from server.payments.models import BalanceLog, Organization, Payment, WebhookDelivery
from server.payments.schemas import inn_is_valid
from server.signing import sign
from tests.payments.conftest import INN, OTHER_INN, make_inn, webhook_body


@pytest.mark.parametrize("inn", ["7707083893", "7736050003", "500100732259", make_inn("123456789"),
                                 make_inn("7710140679"), make_inn("000000001")])
def test_valid_inns_pass_the_checksum(inn):
    assert inn_is_valid(inn)


@pytest.mark.parametrize("inn", ["7707083894", "500100732258", "500100732269", "123456789", "12345678901",
                                 "1234567890123", "77070838a3", "", " 7707083893", "７７０７０８３８９３"])
def test_invalid_inns_fail_the_checksum(inn):
    assert not inn_is_valid(inn)


def balance(api, inn=INN):
    response = api.get(f"/api/v1/organizations/{inn}/balance/")
    assert response.status_code == 200, response.text
    return response


def test_a_new_operation_is_stored_credited_and_logged_once(api, bank, organization):
    body = webhook_body()
    response = bank(body)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "credited"
    got = balance(api)
    assert got.json() == {"inn": INN, "balance": 145000}
    assert '"balance":145000}' in got.text  # an integer stays an integer
    payment = Payment.get()
    assert payment.status == "credited" and payment.amount == Decimal("145000.00")
    assert json.loads(payment.payload) == body
    [row] = BalanceLog.select()
    assert row.delta == Decimal("145000") and row.balance_after == Decimal("145000") and row.payment_id == payment.id
    [delivery] = WebhookDelivery.select()
    assert delivery.outcome == "credited" and delivery.payment_id == payment.id


def test_the_same_operation_again_changes_nothing(api, bank, organization):
    body = webhook_body()
    assert bank(body).json()["status"] == "credited"
    again = bank(body)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert balance(api).json()["balance"] == 145000
    assert Payment.select().count() == 1 and BalanceLog.select().count() == 1
    assert [d.outcome for d in WebhookDelivery.select().order_by(WebhookDelivery.id)] == ["credited", "duplicate"]


@pytest.mark.parametrize("change", [{"amount": 1}, {"inn": OTHER_INN}])
def test_the_same_operation_id_with_another_amount_or_inn_is_a_logged_conflict(api, bank, organization, change):
    body = webhook_body()
    bank(body)
    response = bank(webhook_body(body["operation_id"], **{"amount": body["amount"], "inn": INN, **change}))
    assert response.status_code == 409 and response.json()["error"]
    assert balance(api).json()["balance"] == 145000
    assert Payment.select().count() == 1 and BalanceLog.select().count() == 1
    conflict = WebhookDelivery.get(WebhookDelivery.outcome == "conflict")
    assert conflict.status_code == 409 and "145000" in conflict.reason
    listed = api.get("/api/v1/webhook-deliveries", params={"outcome": "conflict"}).json()
    assert listed["total"] == 1 and listed["items"][0]["operation_id"] == body["operation_id"]


def test_kopecks_are_kept_exactly(api, bank, organization):
    raw = ('{"operation_id": "%s", "amount": 0.10, "payer_inn": "%s", "document_number": "A", '
           '"document_date": "2024-04-27"}')
    for _ in range(3):
        assert bank(raw.replace("%s", str(uuid.uuid4()), 1).replace("%s", INN).encode()).status_code == 200
    got = balance(api)
    assert got.text.endswith('"balance":0.30}'), got.text


def test_amounts_with_kopecks_keep_them_in_the_answer(api, bank, organization):
    raw = json.dumps(webhook_body(amount=0)).replace('"amount": 0', '"amount": 145000.50').encode()
    assert bank(raw).status_code == 200
    got = balance(api)
    assert got.text == '{"inn":"7707083893","balance":145000.50}'
    assert Organization.get().balance == Decimal("145000.50")
    payments = api.get("/api/v1/payments").text
    assert '"amount":145000.50' in payments


def test_an_unknown_inn_is_kept_unmatched_and_credited_when_the_organization_is_created(api, bank):
    body = webhook_body(amount=500)
    response = bank(body)
    assert response.status_code == 200 and response.json()["status"] == "unmatched"
    assert api.get(f"/api/v1/organizations/{INN}/balance/").status_code == 404
    assert Payment.get().status == "unmatched" and BalanceLog.select().count() == 0
    assert bank(body).json()["status"] == "duplicate"
    created = api.post("/api/v1/organizations", json={"inn": INN, "name": "Ромашка"})
    assert created.status_code == 201 and created.json()["balance"] == 500
    assert balance(api).json()["balance"] == 500
    payment = Payment.get()
    assert payment.status == "credited" and payment.organization_id == created.json()["id"]
    [row] = BalanceLog.select()
    assert row.payment_id == payment.id and row.delta == 500 and row.balance_after == 500


def test_an_admin_assigns_an_unmatched_payment(api, bank, organization):
    bank(webhook_body(amount=700, inn=OTHER_INN))
    payment = api.get("/api/v1/payments", params={"status": "unmatched"}).json()["items"][0]
    response = api.post(f"/api/v1/payments/{payment['id']}/assign", json={"organization": organization["id"]})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "credited" and response.json()["organization"] == organization["id"]
    assert balance(api).json()["balance"] == 700
    again = api.post(f"/api/v1/payments/{payment['id']}/assign", json={"organization": organization["id"]})
    assert again.status_code == 409
    assert balance(api).json()["balance"] == 700 and BalanceLog.select().count() == 1
    assert api.post("/api/v1/payments/999999/assign", json={"organization": organization["id"]}).status_code == 404
    assert api.post(f"/api/v1/payments/{payment['id']}/assign", json={"organization": 999}).status_code == 404


@pytest.mark.parametrize("change, field", [
    ({"operation_id": "not-a-uuid"}, "operation_id"),
    ({"amount": 0}, "amount"), ({"amount": -100}, "amount"), ({"amount": "abc"}, "amount"),
    ({"amount": True}, "amount"), ({"amount": "0.001"}, "amount"), ({"amount": 1e20}, "amount"),
    ({"payer_inn": "7707083894"}, "payer_inn"), ({"payer_inn": 7707083893}, "payer_inn"),
    ({"document_date": "2024-13-45"}, "document_date"), ({"document_date": "yesterday"}, "document_date"),
    ({"document_number": ""}, "document_number"),
])
def test_invalid_bodies_get_400_with_details_and_store_nothing(api, bank, organization, change, field):
    response = bank({**webhook_body(), **change})
    assert response.status_code == 400, response.text
    assert field in response.json()["details"]
    assert Payment.select().count() == 0 and balance(api).json()["balance"] == 0


def test_missing_fields_and_non_json_get_400(api, bank, organization):
    response = bank({})
    assert response.status_code == 400
    assert set(response.json()["details"]) == {"operation_id", "amount", "payer_inn", "document_number",
                                               "document_date"}
    assert bank(b"{not json").status_code == 400
    assert Payment.select().count() == 0


def test_refused_deliveries_are_kept_with_why(api, bank, wait_until_refused):
    bank({**webhook_body(), "amount": -5})
    [refused] = wait_until_refused(1)
    assert refused["status_code"] == 400 and "amount" in refused["reason"]
    assert refused["amount"] == "-5"


@pytest.fixture
def wait_until_refused(api):
    from tests.conftest import wait_until

    def wait(count):
        def found():
            items = api.get("/api/v1/webhook-deliveries", params={"outcome": "refused"}).json()["items"]
            return items if len(items) >= count else None

        return wait_until(found, timeout=10)

    return wait


# --- signatures ---------------------------------------------------------------------------------------

def test_a_good_signature_is_taken(api, bank, organization, secret):
    assert bank(webhook_body(), secrets=[secret]).status_code == 200
    assert balance(api).json()["balance"] == 145000


@pytest.mark.parametrize("make_header", [
    lambda raw: None,  # missing
    lambda raw: sign(raw, ["wrong-secret"]),
    lambda raw: sign(raw, ["s3cret-one"], now=time.time() - 301),  # expired
    lambda raw: sign(raw, ["s3cret-one"], now=time.time() + 301),  # from the future
    lambda raw: sign(raw + b" ", ["s3cret-one"]),  # another body
    lambda raw: "t=abc,v1=00",
    lambda raw: "garbage",
], ids=["missing", "wrong-secret", "expired", "future", "other-body", "bad-time", "garbage"])
def test_a_bad_signature_gets_401_and_stores_nothing(api, live_server, organization, secret, make_header,
                                                     wait_until_refused):
    import requests

    raw = json.dumps(webhook_body()).encode()
    headers = {"Content-Type": "application/json"}
    header = make_header(raw)
    if header is not None:
        headers["X-Signature"] = header
    response = requests.post(live_server.url + "/api/v1/webhook/bank/", data=raw, headers=headers, timeout=30)
    assert response.status_code == 401, response.text
    assert response.json()["error"] and "WWW-Authenticate" in response.headers
    assert Payment.select().count() == 0 and balance(api).json()["balance"] == 0
    [refused] = wait_until_refused(1)
    assert refused["status_code"] == 401


def test_several_signatures_during_a_rotation(api, bank, organization, monkeypatch):
    monkeypatch.setattr("server.payments.handlers.settings.bank_webhook_secret", "new-secret,old-secret")
    raw = json.dumps(webhook_body()).encode()
    # the bank still signs with the old secret and the new one
    assert bank(raw, signature=sign(raw, ["not-ours", "old-secret"])).status_code == 200
    raw = json.dumps(webhook_body()).encode()
    assert bank(raw, signature=sign(raw, ["new-secret"])).status_code == 200
    raw = json.dumps(webhook_body()).encode()
    assert bank(raw, signature=sign(raw, ["retired-secret"])).status_code == 401
    assert balance(api).json()["balance"] == 290000


def test_the_production_profile_refuses_to_start_without_a_secret(monkeypatch):
    from server.payments.module import WebhookSecretCheck

    monkeypatch.setattr("server.payments.module.settings.bank_webhook_secret", "")
    monkeypatch.setattr("server.payments.module.settings.celery_broker_url", "redis://127.0.0.1:6379/0")
    with pytest.raises(SystemExit, match="BANK_WEBHOOK_SECRET"):
        WebhookSecretCheck().start()
    monkeypatch.setattr("server.payments.module.settings.celery_broker_url", "")
    WebhookSecretCheck().start()  # embedded: a warning only


# --- the balance endpoint -------------------------------------------------------------------------------

def test_the_balance_is_for_accountants_and_admins(as_role, anonymous, organization):
    assert anonymous.get(f"/api/v1/organizations/{INN}/balance/").status_code == 401
    assert as_role("cashier").get(f"/api/v1/organizations/{INN}/balance/").status_code == 403
    assert as_role("accountant").get(f"/api/v1/organizations/{INN}/balance/").json() == {"inn": INN, "balance": 0}
    assert as_role("accountant").get(f"/api/v1/organizations/{OTHER_INN}/balance/").status_code == 404


def test_the_balance_is_read_from_the_database_each_time(api, organization):
    assert balance(api).json()["balance"] == 0
    Organization.update(balance=Organization.balance + 10).execute()
    assert balance(api).json()["balance"] == 10
