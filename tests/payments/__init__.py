import datetime as dt

from server.payments.models import Organization, Payment


def access_path_values() -> dict:
    organization, _ = Organization.get_or_create(inn="7707083893", defaults={"name": "ПАО Сбербанк"})
    payment, _ = Payment.get_or_create(
        operation_id="ccf0a86d-041b-4991-bcf7-e2352f7b8a4a",
        defaults={"amount": 100, "payer_inn": "500100732259", "document_number": "PAY-1",
                  "document_date": dt.datetime(2024, 4, 27, 21, tzinfo=dt.timezone.utc),
                  "status": "unmatched", "payload": "{}"})
    return {"inn": organization.inn, "payment_id": payment.id}
