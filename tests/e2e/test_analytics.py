"""The analytics pages in headless Chromium: figures for a period, charts, CSV, the event log."""
import pytest
from playwright.sync_api import expect

from server.analytics import service
from tests.analytics.conftest import receipt_body
from tests.analytics.test_pipeline import records
from tests.e2e.helpers import login, screenshot

pytestmark = pytest.mark.e2e


def test_the_analyst_sees_figures_charts_csv_and_rejected_receipts(page, e2e_api, as_role):
    bodies = [receipt_body(f"e2e-{i}", place_id=f"shop-{i % 2}", timestamp=f"2024-02-0{1 + i % 3}T10:00:00")
              for i in range(6)]
    service.store_messages(records(bodies))
    bad = as_role("pos").post("/api/checks/", json={**receipt_body("e2e-bad"), "total_amount": 1})
    assert bad.status_code == 400
    login(page, "analyst", "analyst-password")

    page.goto("/admin/analytics")
    overall = page.locator("[data-testid=overall]")
    expect(overall).to_contain_text("6")
    expect(overall).to_contain_text("164.82")  # 6 x 27.47
    expect(page.locator("[data-testid=analytics-places] [data-place=shop-0]")).to_contain_text("82.41")
    # MUI X Charts: a line per place (with its legend), a bar per category (named on its axis)
    revenue = page.locator("[data-testid=revenue-chart]")
    expect(revenue.locator("svg .MuiLineElement-root")).to_have_count(2)
    expect(revenue).to_contain_text("shop-0")
    expect(revenue).to_contain_text("shop-1")
    categories = page.locator("[data-testid=category-chart]")
    expect(categories.locator("svg .MuiBarElement-root")).to_have_count(2)
    expect(categories).to_contain_text("groceries")
    expect(categories).to_contain_text("electronics")
    with page.expect_download() as download:
        page.click("[data-testid=csv-export]")
    csv = open(download.value.path(), encoding="utf-8").read()
    assert csv.splitlines()[0].startswith("place_id,place_name,total_purchases")
    assert '"shop-1","Store ABC","3","82.41","27.47"' in csv
    page.fill("[data-testid=period-place_id]", "shop-1")
    page.click("[data-testid=period-apply]")
    expect(page.locator("[data-testid=analytics-places] [data-place=shop-0]")).to_have_count(0)
    screenshot(page, "analytics-01-period")

    page.goto("/admin/analytics/events")
    events = page.locator("[data-testid=events-table]")
    expect(events).to_contain_text("e2e-bad")
    expect(events).to_contain_text("total_amount")
    expect(page.locator("[data-testid=outbox-card]")).to_be_visible()
    page.goto("/admin/analytics/places")
    expect(page.locator("[data-testid=places-table]")).to_contain_text("shop-1")
    page.goto("/admin/")
    expect(page.locator("[data-testid=home-card-analytics-pipeline]")).to_contain_text("6")
