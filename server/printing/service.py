"""Printing logic: checks for an order, what printers fetch, and the admin's printers and checks."""
import datetime as dt
import logging
import secrets
import zoneinfo
from pathlib import Path

import peewee

from server.db import database, insert_skipping_conflicts, utcnow
from server.events import events
from server.printing import messages
from server.printing.models import Check, Order, Printer
from server.settings import settings
from server.worker import QueueUnavailable, enqueue

log = logging.getLogger("server.printing")

RENDER_TASK = "printing.render_orders"

class PrintingError(Exception):
    """A refusal whose message the client sees as it is: the class's `message`, or the one given."""

    message = ""

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)


class DuplicateOrder(PrintingError):
    message = messages.DUPLICATE_ORDER


class NoPrinters(PrintingError):
    message = messages.NO_PRINTERS


class NoSuchCheck(PrintingError):
    message = messages.NO_SUCH_CHECK


class NoPdf(PrintingError):
    message = messages.NO_PDF


class ApiKeyTaken(PrintingError):
    message = messages.API_KEY_TAKEN


class AlreadyRendered(PrintingError):
    message = messages.ALREADY_RENDERED


def time_zone(name: str | None) -> dt.tzinfo:
    """The named time zone, or TIME_ZONE's when there is none (or it is unknown)."""
    for candidate in (name, settings.time_zone):
        if candidate:
            try:
                return zoneinfo.ZoneInfo(candidate)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return dt.timezone.utc


def printer_topic(printer_id: int) -> str:
    return f"printer:{printer_id}"


def pdf_name(order_id: int, check_type: str) -> str:
    return f"pdf/{order_id}_{check_type}.pdf"


def pdf_path(relative: str) -> Path:
    return settings.media_root / relative


def create_checks(orders: list[tuple[dict, object]]) -> list[int | PrintingError]:
    """For each order (validated, and its JSON as received, which the checks keep), one `new` check per
    active printer of its point, all stored in two statements; then a task that renders them. Answers,
    order by order, how many checks it got or why none.

    An order id is taken once, whatever the point: the orders table's primary key decides, so a
    duplicate, or a racing request here or in another process, gets nothing.
    """
    printers_at = active_printers_by_point({order["point_id"] for order, _ in orders})
    results: list[int | PrintingError] = []
    wanted, now = {}, utcnow()
    for order, received in orders:
        printers = printers_at.get(order["point_id"], [])
        if not printers:
            results.append(NoPrinters())
        elif order["id"] in wanted:
            results.append(DuplicateOrder())
        else:
            results.append(len(printers))
            wanted[order["id"]] = (order["point_id"], received)
    if not wanted:
        return results

    with database.atomic():
        order_rows = [{"id": order_id, "point_id": point_id, "created_at": now}
                      for order_id, (point_id, _) in sorted(wanted.items())]  # one lock order for every writer
        taken = set(insert_skipping_conflicts(Order, order_rows, Order.id))
        rows = [{"printer": p.id, "type": p.check_type, "order": wanted[order_id][1], "order_id": order_id,
                 "status": "new", "created_at": now}
                for order_id in sorted(taken) for p in printers_at[wanted[order_id][0]]]
        if rows:
            insert_skipping_conflicts(Check, rows, Check.order_id)
    for i, (order, _) in enumerate(orders):
        if isinstance(results[i], int) and order["id"] not in taken:
            results[i] = DuplicateOrder()
    if taken:
        queue_renders(sorted(taken))
    return results


def queue_renders(order_ids: list[int]) -> None:
    """A task renders the orders' new checks. Should the queue be unreachable, the checks are kept
    and marked with the error, as a failed render's are, for the dashboard's retry: the order was
    taken, and its checks exist."""
    try:
        enqueue(RENDER_TASK, order_ids)
    except QueueUnavailable as error:
        log.error("orders %s: their renders could not be queued: %s", order_ids, error)
        Check.update(render_error=messages.QUEUE_UNAVAILABLE.format(error=error)[:2000]).where(
            Check.order_id.in_(order_ids), Check.status == "new").execute()


def queue_unfinished_renders() -> list[int]:
    """Queue again the renders of every order with checks still `new` and attempts left; answer those
    orders. The embedded profile's queue lives in the server's memory, so a restart loses the renders
    it held (and the retries it was holding back); renders are idempotent, so one queued twice is
    harmless."""
    order_ids = sorted(check.order_id for check in Check.select(Check.order_id).where(
        Check.status == "new", Check.render_attempts < settings.render_max_retries).distinct())
    if order_ids:
        queue_renders(order_ids)
    return order_ids


def active_printers_by_point(points: set[int]) -> dict[int, list[Printer]]:
    printers_at: dict[int, list[Printer]] = {}
    for printer in (Printer.select(Printer.id, Printer.point_id, Printer.check_type)
                    .where(Printer.point_id.in_(points), Printer.is_active == True)  # noqa: E712
                    .order_by(Printer.id)):
        printers_at.setdefault(printer.point_id, []).append(printer)
    return printers_at


def printer_by_key(api_key: str | None) -> Printer | None:
    if not api_key:
        return None
    return Printer.get_or_none(Printer.api_key == api_key, Printer.is_active == True)  # noqa: E712


def poll_rendered(printer_id: int) -> list[dict]:
    """The printer's rendered checks, oldest first."""
    query = (Check.select(Check.id, Check.order_id, Check.type, Check.created_at)
             .where(Check.printer == printer_id, Check.status == "rendered")
             .order_by(Check.created_at, Check.id))
    return [{"id": c.id, "order_id": c.order_id, "type": c.type, "created_at": c.created_at} for c in query]


def record_seen(seen: dict) -> None:
    """`last_seen_at` of the printers that polled, {printer_id: when}, in one statement."""
    when = peewee.Case(Printer.id, [(printer_id, Printer.last_seen_at.db_value(at))
                                    for printer_id, at in seen.items()])
    Printer.update(last_seen_at=when).where(Printer.id.in_(list(seen))).execute()


def take_pdf(printer: Printer, check_id: int) -> Path:
    """The check's PDF for this printer; the check becomes `printed`. Another printer's check does not
    exist for this one, and downloading a printed check again works."""
    check = Check.get_or_none(Check.id == check_id, Check.printer == printer.id)
    if check is None:
        raise NoSuchCheck()
    if check.status == "new" or not check.pdf_file:
        raise NoPdf()
    path = pdf_path(check.pdf_file)
    if not path.is_file():
        raise NoPdf()
    if check.status == "rendered":
        Check.update(status="printed", printed_at=utcnow()).where(
            Check.id == check.id, Check.status == "rendered").execute()
        events.publish(printer_topic(printer.id))
    return path


# Admin: printers.

def new_api_key() -> str:
    return secrets.token_urlsafe(24)


def printers_query(params: dict) -> peewee.Select:
    """Printers with the list's filters: `point_id`, `check_type`, `is_active`, `search` (in the name)."""
    query = Printer.select()
    for name in ("point_id", "check_type", "is_active"):
        if name in params:
            query = query.where(getattr(Printer, name) == params[name])
    if params.get("search"):
        query = query.where(Printer.name.contains(params["search"]))  # % and _ are plain characters
    if "silent_for" in params:
        since = utcnow() - dt.timedelta(minutes=params["silent_for"])
        query = query.where(Printer.last_seen_at.is_null() | (Printer.last_seen_at < since))
    return query


def save_printer(printer: Printer, values: dict) -> Printer:
    for name, value in values.items():
        setattr(printer, name, value)
    if not printer.api_key:
        printer.api_key = new_api_key()
    try:
        with database.atomic():
            printer.save()
    except peewee.IntegrityError:
        raise ApiKeyTaken() from None
    events.publish(printer_topic(printer.id))
    return printer


def create_printer(values: dict) -> Printer:
    return save_printer(Printer(), values)


def regenerate_key(printer: Printer) -> Printer:
    return save_printer(printer, {"api_key": new_api_key()})


def deactivate_printer(printer: Printer) -> Printer:
    return save_printer(printer, {"is_active": False})


# Admin: checks.

def checks_query(params: dict) -> peewee.Select:
    """Checks (with their printers) with the list's filters: `printer`, `type`, `status`, `order_id`,
    `point_id`, `created_from`, `created_to`."""
    query = Check.select(Check, Printer).join(Printer)
    filters = {"printer": Check.printer, "type": Check.type, "status": Check.status,
               "order_id": Check.order_id, "point_id": Printer.point_id}
    for name, column in filters.items():
        if name in params:
            query = query.where(column == params[name])
    if "created_from" in params:
        query = query.where(Check.created_at >= params["created_from"])
    if "created_to" in params:
        query = query.where(Check.created_at <= params["created_to"])
    if params.get("failed") is True:
        query = query.where(Check.status == "new", Check.render_error.is_null(False))
    elif params.get("failed") is False:
        query = query.where((Check.status != "new") | Check.render_error.is_null())
    return query


def today_from() -> dt.datetime:
    """Midnight of today in TIME_ZONE, in UTC."""
    local = utcnow().astimezone(time_zone(None))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.timezone.utc)


def summary(silent_for: int) -> dict:
    """The dashboard's home-page figures, each the total of the filtered list it links to."""
    since = today_from()
    return {
        "silent_printers": printers_query({"is_active": True, "silent_for": silent_for}).count(),
        "failed_checks": checks_query({"failed": True}).count(),
        "waiting_checks": checks_query({"status": "new", "failed": False}).count(),
        "orders_today": Order.select().where(Order.created_at >= since).count(),
        "checks_today": checks_query({"created_from": since}).count(),
        "today_from": since,
        "silent_for": silent_for,
    }


def get_check(check_id: int) -> Check | None:
    return Check.select(Check, Printer).join(Printer).where(Check.id == check_id).first()


def retry_render(check: Check) -> Check:
    """Render a check that is still `new` again, from a clean slate of attempts."""
    if check.status != "new":
        raise AlreadyRendered()
    Check.update(render_attempts=0, render_error=None).where(
        Check.order_id == check.order_id, Check.type == check.type, Check.status == "new").execute()
    queue_renders([check.order_id])
    return get_check(check.id)


def reprint(check: Check) -> Check:
    """A printed check goes back to `rendered`, so its printer fetches it again."""
    if check.status == "new":
        raise NoPdf()
    Check.update(status="rendered", printed_at=None).where(Check.id == check.id).execute()
    events.publish(printer_topic(check.printer_id))
    return get_check(check.id)


def admin_pdf(check: Check) -> Path:
    if check.status == "new" or not check.pdf_file or not pdf_path(check.pdf_file).is_file():
        raise NoPdf()
    return pdf_path(check.pdf_file)
