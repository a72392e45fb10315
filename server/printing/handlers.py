"""Printing over HTTP: the ERP's and printers' endpoints of the seed, and the admin REST API."""
import asyncio
from pathlib import Path

import tornado.ioloop

from server.auth import Access, Roles
from server.batching import Batcher
from server.db import run_db
from server.events import events
from server.http import ApiError, BaseHandler, api, refused_as
from server.printing import service
from server.printing.models import Check, Printer
from server.printing.polling import EMPTY, poll_cache
from server.printing.schemas import (
    CheckFileQuery, CheckListQuery, CheckPageSchema, CheckSchema, NewChecksQuery, NewChecksSchema,
    OkSchema, OrderSchema, PrinterListQuery, PrinterPageSchema, PrinterSchema, PrinterUpdateSchema,
)
from server.schemas import ErrorSchema
from server.settings import settings

ADMIN = Roles("admin")
ERP = Roles("erp", "admin", open_when=lambda: not settings.printing_erp_auth)
PDF = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
       "description": "The check's PDF"}


class PrinterKey(Access):
    """A printer, by its api_key in the query or the X-Api-Key header."""

    security = ("printerKey", "printerKeyHeader")

    async def authenticate(self, handler) -> Printer:
        key = handler.get_query_argument("api_key", None) or handler.request.headers.get("X-Api-Key")
        printer = await poll_cache.printer(key, run_db)
        if printer is None:
            raise ApiError(401, service.BAD_API_KEY)
        return printer


PRINTER = PrinterKey()


def read_file(path: Path) -> bytes:
    return path.read_bytes()


class PdfMixin:
    async def write_pdf(self, path: Path):
        data = await run_db(read_file, path)
        self.set_header("Content-Type", "application/pdf")
        self.set_header("Content-Disposition", f'inline; filename="{path.name}"')
        self.finish(data)


# Orders posted at once are stored together: one statement and one queue message per batch. Two
# batches in flight let the next one start while the last waits on the database.
intake = Batcher(service.create_checks, in_flight=2)


class CreateChecksHandler(BaseHandler):
    @api(ERP, body=OrderSchema(), invalid_body_message="Некорректный заказ", tags=["printing"],
         summary="Create the checks of a new order",
         responses={200: OkSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema})
    async def post(self):
        with refused_as(400, service.PrintingError):
            await intake.submit(self.body)
        self.write_json({"ok": service.CHECKS_CREATED})


class NewChecksHandler(BaseHandler):
    @api(PRINTER, query=NewChecksQuery(), tags=["printing"],
         summary="The printer's rendered checks, oldest first (long-poll with wait=N)",
         responses={200: NewChecksSchema, 400: ErrorSchema, 401: ErrorSchema})
    async def get(self):
        printer, wait = self.current_user, self.query["wait"]
        topic = service.printer_topic(printer.id)
        woken = events.waiter(topic) if wait else None
        try:
            body = await poll_cache.body(printer, run_db)
            if body == EMPTY and woken is not None:
                self.on_connection_close = lambda: woken.done() or woken.set_result(None)
                try:
                    await asyncio.wait_for(woken, wait)
                    body = await poll_cache.body(printer, run_db)
                except asyncio.TimeoutError:
                    pass
        finally:
            if woken is not None:
                events.forget(topic, woken)
        if not self.request.connection.stream.closed():
            self.finish(body)


class CheckFileHandler(PdfMixin, BaseHandler):
    @api(PRINTER, query=CheckFileQuery(), tags=["printing"],
         summary="Download a check's PDF; the check becomes printed",
         responses={200: PDF, 400: ErrorSchema, 401: ErrorSchema})
    async def get(self):
        with refused_as(400, service.PrintingError):
            path = await run_db(service.take_pdf, self.current_user, self.query["check_id"])
        await self.write_pdf(path)


async def find_printer(printer_id: str) -> Printer:
    printer = await run_db(Printer.get_or_none, Printer.id == int(printer_id))
    if printer is None:
        raise ApiError(404, "Принтер не найден")
    return printer


async def find_check(check_id: str) -> Check:
    check = await run_db(service.get_check, int(check_id))
    if check is None:
        raise ApiError(404, "Чек не найден")
    return check


ADMIN_ERRORS = {401: ErrorSchema, 403: ErrorSchema}


class PrintersHandler(BaseHandler):
    @api(ADMIN, query=PrinterListQuery(), tags=["printing admin"], summary="List printers",
         responses={200: PrinterPageSchema, 400: ErrorSchema, **ADMIN_ERRORS})
    async def get(self):
        rows, total = await run_db(service.list_printers, self.query)
        self.write_page(PrinterSchema, rows, total)

    @api(ADMIN, body=PrinterSchema(), tags=["printing admin"], summary="Create a printer",
         responses={201: PrinterSchema, 400: ErrorSchema, 409: ErrorSchema, **ADMIN_ERRORS})
    async def post(self):
        with refused_as(409, service.ApiKeyTaken):
            printer = await run_db(service.create_printer, self.body)
        self.write_json(PrinterSchema().dump(printer), 201)


class PrinterHandler(BaseHandler):
    @api(ADMIN, tags=["printing admin"], summary="A printer",
         responses={200: PrinterSchema, 404: ErrorSchema, **ADMIN_ERRORS})
    async def get(self, printer_id):
        self.write_json(PrinterSchema().dump(await find_printer(printer_id)))

    @api(ADMIN, body=PrinterUpdateSchema(), tags=["printing admin"], summary="Edit a printer",
         responses={200: PrinterSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema,
                    **ADMIN_ERRORS})
    async def patch(self, printer_id):
        printer = await find_printer(printer_id)
        with refused_as(409, service.ApiKeyTaken):
            printer = await run_db(service.save_printer, printer, self.body)
        self.write_json(PrinterSchema().dump(printer))

    @api(ADMIN, tags=["printing admin"], summary="Deactivate a printer (its checks are kept)",
         responses={200: PrinterSchema, 404: ErrorSchema, **ADMIN_ERRORS})
    async def delete(self, printer_id):
        printer = await run_db(service.deactivate_printer, await find_printer(printer_id))
        self.write_json(PrinterSchema().dump(printer))


class PrinterKeyHandler(BaseHandler):
    @api(ADMIN, tags=["printing admin"], summary="Give a printer a new api_key",
         responses={200: PrinterSchema, 404: ErrorSchema, **ADMIN_ERRORS})
    async def post(self, printer_id):
        printer = await run_db(service.regenerate_key, await find_printer(printer_id))
        self.write_json(PrinterSchema().dump(printer))


class ChecksHandler(BaseHandler):
    @api(ADMIN, query=CheckListQuery(), tags=["printing admin"], summary="List checks",
         responses={200: CheckPageSchema, 400: ErrorSchema, **ADMIN_ERRORS})
    async def get(self):
        rows, total = await run_db(service.list_checks, self.query)
        self.write_page(CheckSchema, rows, total)


class CheckHandler(BaseHandler):
    @api(ADMIN, tags=["printing admin"], summary="A check with its order and render error",
         responses={200: CheckSchema, 404: ErrorSchema, **ADMIN_ERRORS})
    async def get(self, check_id):
        self.write_json(CheckSchema().dump(await find_check(check_id)))


class CheckActionHandler(BaseHandler):
    """A POST that applies one of the service's check actions and answers the check."""

    async def apply(self, action, check_id):
        with refused_as(409, service.PrintingError):
            check = await run_db(action, await find_check(check_id))
        self.write_json(CheckSchema().dump(check))


class CheckRetryHandler(CheckActionHandler):
    @api(ADMIN, tags=["printing admin"], summary="Render a check that failed again",
         responses={200: CheckSchema, 404: ErrorSchema, 409: ErrorSchema, **ADMIN_ERRORS})
    async def post(self, check_id):
        await self.apply(service.retry_render, check_id)


class CheckReprintHandler(CheckActionHandler):
    @api(ADMIN, tags=["printing admin"], summary="Print a check again (back to rendered)",
         responses={200: CheckSchema, 404: ErrorSchema, 409: ErrorSchema, **ADMIN_ERRORS})
    async def post(self, check_id):
        await self.apply(service.reprint, check_id)


class CheckPdfHandler(PdfMixin, BaseHandler):
    @api(ADMIN, tags=["printing admin"], summary="A check's PDF, for viewing (status unchanged)",
         responses={200: PDF, 404: ErrorSchema, 409: ErrorSchema, **ADMIN_ERRORS})
    async def get(self, check_id):
        with refused_as(409, service.PrintingError):
            path = service.admin_pdf(await find_check(check_id))
        await self.write_pdf(path)


class PollingBackground:
    """Beside the server: the poll cache hears the event channel, and `last_seen_at` is written
    once a second."""

    def __init__(self):
        self._flusher = None

    def start(self) -> None:
        events.listen(poll_cache.changed)
        self._flusher = tornado.ioloop.PeriodicCallback(lambda: poll_cache.flush_seen(run_db), 1000)
        self._flusher.start()

    async def stop(self) -> None:
        self._flusher.stop()
        events.unlisten(poll_cache.changed)
        await poll_cache.flush_seen(run_db)


class RenderRecovery:
    """On the embedded profile, the renders that the last run of the server still had queued in its
    memory are queued again when it starts."""

    def __init__(self):
        self._requeue = None

    def start(self) -> None:
        if settings.embedded:
            self._requeue = asyncio.ensure_future(run_db(service.queue_unfinished_renders))

    async def stop(self) -> None:
        if self._requeue is not None:
            await self._requeue


background = [PollingBackground(), RenderRecovery()]

routes = [
    (r"/create_checks/", CreateChecksHandler),
    (r"/new_checks/", NewChecksHandler),
    (r"/check/", CheckFileHandler),
    (r"/api/v1/printers", PrintersHandler),
    (r"/api/v1/printers/(?P<printer_id>\d{1,18})", PrinterHandler),
    (r"/api/v1/printers/(?P<printer_id>\d{1,18})/regenerate_key", PrinterKeyHandler),
    (r"/api/v1/checks", ChecksHandler),
    (r"/api/v1/checks/(?P<check_id>\d{1,18})", CheckHandler),
    (r"/api/v1/checks/(?P<check_id>\d{1,18})/retry", CheckRetryHandler),
    (r"/api/v1/checks/(?P<check_id>\d{1,18})/reprint", CheckReprintHandler),
    (r"/api/v1/checks/(?P<check_id>\d{1,18})/pdf", CheckPdfHandler),
]
