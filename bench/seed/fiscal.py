"""Fiscal: the receipt body its benchmark sends (the seed's own example, with an order id)."""


def receipt_body(order_id: int) -> dict:
    return {
        "order_id": order_id,
        "email": "example@mail.ru",
        "products": [
            {"name": "Grain crusher", "payment_state_int": 1, "price": 100, "commodity_type_int": 1, "quantity": 1},
            {"name": "Shipping", "payment_state_int": 1, "commodity_type_int": 4, "price": 100, "quantity": 1},
        ],
        "receiptType": 1,
        "payments": [{"payment_type_int": 1, "payment_sum": 200}],
    }
