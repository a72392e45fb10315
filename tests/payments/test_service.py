"""The webhook logic on a batch taken in one transaction: each delivery gets its own answer."""
import datetime as dt
import json
import uuid
from decimal import Decimal

from server.payments import service
from server.payments.models import BalanceLog, Organization, Payment, WebhookDelivery
from tests.payments.conftest import INN, OTHER_INN

WHEN = dt.datetime(2024, 4, 27, 21, tzinfo=dt.timezone.utc)


def delivery(operation_id, amount, inn=INN):
    data = {"operation_id": operation_id, "amount": Decimal(amount), "payer_inn": inn, "document_number": "A",
            "document_date": WHEN}
    return data, json.dumps({**data, "operation_id": str(operation_id), "amount": amount}, default=str), "10.0.0.1"


def test_a_batch_with_repeats_conflicts_and_unmatched_answers_each_delivery():
    organization = service.create_organization({"inn": INN, "name": "Ромашка"})
    first, second, stray = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    results = service.receive_webhooks([
        delivery(first, "10.10"), delivery(second, "5"), delivery(first, "10.10"), delivery(first, "99"),
        delivery(stray, "7", OTHER_INN), delivery(second, "5", OTHER_INN),
    ])
    assert [r["outcome"] for r in results] == ["credited", "credited", "duplicate", "conflict", "unmatched",
                                              "conflict"]
    assert Organization.get_by_id(organization.id).balance == Decimal("15.10")
    assert sorted(row.balance_after for row in BalanceLog.select()) == [Decimal("5.00"), Decimal("15.10")] or \
        sorted(row.balance_after for row in BalanceLog.select()) == [Decimal("10.10"), Decimal("15.10")]
    assert Payment.select().count() == 3
    assert WebhookDelivery.select().count() == 6
    assert results[0]["payment_id"] == results[2]["payment_id"] == results[3]["payment_id"]
    again = service.receive_webhooks([delivery(stray, "7", OTHER_INN), delivery(first, "10.10")])
    assert [r["outcome"] for r in again] == ["duplicate", "duplicate"]
    assert service.reconcile().ok


def test_a_batch_for_two_organizations_credits_each_with_its_running_balance():
    one = service.create_organization({"inn": INN, "name": "Ромашка"})
    other = service.create_organization({"inn": OTHER_INN, "name": "Лютик"})
    results = service.receive_webhooks([delivery(uuid.UUID(int=1), "1.50", OTHER_INN),
                                        delivery(uuid.UUID(int=2), "2"), delivery(uuid.UUID(int=3), "3.25", OTHER_INN)])
    assert [r["balance"] for r in results] == [Decimal("1.50"), Decimal("2.00"), Decimal("4.75")]
    assert Organization.get_by_id(one.id).balance == Decimal("2.00")
    assert Organization.get_by_id(other.id).balance == Decimal("4.75")
    assert service.reconcile().ok


def test_the_beat_task_reconciles():
    from server.payments.module import module
    from server.payments.tasks import RECONCILE_TASK, reconcile_task

    assert module.beat["payments-reconcile"]["task"] == RECONCILE_TASK
    service.create_organization({"inn": INN, "name": "Ромашка"})
    assert reconcile_task.apply().result is True
    Organization.update(balance=Organization.balance + 1).execute()
    assert reconcile_task.apply().result is False
    assert service.last_reconciliation().mismatches[0]["inn"] == INN


def test_each_credit_a_webhook_makes_is_logged_with_the_new_balance(caplog):
    organization = service.create_organization({"inn": INN, "name": "Ромашка"})
    with caplog.at_level("INFO", logger=service.log.name):
        service.receive_webhooks([delivery(uuid.uuid4(), "10.10"), delivery(uuid.uuid4(), "5")])
    credits = [r.getMessage() for r in caplog.records if r.getMessage().startswith("balance of organization")]
    assert len(credits) == 2 and all(f"organization {organization.id} +" in c and "(webhook, payment " in c
                                     for c in credits), credits
    assert max(Decimal(c.split(" = ")[1].split(" ")[0]) for c in credits) == Decimal("15.10")  # running balance
