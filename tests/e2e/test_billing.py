"""Billing in the dashboard: a house, its readings grid, "Рассчитать" with a live progress bar, the bills."""
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import login, rows, screenshot, wait_for_list

pytestmark = pytest.mark.e2e


@pytest.fixture
def billed_house(e2e_api):
    """A house of 40 apartments (cold and hot meters), tariffs, and September's readings."""
    for kind, price in (("water_cold", "45.55"), ("water_hot", "205.15"), ("maintenance", "31.27")):
        e2e_api.post("/api/v1/tariffs", json={"kind": kind, "price": price, "valid_from": "2026-01-01"})
    body = {"address": "ул. Тестовая, 7", "apartments": [
        {"number": str(n), "area": "50.00", "meters": [
            {"serial": f"E2E-{n}-{kind}", "kind": kind, "installed_at": "2026-01-01"} for kind in ("cold", "hot")]}
        for n in range(1, 41)]}
    house = e2e_api.post("/api/v1/houses", json=body).json()
    readings = [{"meter_id": m["id"], "month": "2026-09", "value": "10"}
                for a in house["apartments"] for m in a["meters"]]
    assert e2e_api.post("/api/v1/readings", json={"readings": readings}).json()["stored"] == 80
    return house


def test_calculate_a_month_and_watch_the_progress_bar_reach_the_bills(page, billed_house, admin_credentials):
    login(page, *admin_credentials)
    page.goto("/admin/houses")
    wait_for_list(page)
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("ул. Тестовая, 7")
    rows(page).first.click()
    expect(page.locator("[data-testid=house-address]")).to_have_text("ул. Тестовая, 7")

    page.fill("[data-testid=run-month]", "2026-10")
    page.fill("[data-testid=reading-E2E-1-cold]", "13.5")  # the readings grid, one row per meter
    page.click("[data-testid=save-readings]")
    expect(page.locator("[data-testid=meters]")).to_contain_text("✓")

    page.click("[data-testid=calculate]")
    progress = page.locator("[data-testid=run-progress]")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("data-status", "done", timeout=30_000)
    expect(progress).to_have_attribute("data-percent", "100")
    expect(progress).to_contain_text("40 / 40")
    # 40 × 50 m² × 31.27 = 62540.00 upkeep; apartment 1's cold water: 3.5 m³ × 45.55 = 159.43 (159.425,
    # half up); every other meter is estimated from its initial 0 (installed in January) to September's
    # 10, nine months: 1.111 m³ a month, 1.111 × 45.55 = 50.606 -> 50.61 (39 of them),
    # 1.111 × 205.15 = 227.92165 -> 227.92 (40)
    totals = page.locator("[data-testid=bills-totals]")
    expect(totals).to_contain_text("62540.00")
    expect(totals).to_contain_text(f"{159.43 + 39 * 50.61 + 40 * 227.92 + 62540:.2f}")
    screenshot(page, "billing-house-calculated")

    page.goto("/admin/")
    expect(page.locator("[data-testid=home-card-billing-runs]")).to_be_visible()
