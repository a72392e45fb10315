import decimal
import uuid

import pytest

from server.analytics.models import Outbox, Receipt


def receipt_body(transaction_id: str | None = None, place_id: str = "place-1", **extra) -> dict:
    """The seed's receipt (27.47 = 2 x 10.99 + 5.49), at a place."""
    return {
        "transaction_id": transaction_id or f"tx-{uuid.uuid4().hex[:12]}",
        "timestamp": "2024-02-07T12:34:56",
        "items": [
            {"product_id": "product_id_1", "quantity": 2, "price": 10.99, "category": "groceries"},
            {"product_id": "product_id_2", "quantity": 1, "price": 5.49, "category": "electronics"},
        ],
        "total_amount": 27.47,
        "vat_amount": 2.47,
        "tips_amount": 3.0,
        "payment_method": "credit_card",
        "place_id": place_id,
        "place_name": "Store ABC",
        **extra,
    }


@pytest.fixture
def pos(as_role):
    return as_role("pos")


@pytest.fixture
def analyst(as_role):
    return as_role("analyst")


def stored(transaction_id: str) -> bool:
    return Receipt.select().where(Receipt.transaction_id == transaction_id).exists()


def unsent() -> int:
    return Outbox.select().where(Outbox.sent_at.is_null()).count()


D = decimal.Decimal
