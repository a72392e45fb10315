import json
import uuid

import pytest
import requests

from server.payments.schemas import INN_WEIGHTS_10, INN_WEIGHTS_11, INN_WEIGHTS_12, check_digit
from server.settings import settings
from server.signing import sign

WEBHOOK = "/api/v1/webhook/bank/"


def make_inn(prefix: str) -> str:
    """A valid INN from its first 9 (an organization) or 10 (a person) digits."""
    if len(prefix) == 9:
        return prefix + str(check_digit(prefix, INN_WEIGHTS_10))
    eleven = prefix + str(check_digit(prefix, INN_WEIGHTS_11))
    return eleven + str(check_digit(eleven, INN_WEIGHTS_12))


INN = "7707083893"
OTHER_INN = make_inn("500100732")


def webhook_body(operation_id: str | None = None, amount=145000, inn: str = INN, **extra) -> dict:
    return {"operation_id": operation_id or str(uuid.uuid4()), "amount": amount, "payer_inn": inn,
            "document_number": "PAY-328", "document_date": "2024-04-27T21:00:00Z", **extra}


def send_webhook(base_url: str, body, secrets: list[str] | None = None, signature: str | None = None,
                 session=requests) -> requests.Response:
    """POST the webhook as a bank would: the body signed with the server's secrets (when it has any)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    secrets = settings.bank_webhook_secrets if secrets is None else secrets
    if signature is not None:
        headers["X-Signature"] = signature
    elif secrets:
        headers["X-Signature"] = sign(raw, secrets[:1])
    return session.post(base_url + WEBHOOK, data=raw, headers=headers, timeout=60)


@pytest.fixture
def bank(live_server):
    def send(body, **kwargs):
        return send_webhook(live_server.url, body, **kwargs)

    return send


@pytest.fixture
def organization(api):
    response = api.post("/api/v1/organizations", json={"inn": INN, "name": "ПАО Сбербанк"})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setattr(settings, "bank_webhook_secret", "s3cret-one")
    return "s3cret-one"
