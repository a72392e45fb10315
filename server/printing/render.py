"""Rendering checks to PDF: an HTML template of the check's type (Tornado's template engine, not its web
server), turned into a PDF by wkhtmltopdf (the local binary through pdfkit, or the docker-compose
service), written to a temporary name and renamed, so a printer never downloads half a file."""
import base64
import datetime as dt
import json
import os
import shutil
import tempfile
import urllib.request
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pdfkit
from tornado import template

from server.db import utcnow
from server.events import events
from server.printing.models import Check, Printer
from server.printing.service import pdf_name, pdf_path, printer_topic, time_zone
from server.settings import PROJECT_ROOT, settings

TEMPLATES = template.Loader(str(PROJECT_ROOT / "templates"), autoescape="xhtml_escape")
KOPECK = Decimal("0.01")


class RenderFailed(Exception):
    def __init__(self, message: str, attempts: int):
        super().__init__(message)
        self.attempts = attempts


def money(value) -> str:
    """The one money format of the project (the dashboard's `formatMoney` is the same): kopecks
    rounded half up, thousands apart by a no-break space, the rouble sign after: `12 980.75 ₽`."""
    amount = Decimal(str(value)).quantize(KOPECK, rounding=ROUND_HALF_UP)
    return f"{amount:,.2f}".replace(",", "\u00a0") + "\u00a0₽"


def quantity(value) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def order_total(order: dict, computed: Decimal) -> Decimal:
    """The order's `price` when it has one, else the sum of its lines (the dashboard does the same)."""
    price = order.get("price")
    return computed if price in (None, "") else Decimal(str(price))


def printed_at(zone_name: str | None = None, moment: dt.datetime | None = None) -> str:
    """When a check is printed, in its point's time zone: `02.12.2026 17:25 (Europe/Moscow)`."""
    zone = time_zone(zone_name)
    local = (moment or utcnow()).astimezone(zone)
    return f"{local:%d.%m.%Y %H:%M} ({getattr(zone, 'key', 'UTC')})"


def check_lines(order: dict) -> tuple[list[dict], Decimal]:
    lines, total = [], Decimal(0)
    for item in order["items"]:
        line_total = Decimal(str(item["quantity"])) * Decimal(str(item["unit_price"]))
        total += line_total
        lines.append({"name": item["name"], "quantity": quantity(item["quantity"]),
                      "unit_price": money(item["unit_price"]), "total": money(line_total)})
    return lines, total


def check_html(check_type: str, order: dict, page: str, zone_name: str | None = None) -> str:
    lines, computed_total = check_lines(order)
    client = order.get("client") or {}
    return TEMPLATES.load(f"{check_type}_check.html").generate(
        order=order, lines=lines, total=money(order_total(order, computed_total)), client=client,
        address=order.get("address", ""), thermal=page == "80mm", printed_at=printed_at(zone_name),
    ).decode()


def point_time_zone(checks: list[Check]) -> str | None:
    """The time zone a printer of these checks names (they are one point's), or None."""
    printer_ids = {c.printer_id for c in checks}
    zones = sorted({p.time_zone for p in Printer.select(Printer.time_zone).where(
        Printer.id.in_(printer_ids), Printer.time_zone.is_null(False)) if p.time_zone})
    return zones[0] if zones else None


def page_options(page: str, item_count: int) -> dict:
    # The templates have no scripts: without this wkhtmltopdf waits 200 ms for them on every page.
    common = {"encoding": "UTF-8", "quiet": "", "javascript-delay": "0"}
    if page == "80mm":
        height = 90 + 14 * item_count
        return {**common, "page-width": "80mm", "page-height": f"{height}mm", "margin-top": "3mm",
                "margin-bottom": "3mm", "margin-left": "3mm", "margin-right": "3mm"}
    return {**common, "page-size": "A4", "margin-top": "12mm", "margin-bottom": "12mm",
            "margin-left": "12mm", "margin-right": "12mm"}


def html_to_pdf(html: str, options: dict) -> bytes:
    if settings.wkhtmltopdf_url:
        return _pdf_from_service(html, options)
    binary = shutil.which(settings.wkhtmltopdf) or settings.wkhtmltopdf
    configuration = pdfkit.configuration(wkhtmltopdf=binary)
    pdf = pdfkit.from_string(html, False, options=options, configuration=configuration)
    if not pdf.startswith(b"%PDF"):
        raise OSError("wkhtmltopdf did not produce a PDF")
    return pdf


def _pdf_from_service(html: str, options: dict) -> bytes:
    """The openlabs/docker-wkhtmltopdf-aas API: base64 HTML and options in, PDF out."""
    service_options = {k: v for k, v in options.items() if v != ""}
    payload = json.dumps({"contents": base64.b64encode(html.encode()).decode(), "options": service_options})
    request = urllib.request.Request(settings.wkhtmltopdf_url, data=payload.encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        pdf = response.read()
    if not pdf.startswith(b"%PDF"):
        raise OSError("the wkhtmltopdf service did not answer with a PDF")
    return pdf


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def render_checks(order_id: int, check_type: str, checks: list[Check]) -> int:
    """Render `new` checks of one order and type into their shared file; return how many became
    `rendered`. A failure is recorded on the checks and raised as RenderFailed with the attempt count."""
    relative = pdf_name(order_id, check_type)
    ids = [c.id for c in checks]
    try:
        options = page_options(settings.pdf_page, len(checks[0].order["items"]))
        html = check_html(check_type, checks[0].order, settings.pdf_page, point_time_zone(checks))
        write_atomically(pdf_path(relative), html_to_pdf(html, options))
    except Exception as error:  # anything a render can raise is recorded for the dashboard
        message = f"{type(error).__name__}: {error}"[:2000]
        Check.update(render_attempts=Check.render_attempts + 1, render_error=message).where(
            Check.id.in_(ids), Check.order_id == order_id, Check.status == "new").execute()
        attempts = max(c.render_attempts for c in checks) + 1
        raise RenderFailed(message, attempts) from error
    updated = Check.update(status="rendered", pdf_file=relative, rendered_at=utcnow(), render_error=None,
                           render_attempts=Check.render_attempts + 1).where(
        Check.id.in_(ids), Check.order_id == order_id, Check.type == check_type, Check.status == "new").execute()
    for printer_id in {c.printer_id for c in checks}:
        events.publish(printer_topic(printer_id))
    return updated


def render_order(order_id: int) -> int:
    """Render the order's `new` checks, one file per check type; return how many became `rendered`.
    Idempotent: rendered and printed checks are left alone. A type that fails does not stop the
    others; the failures are raised together after."""
    by_type: dict[str, list[Check]] = {}
    for check in Check.select().where(Check.order_id == order_id, Check.status == "new").order_by(Check.id):
        by_type.setdefault(check.type, []).append(check)
    rendered, failures = 0, []
    for check_type, checks in sorted(by_type.items()):
        try:
            rendered += render_checks(order_id, check_type, checks)
        except RenderFailed as failure:
            failures.append(failure)
    if failures:
        raise RenderFailed("; ".join(map(str, failures)), max(f.attempts for f in failures))
    return rendered
