"""Rendering checks to PDF: an HTML template of the check's type (Tornado's template engine, not its web
server), turned into a PDF by wkhtmltopdf (this process's pool of long-lived wkhtmltopdf processes,
pool.py; or one local process per document through pdfkit; or the docker-compose service), written to a
temporary name and renamed, so a printer never downloads half a file."""
import base64
import datetime as dt
import json
import os
import secrets
import shutil
import tempfile
import urllib.request
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures import as_completed
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pdfkit
from tornado import template

from server.db import utcnow
from server.events import events
from server.printing.models import Check, Printer
from server.printing.pool import shared_pool
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


def printer_time_zones(checks: list[Check]) -> dict[int, str]:
    """printer id -> the time zone it names, for the printers of these checks that name one (one query)."""
    printer_ids = {c.printer_id for c in checks}
    return {p.id: p.time_zone for p in Printer.select(Printer.id, Printer.time_zone).where(
        Printer.id.in_(printer_ids), Printer.time_zone.is_null(False)) if p.time_zone}


def point_time_zone(checks: list[Check], zones: dict[int, str]) -> str | None:
    """The time zone a printer of these checks names (they are one point's), or None."""
    named = sorted({zones[c.printer_id] for c in checks if c.printer_id in zones})
    return named[0] if named else None


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


def render_pool():
    """This process's pool of long-lived wkhtmltopdf processes, or None when checks are rendered another
    way: by the wkhtmltopdf service (WKHTMLTOPDF_URL), or one process per document (RENDER_PROCESSES=0)."""
    if settings.wkhtmltopdf_url or settings.render_processes <= 0:
        return None
    return shared_pool(settings.wkhtmltopdf, settings.render_processes, timeout=settings.render_timeout,
                       max_jobs=settings.render_process_max_jobs,
                       max_memory_mb=settings.render_process_max_mb, nice=settings.worker_nice)


def temporary_path(path: Path) -> Path:
    """A hidden name beside `path`, on the same file system, for a file that is renamed to `path` once
    complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.parent / f".{path.name}.{secrets.token_hex(6)}.part"


def move_atomically(temporary: Path, path: Path) -> None:
    """Make the complete file at `temporary` (written by wkhtmltopdf) durable, then rename it to `path`."""
    try:
        with open(temporary, "rb") as file:
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def record_failure(order_id: int, checks: list[Check], error: Exception) -> "RenderFailed":
    """Record the failure on the checks (attempts, the error for the dashboard); the RenderFailed to raise."""
    message = f"{type(error).__name__}: {error}"[:2000]
    Check.update(render_attempts=Check.render_attempts + 1, render_error=message).where(
        Check.id.in_([c.id for c in checks]), Check.order_id == order_id, Check.status == "new").execute()
    return RenderFailed(message, max(c.render_attempts for c in checks) + 1)


def mark_rendered(order_id: int, check_type: str, checks: list[Check]) -> int:
    """The checks' file is in place: they become `rendered` and their printers are woken."""
    relative = pdf_name(order_id, check_type)
    updated = Check.update(status="rendered", pdf_file=relative, rendered_at=utcnow(), render_error=None,
                           render_attempts=Check.render_attempts + 1).where(
        Check.id.in_([c.id for c in checks]), Check.order_id == order_id, Check.type == check_type,
        Check.status == "new").execute()
    for printer_id in {c.printer_id for c in checks}:
        events.publish(printer_topic(printer_id))
    return updated


def render_checks(order_id: int, check_type: str, checks: list[Check]) -> int:
    """Render `new` checks of one order and type into their shared file, one wkhtmltopdf process (or
    service call) for it; return how many became `rendered`. A failure is recorded on the checks and
    raised as RenderFailed with the attempt count."""
    try:
        options = page_options(settings.pdf_page, len(checks[0].order["items"]))
        zone = point_time_zone(checks, printer_time_zones(checks))
        html = check_html(check_type, checks[0].order, settings.pdf_page, zone)
        write_atomically(pdf_path(pdf_name(order_id, check_type)), html_to_pdf(html, options))
    except Exception as error:  # anything a render can raise is recorded for the dashboard
        raise record_failure(order_id, checks, error) from error
    return mark_rendered(order_id, check_type, checks)


def render_orders(order_ids: list[int]) -> dict[int, "int | RenderFailed"]:
    """Render the orders' `new` checks, one file per order and check type; answer, order by order, how
    many checks became `rendered`, or the RenderFailed of its types that failed. Idempotent: rendered
    and printed checks are left alone. With the render pool every file of every order is handed to it at
    once, so the batch fills all its processes, and each is recorded as soon as it is done."""
    groups: dict[tuple[int, str], list[Check]] = {}
    for check in Check.select().where(Check.order_id.in_(list(order_ids)), Check.status == "new").order_by(
            Check.order_id, Check.id):
        groups.setdefault((check.order_id, check.type), []).append(check)
    rendered = {order_id: 0 for order_id in order_ids}
    failures: dict[int, list[RenderFailed]] = {}

    def fail(key, error):
        failures.setdefault(key[0], []).append(record_failure(key[0], groups[key], error))

    pool = render_pool()
    zones = printer_time_zones([check for checks in groups.values() for check in checks]) if pool else {}
    jobs: dict = {}
    for key, checks in sorted(groups.items()):
        order_id, check_type = key
        if pool is None:
            try:
                rendered[order_id] += render_checks(order_id, check_type, checks)
            except RenderFailed as failure:
                failures.setdefault(order_id, []).append(failure)
            continue
        try:
            options = page_options(settings.pdf_page, len(checks[0].order["items"]))
            html = check_html(check_type, checks[0].order, settings.pdf_page, point_time_zone(checks, zones))
            jobs[pool.submit(html, options, temporary_path(pdf_path(pdf_name(order_id, check_type))))] = key
        except Exception as error:  # anything a render can raise is recorded for the dashboard
            fail(key, error)
    try:
        # The pool ends every job (a hung process is killed after RENDER_TIMEOUT, its job retried once).
        for future in as_completed(jobs, timeout=len(jobs) * 2 * settings.render_timeout + 60):
            key = jobs.pop(future)
            try:
                move_atomically(future.result(), pdf_path(pdf_name(*key)))
            except Exception as error:
                fail(key, error)
            else:
                rendered[key[0]] += mark_rendered(*key, groups[key])
    except FuturesTimeout:
        for key in jobs.values():
            fail(key, TimeoutError("the render pool did not finish this check in time"))
    answers: dict[int, int | RenderFailed] = dict(rendered)
    for order_id, failed in failures.items():
        answers[order_id] = RenderFailed("; ".join(map(str, failed)), max(f.attempts for f in failed))
    return answers


def render_order(order_id: int) -> int:
    """Render the order's `new` checks, one file per check type; return how many became `rendered`.
    A type that fails does not stop the others; the failures are raised together after."""
    answer = render_orders([order_id])[order_id]
    if isinstance(answer, RenderFailed):
        raise answer
    return answer
