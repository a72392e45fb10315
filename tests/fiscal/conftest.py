import os

import pytest

from server.settings import settings

# Callbacks are signed with this secret, retried quickly and may go to this machine's test receivers,
# here and in the worker process (it is started with this environment).
CALLBACK_SECRET = os.environ.setdefault("FISCAL_CALLBACK_SECRET", "test-callback-secret")
os.environ.setdefault("FISCAL_CALLBACK_BACKOFF", "0.2")
os.environ.setdefault("FISCAL_CALLBACK_INTERNAL", "on")
settings.fiscal_callback_secret = CALLBACK_SECRET
settings.fiscal_callback_backoff = float(os.environ["FISCAL_CALLBACK_BACKOFF"])
settings.fiscal_callback_internal = True

from server.fiscal.models import FiscalReceipt
from tests.conftest import wait_until


def receipt_body(**extra) -> dict:
    """The seed's own example request."""
    body = {
        "email": "example@mail.ru",
        "products": [
            {"name": "Grain crusher", "payment_state_int": 1, "price": 100, "commodity_type_int": 1, "quantity": 1.0},
            {"name": "Shipping", "payment_state_int": 1, "commodity_type_int": 4, "price": 100, "quantity": 1.0},
        ],
        "receiptType": 1,
        "payments": [{"payment_type_int": 1, "payment_sum": 200}],
    }
    body.update(extra)
    return body


@pytest.fixture
def group(api):
    """A service group with a running emulator."""
    created = api.post("/api/v1/service-groups", json={"name": "Магазин", "model": "emulator",
                                                       "config": {"tax_systems": [1, 2]}})
    assert created.status_code == 201, created.text
    started = api.post(f"/api/v1/service-groups/{created.json()['id']}/device/start")
    assert started.status_code == 200, started.text
    return started.json()


@pytest.fixture
def cashier(api, as_role, group):
    """A cashier on the group's access list."""
    from server.accounts.models import User

    user = User.get(User.username == "cashier")
    assert api.put(f"/api/v1/service-groups/{group['id']}/access", json={"user_ids": [user.id]}).status_code == 200
    return as_role("cashier")


def receipts_url(group) -> str:
    return f"/service_groups/{group['id']}/receipts/"


def wait_done(session, location_or_path: str) -> dict:
    path = location_or_path.split("://", 1)[-1]
    path = path[path.index("/"):] if "://" in location_or_path else path

    def done():
        answer = session.get(path, params={"wait": 5}).json()
        return answer if answer["state"] != "in_process" else None

    return wait_until(done, timeout=60, message="the receipt to leave in_process")


def stored_receipts() -> int:
    return FiscalReceipt.select().count()


@pytest.fixture(autouse=True)
def background_done(db):
    """Each test ends when the worker has finished its receipts and callbacks: a registration still
    running would hold its locks against the next test's TRUNCATE."""
    yield
    busy = (FiscalReceipt.state == "in_process") | (FiscalReceipt.callback_state == "pending")
    wait_until(lambda: not FiscalReceipt.select().where(busy).exists(), timeout=60,
               message="the worker to finish the test's receipts")
