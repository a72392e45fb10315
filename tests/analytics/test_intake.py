"""POST /api/checks/: validation, the event log, idempotency, and the outbox written with the receipt."""
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from server.analytics.models import IncomingReceipt, Outbox, ReceiptEvent
from tests.analytics.conftest import receipt_body, stored
from tests.conftest import wait_until


def events(status=None) -> list:
    query = ReceiptEvent.select().order_by(ReceiptEvent.id)
    if status:
        query = query.where(ReceiptEvent.status == status)
    return list(query)


def test_a_valid_receipt_is_accepted_logged_and_written_to_the_outbox_with_it(pos):
    body = receipt_body("tx-1")
    response = pos.post("/api/checks/", json=body)
    assert response.status_code == 202, response.text
    assert response.json() == {"transaction_id": "tx-1", "status": "accepted"}
    event, = events()
    assert (event.status, event.transaction_id, event.username) == ("accepted", "tx-1", "pos")
    row = IncomingReceipt.get(IncomingReceipt.transaction_id == "tx-1")
    message = json.loads(Outbox.get(Outbox.key == "place-1").payload)
    assert row.payload == message
    assert message["total_amount"] == "27.47" and message["items"][0]["price"] == "10.99"
    assert message["timestamp"] == "2024-02-07T12:34:56+00:00"


def test_the_same_receipt_again_is_200_and_not_forwarded_twice_other_content_is_409(pos):
    assert pos.post("/api/checks/", json=receipt_body("tx-2")).status_code == 202
    again = pos.post("/api/checks/", json=receipt_body("tx-2"))
    assert again.status_code == 200 and again.json()["transaction_id"] == "tx-2"
    other = pos.post("/api/checks/", json=receipt_body("tx-2", tips_amount=5))
    assert other.status_code == 409 and other.json()["error"]
    assert Outbox.select().count() == 1
    assert [e.status for e in events()] == ["accepted", "duplicate", "conflict"]


@pytest.mark.parametrize("change, field", [
    ({"total_amount": 27.46}, "total_amount"),
    ({"total_amount": "27.470001"}, "total_amount"),
    ({"items": []}, "items"),
    ({"items": [{"product_id": "p", "quantity": 0, "price": 1, "category": "c"}], "total_amount": 0},
     "items.0.quantity"),
    ({"items": [{"product_id": "p", "quantity": 1, "price": -1, "category": "c"}], "total_amount": 0},
     "items.0.price"),
    ({"items": [{"product_id": "p", "quantity": 1, "price": 1}], "total_amount": 1}, "items.0.category"),
    ({"items": [{"quantity": 1, "price": 1, "category": "c"}], "total_amount": 1}, "items.0.product_id"),
    ({"items": [{"product_id": "p", "quantity": True, "price": 1, "category": "c"}], "total_amount": 1},
     "items.0.quantity"),
    ({"timestamp": "yesterday"}, "timestamp"),
    ({"vat_amount": "abc"}, "vat_amount"),
    ({"vat_amount": 30}, "vat_amount"),
    ({"tips_amount": None}, "tips_amount"),
    ({"place_id": ""}, "place_id"),
    ({"place_name": 5}, "place_name"),
    ({"payment_method": None}, "payment_method"),
    ({"transaction_id": "x" * 101}, "transaction_id"),
])
def test_an_invalid_receipt_is_400_naming_the_field_and_logged_as_rejected(pos, change, field):
    response = pos.post("/api/checks/", json={**receipt_body("tx-bad"), **change})
    assert response.status_code == 400, response.text
    assert field in response.json()["details"], response.json()
    event, = events()
    assert event.status == "rejected" and field in event.details and event.reason
    assert event.details == response.json()["details"]  # logged as the 400 said it (Russian)
    assert IncomingReceipt.select().count() == 0 and Outbox.select().count() == 0


def test_a_rejected_receipt_longer_than_the_log_keeps_is_logged_with_its_transaction_id(pos):
    items = [{"product_id": f"p{n}", "quantity": 1, "price": "0.01", "category": "c"} for n in range(1001)]
    response = pos.post("/api/checks/", json=receipt_body("tx-long", items=items, total_amount="10.01"))
    assert response.status_code == 400 and "items" in response.json()["details"]
    event, = events()
    assert (event.status, event.transaction_id) == ("rejected", "tx-long")


@pytest.mark.parametrize("missing", ["transaction_id", "timestamp", "items", "total_amount", "vat_amount",
                                     "tips_amount", "payment_method", "place_id", "place_name"])
def test_every_mandatory_field_is_required(pos, missing):
    body = receipt_body()
    del body[missing]
    response = pos.post("/api/checks/", json=body)
    assert response.status_code == 400 and missing in response.json()["details"]


def test_fractional_quantities_add_up_half_up_to_the_kopeck(pos):
    items = [{"product_id": "apples", "quantity": "0.333", "price": "10.00", "category": "fruit"},
             {"product_id": "pears", "quantity": 3, "price": "0.01", "category": "fruit"}]
    assert pos.post("/api/checks/", json=receipt_body(items=items, total_amount="3.36",
                                                      vat_amount=0)).status_code == 202
    assert pos.post("/api/checks/", json=receipt_body(items=items, total_amount="3.37",
                                                      vat_amount=0)).status_code == 400


def test_a_body_that_is_not_json_is_400_and_logged(pos):
    response = pos.post("/api/checks/", data=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    event, = events()
    assert event.status == "rejected" and event.payload == "{not json"


def test_only_pos_and_admin_submit(as_role, anonymous):
    assert anonymous.post("/api/checks/", json=receipt_body()).status_code == 401
    for role in ("analyst", "cashier", "erp"):
        assert as_role(role).post("/api/checks/", json=receipt_body()).status_code == 403
    assert as_role("admin").post("/api/checks/", json=receipt_body()).status_code == 202
    assert events("accepted")[0].username == "admin"


def test_twenty_identical_receipts_at_once_get_one_202(pos, live_server):
    body = receipt_body("tx-race")
    with ThreadPoolExecutor(20) as pool:
        statuses = sorted(pool.map(lambda _: pos.post("/api/checks/", json=body).status_code, range(20)))
    assert statuses == [200] * 19 + [202]
    assert Outbox.select().count() == 1 and IncomingReceipt.select().count() == 1
    assert len(events("accepted")) == 1 and len(events("duplicate")) == 19
    wait_until(lambda: stored("tx-race"), message="the receipt to be consumed")


def test_receipts_taken_together_answer_each_alone():
    from server.analytics import service
    from server.analytics.schemas import ReceiptSchema

    def load(body):
        return ReceiptSchema().load(body), json.dumps(body), "pos"

    service.take_receipts([load(receipt_body("tx-old"))])
    results = service.take_receipts([load(receipt_body("tx-a")), load(receipt_body("tx-old")),
                                     load(receipt_body("tx-a")), load(receipt_body("tx-a", tips_amount=1)),
                                     load(receipt_body("tx-old", tips_amount=1)), load(receipt_body("tx-b"))])
    assert results[:3] == [True, False, False] and results[5] is True
    assert isinstance(results[3], service.Conflict) and isinstance(results[4], service.Conflict)
    assert [o.message_id for o in Outbox.select().order_by(Outbox.id)] == ["tx-old", "tx-a", "tx-b"]
    assert sorted(e.status for e in events()) == ["accepted"] * 3 + ["conflict"] * 2 + ["duplicate"] * 2
