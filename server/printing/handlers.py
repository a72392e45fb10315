"""Printing over HTTP: the ERP's and printers' endpoints of the seed, and the admin REST API."""
import asyncio

import tornado.ioloop

from server.auth import Access, Needs
from server.batching import Batcher
from server.cache import Following
from server.db import run_db
from server.http import ApiError, BaseHandler, api
from server.printing import messages, service
from server.printing.models import Check, Printer
from server.printing.polling import poll_cache
from server.printing.schemas import (
    CheckFileQuery, CheckListQuery, CheckPageSchema, CheckSchema, NewChecksQuery, NewChecksSchema,
    OkSchema, OrderSchema, PrinterListQuery, SummaryQuery, SummarySchema, PrinterPageSchema, PrinterSchema, PrinterUpdateSchema,
)
from server.settings import settings

CREATE_ORDERS = Needs("printing:orders:create", open_when=lambda: not settings.printing_erp_auth)
READ_PRINTERS = Needs("printing:printers:read")
WRITE_PRINTERS = Needs("printing:printers:write")
READ_CHECKS = Needs("printing:checks:read")
WRITE_CHECKS = Needs("printing:checks:write")
PDF = {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
       "description": "The check's PDF"}


class PrinterKey(Access):
    """A printer, by its api_key in the query or the X-Api-Key header."""

    schemes = {
        "printerKey": {"type": "apiKey", "in": "query", "name": "api_key",
                       "description": "A printer's api_key"},
        "printerKeyHeader": {"type": "apiKey", "in": "header", "name": "X-Api-Key",
                             "description": "A printer's api_key"},
    }

    async def authenticate(self, handler, path_args: dict) -> Printer:
        key = handler.get_query_argument("api_key", None) or handler.request.headers.get("X-Api-Key")
        printer = await poll_cache.printer(key)
        if printer is None:
            raise ApiError(401, messages.BAD_API_KEY)
        return printer

    def describe(self) -> str:
        return "A printer: its `api_key` in the query or the `X-Api-Key` header."

    def access_cases(self) -> list[tuple[str | None, str]]:
        return [(None, "401"), ("printer", "allowed")]

    def test_request(self, who: str, body: bytes, password_of) -> dict:
        printer = Printer.select().where(Printer.is_active == True).first()  # noqa: E712
        return {"headers": {"X-Api-Key": printer.api_key}}


PRINTER = PrinterKey()

# Orders posted at once are stored together: one statement and one queue message per batch. Two
# batches in flight let the next one start while the last waits on the database.
intake = Batcher(service.create_checks, in_flight=2)


class CreateChecksHandler(BaseHandler):
    @api(CREATE_ORDERS, body=OrderSchema(), invalid_body_message=messages.INVALID_ORDER,
         refuses={400: service.PrintingError}, tags=["printing"], summary="Create the checks of a new order",
         responses={200: OkSchema})
    async def post(self):
        await intake.submit((self.body, self.received))
        self.write_json({"ok": messages.CHECKS_CREATED})


class NewChecksHandler(BaseHandler):
    @api(PRINTER, query=NewChecksQuery(), tags=["printing"],
         summary="The printer's rendered checks, oldest first (long-poll with wait=N)",
         responses={200: NewChecksSchema})
    async def get(self):
        body = await poll_cache.wait_body(self.current_user, self.query["wait"], self.connection_closed())
        if not self.request.connection.stream.closed():
            self.finish(body)


class CheckFileHandler(BaseHandler):
    @api(PRINTER, query=CheckFileQuery(), refuses={400: service.PrintingError}, tags=["printing"],
         summary="Download a check's PDF; the check becomes printed", responses={200: PDF})
    async def get(self):
        path = await run_db(service.take_pdf, self.current_user, self.query["check_id"])
        await self.write_file(path, "application/pdf")


async def find_printer(printer_id: str) -> Printer:
    printer = await run_db(Printer.get_or_none, Printer.id == int(printer_id))
    if printer is None:
        raise ApiError(404, messages.NO_SUCH_PRINTER)
    return printer


async def find_check(check_id: str) -> Check:
    check = await run_db(service.get_check, int(check_id))
    if check is None:
        raise ApiError(404, messages.NO_SUCH_CHECK_ADMIN)
    return check


class PrintersHandler(BaseHandler):
    @api(READ_PRINTERS, query=PrinterListQuery(), tags=["printing admin"], summary="List printers",
         responses={200: PrinterPageSchema})
    async def get(self):
        await self.write_page(PrinterSchema, service.printers_query, self.query)

    @api(WRITE_PRINTERS, body=PrinterSchema(), refuses={409: service.ApiKeyTaken}, tags=["printing admin"],
         summary="Create a printer", responses={201: PrinterSchema})
    async def post(self):
        printer = await run_db(service.create_printer, self.body)
        self.write_json(PrinterSchema().dump(printer), 201)


class PrinterHandler(BaseHandler):
    @api(READ_PRINTERS, tags=["printing admin"], summary="A printer", responses={200: PrinterSchema})
    async def get(self, printer_id):
        self.write_json(PrinterSchema().dump(await find_printer(printer_id)))

    @api(WRITE_PRINTERS, body=PrinterUpdateSchema(), refuses={409: service.ApiKeyTaken},
         tags=["printing admin"], summary="Edit a printer", responses={200: PrinterSchema})
    async def patch(self, printer_id):
        printer = await run_db(service.save_printer, await find_printer(printer_id), self.body)
        self.write_json(PrinterSchema().dump(printer))

    @api(WRITE_PRINTERS, tags=["printing admin"], summary="Deactivate a printer (its checks are kept)",
         responses={200: PrinterSchema})
    async def delete(self, printer_id):
        printer = await run_db(service.deactivate_printer, await find_printer(printer_id))
        self.write_json(PrinterSchema().dump(printer))


class PrinterKeyHandler(BaseHandler):
    @api(WRITE_PRINTERS, tags=["printing admin"], summary="Give a printer a new api_key",
         responses={200: PrinterSchema})
    async def post(self, printer_id):
        printer = await run_db(service.regenerate_key, await find_printer(printer_id))
        self.write_json(PrinterSchema().dump(printer))


class ChecksHandler(BaseHandler):
    @api(READ_CHECKS, query=CheckListQuery(), tags=["printing admin"], summary="List checks",
         responses={200: CheckPageSchema})
    async def get(self):
        await self.write_page(CheckSchema, service.checks_query, self.query)


class SummaryHandler(BaseHandler):
    @api(READ_CHECKS, query=SummaryQuery(), tags=["printing admin"],
         summary="The dashboard's figures: silent printers, failed and waiting checks, today's orders",
         responses={200: SummarySchema})
    async def get(self):
        self.write_json(SummarySchema().dump(await run_db(service.summary, self.query["silent_for"])))


class CheckHandler(BaseHandler):
    @api(READ_CHECKS, tags=["printing admin"], summary="A check with its order and render error",
         responses={200: CheckSchema})
    async def get(self, check_id):
        self.write_json(CheckSchema().dump(await find_check(check_id)))


class CheckRetryHandler(BaseHandler):
    @api(WRITE_CHECKS, refuses={409: service.PrintingError}, tags=["printing admin"],
         summary="Render a check that failed again", responses={200: CheckSchema})
    async def post(self, check_id):
        check = await run_db(service.retry_render, await find_check(check_id))
        self.write_json(CheckSchema().dump(check))


class CheckReprintHandler(BaseHandler):
    @api(WRITE_CHECKS, refuses={409: service.PrintingError}, tags=["printing admin"],
         summary="Print a check again (back to rendered)", responses={200: CheckSchema})
    async def post(self, check_id):
        check = await run_db(service.reprint, await find_check(check_id))
        self.write_json(CheckSchema().dump(check))


class CheckPdfHandler(BaseHandler):
    @api(READ_CHECKS, refuses={409: service.PrintingError}, tags=["printing admin"],
         summary="A check's PDF, for viewing (status unchanged)", responses={200: PDF})
    async def get(self, check_id):
        await self.write_file(service.admin_pdf(await find_check(check_id)), "application/pdf")


class SeenRecorder:
    """Beside the server: `last_seen_at` of the printers that polled is written once a second."""

    def __init__(self):
        self._flusher = None

    def start(self) -> None:
        self._flusher = tornado.ioloop.PeriodicCallback(poll_cache.flush_seen, 1000)
        self._flusher.start()

    async def stop(self) -> None:
        self._flusher.stop()
        await poll_cache.flush_seen()


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


background = [Following(*poll_cache.caches), SeenRecorder(), RenderRecovery()]

routes = [
    (r"/create_checks/", CreateChecksHandler),
    (r"/new_checks/", NewChecksHandler),
    (r"/check/", CheckFileHandler),
    (r"/api/v1/printers", PrintersHandler),
    (r"/api/v1/printers/(?P<printer_id>\d{1,18})", PrinterHandler),
    (r"/api/v1/printers/(?P<printer_id>\d{1,18})/regenerate_key", PrinterKeyHandler),
    (r"/api/v1/checks", ChecksHandler),
    (r"/api/v1/printing/summary", SummaryHandler),
    (r"/api/v1/checks/(?P<check_id>\d{1,18})", CheckHandler),
    (r"/api/v1/checks/(?P<check_id>\d{1,18})/retry", CheckRetryHandler),
    (r"/api/v1/checks/(?P<check_id>\d{1,18})/reprint", CheckReprintHandler),
    (r"/api/v1/checks/(?P<check_id>\d{1,18})/pdf", CheckPdfHandler),
]
