"""Every rule of fiscal.md on the receipt body: a 400 naming the field, nothing stored."""
import pytest

from tests.fiscal.conftest import receipt_body, receipts_url, stored_receipts

CORRECTION = {"correction_reason": "Ошибка", "correction_date": "22.10.2020", "doc_number": "1", "precept": True,
              "mistaken_receipt_number": "12"}


def product(**change):
    return {"name": "Товар", "payment_state_int": 1, "price": 100, "commodity_type_int": 1, "quantity": 1, **change}


CASES = [
    ("receiptType missing", {"receiptType": None}, "receiptType"),
    ("receiptType 3", {"receiptType": 3}, "receiptType"),
    ("receiptType 11", {"receiptType": 11}, "receiptType"),
    ("receiptType a string", {"receiptType": "sell"}, "receiptType"),
    ("order_id a fraction", {"order_id": 1.5}, "order_id"),
    ("order_id negative", {"order_id": -1}, "order_id"),
    ("order_id infinite", {"order_id": "1e999"}, "order_id"),
    ("no contact", {"email": None}, "email"),
    ("bad email", {"email": "not-an-email"}, "email"),
    ("bad phone", {"email": None, "phone_number": "call me"}, "phone_number"),
    ("tax_system 3", {"tax_system": 3}, "tax_system"),
    ("tax_system the device does not allow", {"tax_system": 32}, "tax_system"),
    ("need_print not a boolean", {"need_print": "yes"}, "need_print"),
    ("no products", {"products": []}, "products"),
    ("products not a list", {"products": {"name": "x"}}, "products"),
    ("name too long", {"products": [product(name="x" * 129)]}, "products.0.name"),
    ("name empty", {"products": [product(name="")]}, "products.0.name"),
    ("payment_state_int 5", {"products": [product(payment_state_int=5)]}, "products.0.payment_state_int"),
    ("payment_state_int 0", {"products": [product(payment_state_int=0)]}, "products.0.payment_state_int"),
    ("price negative", {"products": [product(price=-1)]}, "products.0.price"),
    ("price infinite", {"products": [product(price="Infinity")]}, "products.0.price"),
    ("price below a kopeck", {"products": [product(price="100.005")]}, "products.0.price"),
    ("commodity_type_int 2", {"products": [product(commodity_type_int=2)]}, "products.0.commodity_type_int"),
    ("quantity 0", {"products": [product(quantity=0)]}, "products.0.quantity"),
    ("quantity negative", {"products": [product(quantity=-1)]}, "products.0.quantity"),
    ("quantity NaN", {"products": [product(quantity="NaN")]}, "products.0.quantity"),
    ("quantity beyond grams", {"products": [product(quantity="1.0005")]}, "products.0.quantity"),
    ("quantity that rounds to 0", {"products": [product(quantity="0.0004")]}, "products.0.quantity"),
    ("product field missing", {"products": [{"name": "x"}]}, "products.0.price"),
    ("total too big", {"products": [product(price="9999999999.99", quantity=100000)]}, "products"),
    ("no payments", {"payments": []}, "payments"),
    ("payment_type_int 3", {"payments": [{"payment_type_int": 3, "payment_sum": 200}]},
     "payments.0.payment_type_int"),
    ("payment_sum 0", {"payments": [{"payment_type_int": 1, "payment_sum": 0}]}, "payments.0.payment_sum"),
    ("payment_sum below a kopeck", {"payments": [{"payment_type_int": 1, "payment_sum": "100.001"}]},
     "payments.0.payment_sum"),
    ("payment_sum negative", {"payments": [{"payment_type_int": 1, "payment_sum": -200}]}, "payments.0.payment_sum"),
    ("the seed's misspelling", {"payments": [{"payment_type_int": 1, "paymetn_sum": 200}]}, "payments.0.paymetn_sum"),
    ("payments short", {"payments": [{"payment_type_int": 1, "payment_sum": "199.99"}]}, "payments"),
    ("card over the total", {"payments": [{"payment_type_int": 1, "payment_sum": 300}]}, "payments"),
    ("change beyond the cash", {"payments": [{"payment_type_int": 0, "payment_sum": 50},
                                             {"payment_type_int": 1, "payment_sum": 210}]}, "payments"),
    ("mistaken_receipt_number too long", {"mistaken_receipt_number": "1" * 17}, "mistaken_receipt_number"),
    ("an unknown field", {"colour": "red"}, "colour"),
    ("correction without reason", {"receiptType": 7, **CORRECTION, "correction_reason": None}, "correction_reason"),
    ("correction without date", {"receiptType": 8, **CORRECTION, "correction_date": None}, "correction_date"),
    ("correction without doc_number", {"receiptType": 9, **CORRECTION, "doc_number": None}, "doc_number"),
    ("correction without precept", {"receiptType": 10, **CORRECTION, "precept": None}, "precept"),
    ("correction without mistaken number", {"receiptType": 7, **CORRECTION, "mistaken_receipt_number": None},
     "mistaken_receipt_number"),
    ("correction date not a date", {"receiptType": 7, **CORRECTION, "correction_date": "31.02.2020"},
     "correction_date"),
    ("correction date in ISO", {"receiptType": 7, **CORRECTION, "correction_date": "2020-10-22"}, "correction_date"),
    ("correction date with two separators", {"receiptType": 7, **CORRECTION, "correction_date": "22.10:2020"},
     "correction_date"),
    ("price with a plus sign", {"products": [product(price="+200")]}, "products.0.price"),
    ("price in another script's digits", {"products": [product(price="\u0662\u0660\u0660")]}, "products.0.price"),
    ("payment_sum in exponent form", {"payments": [{"payment_type_int": 1, "payment_sum": "2e2"}]},
     "payments.0.payment_sum"),
    ("quantity with spaces", {"products": [product(quantity=" 1 ")]}, "products.0.quantity"),
    ("precept not a boolean", {"receiptType": 7, **CORRECTION, "precept": "yes"}, "precept"),
    ("callback_url not a URL", {"callback_url": "ftp://x"}, "callback_url"),
]


@pytest.mark.parametrize("change, field", [pytest.param(c, f, id=name) for name, c, f in CASES])
def test_each_rule_is_a_400_naming_the_field_and_nothing_is_stored(cashier, group, change, field):
    body = receipt_body(**change)
    for name in [n for n, v in change.items() if v is None]:
        if name != "email":
            body.pop(name)
    if change.get("order_id") == "1e999":
        answer = cashier.post(receipts_url(group), data=receipt_json_with_huge_order_id(),
                              headers={"Content-Type": "application/json"})
    else:
        answer = cashier.post(receipts_url(group), json=body)
    assert answer.status_code == 400, answer.text
    assert field in answer.json()["details"], answer.json()
    assert answer.json()["error"]
    assert stored_receipts() == 0


def receipt_json_with_huge_order_id() -> str:
    import json

    return json.dumps(receipt_body(order_id=0)).replace('"order_id": 0', '"order_id": 1e999')


def test_a_phone_alone_a_fractional_quantity_and_a_string_price_are_accepted(cashier, group):
    body = receipt_body(email=None, phone_number="+79001234567",
                        products=[product(price="33.33", quantity="3")],
                        payments=[{"payment_type_int": 1, "payment_sum": "99.99"}], tax_system=2)
    assert cashier.post(receipts_url(group), json=body).status_code == 200


def test_an_idempotency_key_too_long_is_400(cashier, group):
    answer = cashier.post(receipts_url(group), json=receipt_body(), headers={"Idempotency-Key": "k" * 129})
    assert answer.status_code == 400 and "Idempotency-Key" in answer.json()["details"]
    assert stored_receipts() == 0
