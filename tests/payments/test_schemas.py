"""The webhook's body is validated field by field (WebhookSchema.load's fast path): it must take and
refuse exactly what marshmallow's `Schema.load` takes and refuses, with the same values and messages."""
from decimal import Decimal

import marshmallow
import pytest

from server.payments.schemas import WebhookSchema

GOOD = {"operation_id": "ccf0a86d-041b-4991-bcf7-e2352f7b8a4a", "amount": Decimal("145000.50"),
        "payer_inn": " 7707083893 ", "document_number": "PAY-328", "document_date": "2024-04-27T21:00:00Z"}
CASES = [
    GOOD, {**GOOD, "extra": [1, 2]}, {**GOOD, "amount": 145000}, {**GOOD, "amount": "10.5"},
    {**GOOD, "document_date": "2024-04-27"}, {**GOOD, "document_date": "2024-04-27T21:00:00+03:00"},
    {**GOOD, "operation_id": "CCF0A86D041B4991BCF7E2352F7B8A4A"},
    {}, [], "text", None, {**GOOD, "amount": True}, {**GOOD, "amount": Decimal("0.001")},
    {**GOOD, "amount": -1}, {**GOOD, "payer_inn": "7707083890"}, {**GOOD, "payer_inn": None},
    {**GOOD, "operation_id": "nope"}, {**GOOD, "document_number": ""}, {**GOOD, "document_number": "a\x00"},
    {**GOOD, "document_number": "x" * 256}, {**GOOD, "document_date": "yesterday"},
    {key: value for key, value in GOOD.items() if key != "amount"},
]


def outcome(load, data):
    try:
        return "taken", load(data)
    except marshmallow.ValidationError as error:
        return "refused", error.messages


@pytest.mark.parametrize("data", CASES)
def test_the_fast_path_takes_and_refuses_what_marshmallow_does(data):
    schema = WebhookSchema()
    assert outcome(schema.load, data) == outcome(lambda value: marshmallow.Schema.load(schema, value), data)
