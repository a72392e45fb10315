"""Payments in the dashboard, in headless Chromium: the simulator sends a signed webhook, sending it
again changes nothing, and the organization's balance shows the credit once."""
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import login, rows, screenshot, wait_for_list

pytestmark = pytest.mark.e2e

INN = "7707083893"


def test_the_simulator_credits_once_however_often_it_is_sent(page, e2e_api, admin_credentials):
    created = e2e_api.post("/api/v1/organizations", json={"inn": INN, "name": "ПАО Сбербанк"})
    assert created.status_code in (201, 409), created.text
    before = e2e_api.get(f"/api/v1/organizations/{INN}/balance/").json()["balance"]
    login(page, *admin_credentials)

    page.goto("/admin/webhook/bank/simulator/")
    expect(page.locator("[data-testid=simulator]")).to_be_visible()
    page.locator("[data-testid=sim-organization]").click()
    page.locator(f'[role=listbox] [role=option][data-value="{INN}"]').click()
    expect(page.locator("[data-testid=sim-inn]")).to_have_value(INN)
    page.fill("[data-testid=sim-amount]", "1500.50")
    operation_id = page.locator("[data-testid=sim-operation-id]").input_value()
    assert len(operation_id) == 36

    page.click("[data-testid=sim-send]")
    balances = page.locator("[data-testid=sim-balances]")
    expect(page.locator("[data-testid=sim-response]")).to_contain_text("HTTP 200")
    expect(page.locator("[data-testid=sim-response]")).to_contain_text("credited")
    expect(page.locator("[data-testid=sim-request]")).to_contain_text(operation_id)
    expect(balances).to_have_attribute("data-after", str(before + 1500.5).removesuffix(".0"))
    screenshot(page, "payments-simulator-sent")

    page.click("[data-testid=sim-send-again]")
    expect(page.locator("[data-testid=sim-response]")).to_contain_text("duplicate")
    expect(balances).to_have_attribute("data-before", balances.get_attribute("data-after"))
    after = e2e_api.get(f"/api/v1/organizations/{INN}/balance/").json()["balance"]
    assert after == before + 1500.5
    screenshot(page, "payments-simulator-again")

    page.goto("/admin/organizations")
    wait_for_list(page)
    row = rows(page).filter(has_text=INN)
    expect(row.locator("[data-testid=organization-balance]")).to_have_attribute("data-value", str(after).removesuffix(".0"))
    page.goto("/admin/payments")
    wait_for_list(page)
    expect(rows(page).filter(has_text=operation_id)).to_have_count(1)
    screenshot(page, "payments-list")


def test_an_unmatched_payment_is_assigned_from_the_payments_list(page, e2e_api, admin_credentials, base_url):
    from tests.payments.conftest import make_inn, send_webhook, webhook_body

    e2e_api.post("/api/v1/organizations", json={"inn": INN, "name": "ПАО Сбербанк"})
    stray = make_inn("987654321")
    body = webhook_body(amount=42, inn=stray)
    assert send_webhook(base_url, body).status_code == 200
    before = e2e_api.get(f"/api/v1/organizations/{INN}/balance/").json()["balance"]
    login(page, *admin_credentials)
    page.goto("/admin/payments")
    wait_for_list(page)
    row = rows(page).filter(has_text=body["operation_id"])
    row.locator("[data-testid=assign-payment]").click()
    page.locator("[data-testid=assign-organization]").locator("..").locator("[role=combobox]").click()
    page.locator("[role=listbox] [role=option]").filter(has_text=INN).click()
    page.click("[data-testid=assign-confirm]")
    expect(row.locator("[data-status=credited]")).to_be_visible()
    assert e2e_api.get(f"/api/v1/organizations/{INN}/balance/").json()["balance"] == before + 42
    page.goto("/admin/")
    expect(page.locator("[data-testid=home-card-payments]")).to_be_visible()
    screenshot(page, "payments-home-card")
