"""The admin dashboard as a person uses it, in headless Chromium against a running server."""
import re
import time
import uuid

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.helpers import choose, login, rows, screenshot, wait_for_list


pytestmark = pytest.mark.e2e


def unique(prefix):
    return f"{prefix}{uuid.uuid4().hex[:8]}"


# Session -----------------------------------------------------------------------------------

def test_admin_logs_in_and_sees_name_role_and_admin_pages(page, admin_credentials):
    page.goto("/admin/")
    expect(page.locator("input[name=username]")).to_be_visible()
    screenshot(page, "01-login")

    login(page, *admin_credentials)

    user = page.locator("[data-testid=current-user]")
    expect(user).to_contain_text("admin")
    expect(user.locator("[data-role=admin]")).to_be_visible()
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()
    for resource in ("printers", "checks", "users"):
        expect(page.locator(f'.RaMenu-open a[href="/admin/{resource}"]')).to_be_visible()
    screenshot(page, "02-dashboard-admin")


def test_wrong_password_stays_on_the_login_page(page):
    page.goto("/admin/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator(".MuiSnackbar-root")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/login$"))
    assert page.evaluate("localStorage.getItem('receipthub.token')") is None


def test_logout_forgets_and_revokes_the_token(page, base_url, admin_credentials):
    login(page, *admin_credentials)
    token = page.evaluate("localStorage.getItem('receipthub.token')")
    assert token
    assert requests.get(f"{base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"},
                        timeout=30).status_code == 200

    page.click(".RaUserMenu-userButton")
    page.click(".logout")
    expect(page.locator("input[name=username]")).to_be_visible()
    assert page.evaluate("localStorage.getItem('receipthub.token')") is None
    assert requests.get(f"{base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"},
                        timeout=30).status_code == 401


def test_english_can_be_chosen(page, admin_credentials):
    login(page, *admin_credentials)
    expect(page.locator('.RaMenu-open a[href="/admin/users"]')).to_contain_text("Пользователи")
    page.click("header button:has-text('Русский')")
    page.click("[role=menuitem]:has-text('English')")
    expect(page.locator('.RaMenu-open a[href="/admin/users"]')).to_contain_text("Users")


def test_cashier_does_not_see_admin_pages(page, e2e_api, base_url):
    username, password = unique("cashier_"), "cashier-pass-1"
    created = e2e_api.post("/api/v1/users", json={
        "username": username, "password": password, "full_name": "Кассир Тестовый",
        "role": "cashier", "is_active": True})
    assert created.status_code == 201, created.text

    login(page, username, password)

    expect(page.locator("[data-testid=current-user] [data-role=cashier]")).to_be_visible()
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()
    for resource in ("printers", "checks", "users"):
        expect(page.locator(f'a[href="/admin/{resource}"]')).to_have_count(0)
    screenshot(page, "03-dashboard-cashier")

    page.goto("/admin/users")
    page.wait_for_load_state("networkidle")
    expect(rows(page)).to_have_count(0)
    expect(page.get_by_text("admin", exact=True)).to_have_count(0)  # the admin's row is nowhere
    expect(page.locator("[data-testid=current-user]")).to_contain_text(username)  # still logged in
    screenshot(page, "04-users-denied-to-cashier")
    # ... and the API refuses it too
    assert requests.get(f"{base_url}/api/v1/users", auth=(username, password),
                        timeout=30).status_code == 403


# Checks ------------------------------------------------------------------------------------

def create_order_checks(api):
    """A new order at a point with two active printers; waits until its checks are rendered."""
    printers = api.get("/api/v1/printers", params={"is_active": "true", "limit": 500}).json()["items"]
    by_point = {}
    for printer in printers:
        by_point.setdefault(printer["point_id"], []).append(printer)
    point_id, point_printers = max(by_point.items(), key=lambda item: len(item[1]))
    assert len(point_printers) >= 2, "the fixtures should give a point with two printers"
    order_id = int(time.time() * 1000) % 1_000_000_000
    answer = api.post("/create_checks/", json={
        "id": order_id, "point_id": point_id, "price": "1020.50", "address": "ул. Ленина, 1",
        "client": {"name": "Иван", "phone": "+79990001122"},
        "items": [{"name": "Пицца", "quantity": 2, "unit_price": "450.00"},
                  {"name": "Кола", "quantity": 1, "unit_price": "120.50"}]})
    assert answer.status_code == 200, answer.text
    deadline = time.monotonic() + 90
    while True:
        checks = api.get("/api/v1/checks", params={"order_id": order_id}).json()["items"]
        if checks and all(check["status"] == "rendered" for check in checks):
            return order_id, checks, {p["id"]: p for p in point_printers}
        if time.monotonic() > deadline:
            pytest.fail(f"the checks of order {order_id} were not rendered in 90 s "
                        f"(is wkhtmltopdf installed and the worker running?): {checks}")
        time.sleep(0.5)


@pytest.fixture
def printed_check(e2e_api, base_url):
    """An order with one check printed (downloaded by its printer) and the others rendered."""
    order_id, checks, printers = create_order_checks(e2e_api)
    check = checks[0]
    download = requests.get(f"{base_url}/check/", timeout=30, params={
        "api_key": printers[check["printer"]]["api_key"], "check_id": check["id"]})
    assert download.status_code == 200, download.text
    return order_id, check, checks


def only_status(page, status):
    """Waits until the list shows rows, all of them with this status."""
    expect(rows(page).locator(f'td.column-status [data-status="{status}"]').first).to_be_visible()
    expect(rows(page).locator(f'td.column-status [data-status]:not([data-status="{status}"])')) \
        .to_have_count(0)


def test_filter_checks_by_status_shows_only_matching_rows(page, printed_check, e2e_api, admin_credentials):
    order_id, printed, checks = printed_check
    login(page, *admin_credentials)
    page.goto("/admin/checks")
    wait_for_list(page)
    # without a filter both checks of the order are listed
    expect(rows(page).filter(has=page.locator(f"td.column-order_id:text-is('{order_id}')"))) \
        .to_have_count(len(checks))

    choose(page, "status", "printed")
    expect(page).to_have_url(re.compile("printed"))  # the filter is in the URL
    only_status(page, "printed")
    expected = e2e_api.get("/api/v1/checks", params={"status": "printed", "limit": 1}).json()["total"]
    expect(rows(page)).to_have_count(min(expected, 25))
    ours = rows(page).filter(has=page.locator(f"td.column-order_id:text-is('{order_id}')"))
    expect(ours).to_have_count(1)
    expect(ours.locator("td.column-id")).to_have_text(str(printed["id"]))
    screenshot(page, "05-checks-filtered-printed")

    choose(page, "status", "rendered")
    only_status(page, "rendered")
    expect(rows(page).filter(has=page.locator(f"td.column-order_id:text-is('{order_id}')"))) \
        .to_have_count(len(checks) - 1)

    # a shared URL opens the same filtered view
    url = page.url
    page.goto("/admin/")
    page.goto(url)
    only_status(page, "rendered")


def test_check_page_shows_order_and_pdf_and_reprints(page, printed_check, admin_credentials):
    order_id, printed, _ = printed_check
    login(page, *admin_credentials)
    page.goto(f"/admin/checks/{printed['id']}/show")
    order = page.locator("[data-testid=check-order]")
    expect(order).to_contain_text(str(order_id))
    expect(order).to_contain_text("Пицца")
    expect(order).to_contain_text("900.00")  # 2 x 450.00
    expect(order).to_contain_text("ул. Ленина, 1")
    expect(page.locator("[data-testid=pdf-frame]")).to_be_visible()
    src = page.locator("[data-testid=pdf-frame]").get_attribute("src")
    assert src.startswith("blob:")
    expect(page.locator("[data-status=printed]")).to_be_visible()
    page.wait_for_timeout(500)  # let the PDF viewer draw for the screenshot
    screenshot(page, "06-check-show")

    page.click("[data-testid=check-reprint]")
    expect(page.locator("[data-status=rendered]")).to_be_visible()


def test_tablet_shows_the_checks_list_without_page_overflow(tablet_page, printed_check, admin_credentials):
    page = tablet_page
    login(page, *admin_credentials)
    page.goto("/admin/checks")
    wait_for_list(page)
    expect(rows(page).first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the tablet screen"
    screenshot(page, "07-checks-tablet")


# Printers ----------------------------------------------------------------------------------

def test_create_printer_and_see_it_listed(page, e2e_api, admin_credentials):
    name, point_id = unique("Принтер "), 900_000 + uuid.uuid4().int % 99_999
    login(page, *admin_credentials)
    page.goto("/admin/printers")
    wait_for_list(page)
    screenshot(page, "08-printers")

    page.goto("/admin/printers/create")
    page.fill("input[name=name]", name)
    choose(page, "check_type", "kitchen")
    page.fill("input[name=point_id]", str(point_id))
    screenshot(page, "09-printer-create")
    page.click("button[type=submit]")

    expect(page).to_have_url(re.compile(r"/admin/printers/?$"))
    wait_for_list(page)
    page.locator(".filter-field input[name=point_id]").fill(str(point_id))
    expect(rows(page)).to_have_count(1)
    row = rows(page).first
    expect(row.locator("td.column-name")).to_have_text(name)
    api_key = row.locator("td.column-api_key").inner_text().strip()
    assert len(api_key) >= 8, "the server generates a key when none is given"
    screenshot(page, "10-printer-listed")

    stored = e2e_api.get("/api/v1/printers", params={"point_id": point_id}).json()["items"]
    assert [(p["name"], p["check_type"], p["api_key"]) for p in stored] == [(name, "kitchen", api_key)]


# Users -------------------------------------------------------------------------------------

def test_add_user_in_the_modal_and_see_it_listed(page, e2e_api, admin_credentials):
    username = unique("buh_")
    login(page, *admin_credentials)
    page.goto("/admin/users?sort=id&order=DESC")
    wait_for_list(page)
    screenshot(page, "11-users")

    page.click("[data-testid=add-user]")
    dialog = page.locator("[role=dialog]")
    expect(dialog).to_be_visible()
    dialog.locator("input[name=username]").fill(username)
    dialog.locator("input[name=password]").fill("s3cret-pass")
    dialog.locator("input[name=full_name]").fill("Бухгалтер Тестовый")
    dialog.locator("input[name=email]").fill(f"{username}@example.com")
    choose(page, "role", "accountant", scope=dialog)
    screenshot(page, "12-user-add-modal")
    dialog.locator("button[type=submit]").click()

    expect(dialog).to_have_count(0)
    row = rows(page).filter(has=page.locator(f"td.column-username:text-is('{username}')"))
    expect(row).to_have_count(1)
    expect(row.locator("td.column-full_name")).to_have_text("Бухгалтер Тестовый")
    screenshot(page, "13-user-listed")

    stored = e2e_api.get("/api/v1/users", params={"search": username}).json()["items"]
    assert [(u["username"], u["role"], u["is_active"]) for u in stored] == [(username, "accountant", True)]


def test_edit_printer_regenerate_its_key_and_deactivate_it(page, e2e_api, admin_credentials):
    created = e2e_api.post("/api/v1/printers", json={
        "name": unique("Бар "), "check_type": "client", "point_id": 77})
    assert created.status_code == 201, created.text
    printer = created.json()
    login(page, *admin_credentials)

    page.goto(f"/admin/printers/{printer['id']}")
    expect(page.locator("[data-testid=printer-api-key]")).to_have_text(printer["api_key"])
    page.fill("input[name=name]", printer["name"] + " (2)")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/printers/?$"))
    assert e2e_api.get(f"/api/v1/printers/{printer['id']}").json()["name"] == printer["name"] + " (2)"

    page.goto(f"/admin/printers/{printer['id']}")
    page.click("[data-testid=regenerate-key]")
    page.locator("[role=dialog] button.ra-confirm").click()
    expect(page.locator(".MuiSnackbar-root")).to_be_visible()
    new_key = e2e_api.get(f"/api/v1/printers/{printer['id']}").json()["api_key"]
    assert new_key != printer["api_key"]
    expect(page.locator("[data-testid=printer-api-key]")).to_have_text(new_key)
    screenshot(page, "14-printer-edit")

    page.locator("[role=toolbar] button.ra-delete-button").click()
    page.locator("[role=dialog] button.ra-confirm").click()
    expect(page).to_have_url(re.compile(r"/admin/printers/?$"))
    assert e2e_api.get(f"/api/v1/printers/{printer['id']}").json()["is_active"] is False


def test_reset_a_users_password_and_deactivate_the_user(page, e2e_api, admin_credentials, base_url):
    username = unique("user_")
    created = e2e_api.post("/api/v1/users", json={
        "username": username, "password": "first-pass-1", "role": "analyst"})
    assert created.status_code == 201, created.text
    user = created.json()
    login(page, *admin_credentials)

    page.goto(f"/admin/users/{user['id']}")
    expect(page.locator("input[name=username]")).to_have_value(username)
    page.get_by_role("button", name="Сменить пароль").click()
    dialog = page.locator("[role=dialog]")
    dialog.locator("input[type=password]").fill("second-pass-2")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_have_count(0)
    assert requests.get(f"{base_url}/api/v1/me", auth=(username, "second-pass-2"), timeout=30).status_code == 200
    assert requests.get(f"{base_url}/api/v1/me", auth=(username, "first-pass-1"), timeout=30).status_code == 401

    page.locator("[role=toolbar] button.ra-delete-button").click()
    page.locator("[role=dialog] button.ra-confirm").click()
    expect(page).to_have_url(re.compile(r"/admin/users/?(\?.*)?$"))
    assert e2e_api.get(f"/api/v1/users/{user['id']}").json()["is_active"] is False


def test_the_modal_keeps_the_form_open_with_the_apis_message_on_a_refusal(page, admin_credentials):
    login(page, *admin_credentials)
    page.goto("/admin/users")
    wait_for_list(page)
    page.click("[data-testid=add-user]")
    dialog = page.locator("[role=dialog]")
    dialog.locator("input[name=username]").fill("admin")  # taken
    dialog.locator("input[name=password]").fill("s3cret-pass")
    dialog.locator("button[type=submit]").click()
    expect(page.locator(".MuiSnackbar-root")).to_contain_text("уже существует")
    expect(dialog).to_be_visible()

    dialog.locator("input[name=username]").fill(unique("ok_"))
    dialog.locator("input[name=password]").fill("123")  # too short for the API
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator(".Mui-error").first).to_be_visible()  # the API's field message
    expect(dialog).to_be_visible()
    screenshot(page, "15-user-add-refused")


def test_csv_export_has_the_filtered_rows(page, e2e_api, admin_credentials):
    point_id = 800_000 + uuid.uuid4().int % 99_999
    names = sorted(unique(f"Экспорт {i} ") for i in range(3))
    for name in names:
        assert e2e_api.post("/api/v1/printers", json={
            "name": name, "check_type": "kitchen", "point_id": point_id}).status_code == 201
    login(page, *admin_credentials)
    page.goto("/admin/printers")
    wait_for_list(page)
    page.locator(".filter-field input[name=point_id]").fill(str(point_id))
    expect(rows(page)).to_have_count(3)

    with page.expect_download() as download:
        page.get_by_role("button", name="Экспорт").click()
    csv = download.value.path().read_text(encoding="utf-8")
    lines = csv.strip().splitlines()
    assert lines[0].split(",")[:2] == ["id", "name"]
    assert len(lines) == 4, csv
    for name in names:
        assert name in csv
