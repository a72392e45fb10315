"""The home page an admin opens first, lists on a phone, money and wording (issues 9 and 10), at
390 px and at 1366 px."""
import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from server.db import utcnow
from server.printing.models import Check, Order, Printer
from tests.e2e.helpers import login, rows, screenshot, wait_for_list

pytestmark = pytest.mark.e2e

NBSP = "\u00a0"


def text_of(locator) -> str:
    return locator.inner_text().replace(NBSP, " ")


def add_check(order_id, printer, status, created_at=None, **fields):
    Order.insert(id=order_id, point_id=printer.point_id).on_conflict_ignore().execute()
    order = {"id": order_id, "point_id": printer.point_id, "address": "ул. Ленина, 1", "client": {"name": "Иван"},
             "items": [{"name": "Сет «Праздник»", "quantity": "2", "unit_price": "12980.75"},
                       {"name": "Морс", "quantity": "1", "unit_price": "99.90"}]}
    return Check.create(printer=printer, type=printer.check_type, order=order, order_id=order_id, status=status,
                        created_at=created_at or utcnow(), **fields)


@pytest.fixture
def attention(e2e_api):
    """Two silent active printers, one failed render, two waiting, three orders today and one older."""
    printers = {p.api_key: p for p in Printer.select()}
    Printer.update(last_seen_at=utcnow()).execute()
    kitchen, client = printers["point1-kitchen-key"], printers["point1-client-key"]
    Printer.update(last_seen_at=utcnow() - dt.timedelta(hours=2)).where(Printer.id == kitchen.id).execute()
    Printer.update(last_seen_at=None).where(Printer.id == client.id).execute()
    failed = add_check(880001, kitchen, "new", render_error="OSError: wkhtmltopdf crashed")
    add_check(880002, kitchen, "new")
    add_check(880003, client, "new")
    add_check(880004, client, "printed", created_at=utcnow() - dt.timedelta(days=2), pdf_file="pdf/x.pdf")
    Order.update(created_at=utcnow() - dt.timedelta(days=2)).where(Order.id == 880004).execute()
    return failed


def card_value(page, key):
    return page.locator(f"[data-testid={key}-value]")


def open_card(page, key, home=True):
    """Click a home card once its figure has loaded (every module's cards load on their own; a click on
    a page still laying out can land elsewhere)."""
    if home:
        page.goto("/admin/")
    expect(card_value(page, key)).not_to_be_empty()
    page.click(f"[data-testid=card-{key}]")


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_the_home_page_shows_what_needs_attention_and_opens_each_filtered_list(request, size, attention,
                                                                                admin_credentials):
    page = request.getfixturevalue("phone_page" if size == "phone" else "page")
    login(page, *admin_credentials)
    expect(card_value(page, "silent-printers")).to_have_text("2")
    expect(card_value(page, "failed-checks")).to_have_text("1")
    expect(card_value(page, "waiting-checks")).to_have_text("2")
    expect(card_value(page, "today-orders")).to_have_text("3")
    expect(page.locator("[data-testid=card-today-orders]")).to_contain_text("Чеков по ним: 3")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the home page is {overflow}px wider than the screen"
    screenshot(page, f"20-home-{size}")

    open_card(page, "failed-checks", home=False)
    expect(page).to_have_url(re.compile(r"/admin/checks\?.*failed"))
    wait_for_list(page)
    expect(page.locator(".RaList-main")).to_contain_text("880001")
    expect(page.locator(".RaList-main")).not_to_contain_text("880002")
    screenshot(page, f"21-home-failed-checks-{size}")

    open_card(page, "silent-printers")
    expect(page).to_have_url(re.compile(r"/admin/printers\?.*silent_for"))
    wait_for_list(page)
    expect(page.locator(".RaList-main")).to_contain_text("Точка 1 — кухня")
    expect(page.locator(".RaList-main")).to_contain_text("Точка 1 — касса")
    expect(page.locator(".RaList-main")).not_to_contain_text("Точка 2")

    open_card(page, "waiting-checks")
    wait_for_list(page)
    expect(page.locator(".RaList-main")).to_contain_text("880003")
    expect(page.locator(".RaList-main")).not_to_contain_text("880001")

    open_card(page, "today-orders")
    wait_for_list(page)
    expect(page.locator(".RaList-main")).to_contain_text("880003")
    expect(page.locator(".RaList-main")).not_to_contain_text("880004")


def test_the_checks_list_on_a_phone_is_readable(phone_page, attention, admin_credentials):
    page = phone_page
    login(page, *admin_credentials)
    page.goto("/admin/checks")
    wait_for_list(page)
    listed = page.locator(".RaList-main")
    expect(listed).to_contain_text("Заказ 880003")
    expect(listed).to_contain_text("Новый")
    expect(listed).to_contain_text("Ошибка")  # the failed render
    text = listed.inner_text()
    assert not re.search(r"\d{4}-\d\d-\d\dT", text), "raw ISO timestamps"
    assert not re.search(r"\b(new|rendered|printed|kitchen|client)\b", text), "untranslated words"
    assert re.search(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d", text), "a formatted date"
    for chip, name in zip(page.locator("[data-status]").all(), page.locator("[data-testid=check-list-printer]").all()):
        chip_box, name_box = chip.bounding_box(), name.bounding_box()
        assert chip_box["x"] >= name_box["x"] + name_box["width"], "the status runs into the printer's name"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    screenshot(page, "22-checks-phone")

    page.goto("/admin/printers")
    wait_for_list(page)
    expect(page.locator(".RaList-main")).to_contain_text("Кухонный")
    assert not re.search(r"\b(kitchen|client)\b", page.locator(".RaList-main").inner_text())
    screenshot(page, "23-printers-phone")


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_the_check_page_writes_money_as_the_pdf_does(request, size, attention, admin_credentials):
    page = request.getfixturevalue("phone_page" if size == "phone" else "page")
    login(page, *admin_credentials)
    check = Check.get(Check.order_id == 880002)
    page.goto(f"/admin/checks/{check.id}/show")
    order = page.locator("[data-testid=check-order]")
    expect(order).to_contain_text(re.compile("12\\s980.75\\s₽"))
    assert "12 980.75 ₽" in text_of(order) and "25 961.50 ₽" in text_of(order)
    expect(page.locator("[data-testid=check-total]")).to_have_text(re.compile("26\\s061.40\\s₽"))
    expect(page.locator("title")).to_have_count(1)
    title = page.locator("#react-admin-title")
    expect(title).to_have_text(f"Чек № {check.id}")
    screenshot(page, f"24-check-money-{size}")


def test_empty_lists_say_so_in_russian_and_in_english(page, admin_credentials):
    login(page, *admin_credentials)
    page.goto("/admin/checks")
    empty = page.locator(".RaEmpty-message")
    expect(empty).to_contain_text("Чеков пока нет")
    assert "Нет Чек" not in page.locator("body").inner_text()
    screenshot(page, "25-empty-checks-ru")
    page.click("header button:has-text('Русский')")
    page.click("[role=menuitem]:has-text('English')")
    expect(empty).to_contain_text("No checks yet")


def test_printers_wording_search_and_the_users_create_address(page, admin_credentials):
    login(page, *admin_credentials)
    page.goto("/admin/printers")
    wait_for_list(page)
    page.locator("input[name=q]").fill("горячий")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Точка 4 — горячий цех")

    page.goto("/admin/printers/create")
    expect(page.locator("#react-admin-title")).to_have_text("Новый принтер")
    assert "Создать Принтер" not in page.locator("body").inner_text()

    page.goto("/admin/users")
    wait_for_list(page)
    expect(page.locator("[data-testid=add-user]")).to_have_text(re.compile("Создать"))
    expect(page.locator(".RaList-main")).to_contain_text("Администратор")
    assert "Administrator" not in page.locator(".RaList-main").inner_text()

    page.goto("/admin/users/create")
    expect(page.locator("#react-admin-title")).to_have_text("Новый пользователь")
    page.fill("input[name=username]", "typed_in")
    page.fill("input[name=password]", "typed-pass-1")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/users/?$"))
    expect(page.locator(".RaList-main")).to_contain_text("typed_in")
    screenshot(page, "26-users-after-create-page")
