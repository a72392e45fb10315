"""Checks on paper (the point's time, readable columns, one money format, 80 mm by default) and the
figures of the dashboard's home page (issue 10 and issue 9's dashboard)."""
import datetime as dt
import re
import subprocess

from server.db import utcnow
from server.printing import render
from server.printing.models import Check, Order, Printer
from server.settings import Settings, settings
from tests.printing.conftest import order_body, pdf_text
from tests.printing.test_erp_and_printers import rendered

BIG_ORDER = {"id": 9, "point_id": 1, "items": [
    {"name": "Сет «Большой праздник»", "quantity": "2", "unit_price": "12980.75"},
    {"name": "Морс", "quantity": "10", "unit_price": "99.90"}], "address": "", "client": {}}


def render_to(tmp_path, check_type, order, page, zone=None):
    path = tmp_path / f"{check_type}_{page}.pdf"
    html = render.check_html(check_type, order, page, zone)
    path.write_bytes(render.html_to_pdf(html, render.page_options(page, len(order["items"]))))
    return path


def plain(text: str) -> str:
    return text.replace("\u00a0", " ")


def test_money_has_one_format_with_the_rouble_sign():
    assert render.money("12980.75") == "12\u00a0980.75\u00a0₽"
    assert render.money("0.005") == "0.01\u00a0₽"
    assert render.order_total({"items": []}, render.Decimal("5")) == render.Decimal("5")
    assert render.order_total({"price": "7.50"}, render.Decimal("5")) == render.Decimal("7.50")


def test_80mm_is_the_default_page_and_a4_a_setting(tmp_path, monkeypatch):
    monkeypatch.delenv("PDF_PAGE", raising=False)
    assert Settings().pdf_page == "80mm"
    info = subprocess.run(["pdfinfo", str(render_to(tmp_path, "client", BIG_ORDER, "80mm"))],
                          capture_output=True, text=True, check=True).stdout
    width = float(re.search(r"Page size:\s+([\d.]+) x", info).group(1))
    assert abs(width - 80 / 25.4 * 72) < 2  # points
    info = subprocess.run(["pdfinfo", str(render_to(tmp_path, "client", BIG_ORDER, "A4"))],
                          capture_output=True, text=True, check=True).stdout
    assert "A4" in info


def test_unit_prices_and_totals_carry_the_rouble_sign_and_the_total_is_the_lines_sum(tmp_path):
    for page in ("80mm", "A4"):
        text = plain(pdf_text(render_to(tmp_path, "client", BIG_ORDER, page)))
        assert "12 980.75 ₽" in text and "25 961.50 ₽" in text and "99.90 ₽" in text, text
        assert "Итого: 26 960.50 ₽" in text  # no `price`: the sum of the lines, as the dashboard shows


def word_boxes(path):
    """(text, xMin, xMax, yMin) of each word pdftotext finds."""
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [(m.group(5), float(m.group(1)), float(m.group(3)), float(m.group(2))) for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


def test_five_digit_prices_do_not_touch_the_quantity_or_each_other_on_a4(tmp_path):
    words = word_boxes(render_to(tmp_path, "client", BIG_ORDER, "A4"))
    row = sorted((w for w in words if abs(w[3] - next(x for x in words if x[0] == "12")[3]) < 2),
                 key=lambda w: w[1])
    texts = [w[0] for w in row]
    quantity, price, total = texts.index("2"), texts.index("12"), texts.index("25")
    assert row[price][1] - row[quantity][2] > 8  # points of white between the columns
    assert row[total][1] - row[price - 1 + 3][2] > 8  # "12" "980.75" "₽" | "25"


def test_the_time_is_printed_in_the_default_time_zone(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "time_zone", "Europe/Moscow")
    before = utcnow()
    text = pdf_text(render_to(tmp_path, "client", BIG_ORDER, "80mm"))
    moscow = dt.timezone(dt.timedelta(hours=3))
    expected = {f"{(before + dt.timedelta(seconds=s)).astimezone(moscow):%d.%m.%Y %H:%M}" for s in (0, 60)}
    found = re.search(r"Напечатано (\d\d\.\d\d\.\d{4} \d\d:\d\d) \(Europe/Moscow\)", text)
    assert found and found.group(1) in expected, text
    assert "UTC" not in text


def test_a_point_whose_printers_name_a_time_zone_gets_its_time(api, erp, printers):
    for key in ("point2-client-key", "point2-kitchen-key"):
        response = api.patch(f"/api/v1/printers/{printers[key].id}", json={"time_zone": "Asia/Vladivostok"})
        assert response.status_code == 200 and response.json()["time_zone"] == "Asia/Vladivostok"
    erp.post("/create_checks/", json=order_body(7101, point_id=2)).raise_for_status()
    erp.post("/create_checks/", json=order_body(7102, point_id=1)).raise_for_status()
    rendered(7101, 2)
    rendered(7102, 2)
    assert "(Asia/Vladivostok)" in pdf_text(settings.media_root / "pdf" / "7101_client.pdf")
    assert "(Asia/Vladivostok)" in pdf_text(settings.media_root / "pdf" / "7101_kitchen.pdf")
    assert f"({settings.time_zone})" in pdf_text(settings.media_root / "pdf" / "7102_client.pdf")


def test_an_unknown_time_zone_is_refused(api, printers):
    printer = printers["point1-client-key"]
    for zone in ("Mars/Olympus", "../../etc/passwd", "x" * 65):
        response = api.patch(f"/api/v1/printers/{printer.id}", json={"time_zone": zone})
        assert response.status_code == 400, zone
        assert "time_zone" in response.json()["details"]
    assert Printer.get_by_id(printer.id).time_zone is None


# The home page's figures, and the filtered lists they link to.

def make_check(order_id, printer, status, **fields):
    Order.insert(id=order_id, point_id=printer.point_id).on_conflict_ignore().execute()
    return Check.create(printer=printer, type=printer.check_type, order=order_body(order_id, printer.point_id),
                        order_id=order_id, status=status, **fields)


def test_summary_counts_what_the_filtered_lists_list(api, printers):
    kitchen1, client1 = printers["point1-kitchen-key"], printers["point1-client-key"]
    Printer.update(last_seen_at=utcnow()).execute()
    Printer.update(last_seen_at=utcnow() - dt.timedelta(hours=1)).where(Printer.id == kitchen1.id).execute()
    Printer.update(last_seen_at=None).where(Printer.id == client1.id).execute()
    make_check(1, kitchen1, "new", render_error="OSError: boom")
    make_check(2, kitchen1, "new")
    make_check(3, client1, "new")
    make_check(4, client1, "rendered", pdf_file="pdf/4_client.pdf")
    old = make_check(5, client1, "printed", pdf_file="pdf/5_client.pdf")
    Check.update(created_at=utcnow() - dt.timedelta(days=3)).where(Check.id == old.id).execute()
    Order.update(created_at=utcnow() - dt.timedelta(days=3)).where(Order.id == 5).execute()

    summary = api.get("/api/v1/printing/summary").json()
    assert summary["silent_printers"] == 2 and summary["silent_for"] == 10
    assert summary["failed_checks"] == 1 and summary["waiting_checks"] == 2
    assert summary["orders_today"] == 4 and summary["checks_today"] == 4

    def total(path, **params):
        return api.get(path, params=params).json()["total"]

    assert total("/api/v1/printers", is_active="true", silent_for=10) == 2
    assert total("/api/v1/printers", is_active="true", silent_for=120) == 1  # never polled
    assert total("/api/v1/checks", failed="true") == 1
    assert total("/api/v1/checks", status="new", failed="false") == 2
    assert total("/api/v1/checks", created_from=summary["today_from"]) == 4


def test_summary_needs_the_checks_permission(as_role, anonymous):
    assert anonymous.get("/api/v1/printing/summary").status_code == 401
    assert as_role("cashier").get("/api/v1/printing/summary").status_code == 403
    assert as_role("erp").get("/api/v1/printing/summary").status_code == 403
