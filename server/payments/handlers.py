"""Payments over HTTP: the bank's webhook (signed), the seed's balance endpoint, the admin REST API and
the simulator that sends a signed webhook to this server over HTTP, as a bank would."""
import asyncio
import functools
import json
import logging
import re
import shlex
import socket
from decimal import Decimal

import tornado.httpclient
import tornado.web

from server import messages as common_messages
from server.auth import Access, Needs
from server.batching import Batcher
from server.db import dumps, run_db
from server.http import ApiError, BaseHandler, JsonErrors, _reject_constant, api
from server.payments import messages, service
from server.payments.models import Organization
from server.payments.schemas import (
    AssignSchema, BalanceLogPageSchema, BalanceLogQuery, BalanceLogSchema, BalanceSchema, DeliveryListQuery,
    DeliveryPageSchema, DeliverySchema, OrganizationListQuery, OrganizationPageSchema, OrganizationSchema,
    OrganizationUpdateSchema, PaymentListQuery, PaymentPageSchema, PaymentSchema, ReconciliationSchema,
    SimulateSchema, SimulationSchema, SummarySchema, WebhookAnswerSchema, WebhookSchema, inn_is_valid,
)
from server.settings import settings
from server.signing import HEADER, BadSignature, sign, verify

log = logging.getLogger("server.payments")

READ_BALANCE = Needs("payments:balance:read")
READ_ORGANIZATIONS = Needs("payments:organizations:read")
WRITE_ORGANIZATIONS = Needs("payments:organizations:write")
READ_PAYMENTS = Needs("payments:payments:read")
READ_DELIVERIES = Needs("payments:deliveries:read")
WRITE_PAYMENTS = Needs("payments:payments:write")
SIMULATE = Needs("payments:simulator")
MAX_SIGNATURE_AGE = 300
WEBHOOK_PATH = "/api/v1/webhook/bank/"


# --- money as JSON numbers --------------------------------------------------------------------------

def money_text(value: Decimal) -> str:
    """145000 stays 145000; 145000.5 is written 145000.50."""
    if value == value.to_integral_value():
        return str(int(value))
    return str(value.quantize(Decimal("0.01")))


_PLACEHOLDER = re.compile(r'"\\u0000(\d+)\\u0000"')


def dumps_exact(data, render=money_text) -> str:
    """JSON with every Decimal written as a number (`render`ed), not a string and never via a float."""
    numbers = []

    def walk(value):
        if isinstance(value, Decimal):
            numbers.append(render(value))
            return f"\x00{len(numbers) - 1}\x00"
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [walk(item) for item in value]
        return value

    return _PLACEHOLDER.sub(lambda match: numbers[int(match.group(1))], dumps(walk(data)))


def loads_exact(text: str):
    return json.loads(text, parse_constant=_reject_constant, parse_float=Decimal)


class PaymentsBaseHandler(BaseHandler):
    """Money in as Decimal (a JSON number with a fraction is never a float here) and out as a number
    in its own form."""

    parse_float = Decimal

    def write_json(self, data, status: int = 200):
        self.set_status(status)
        self.finish(dumps_exact(data))


# --- the bank's signature ---------------------------------------------------------------------------

class BankSignature(Access):
    """A bank: `X-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with
    BANK_WEBHOOK_SECRET (several `v1=` during a rotation), at most 300 s old. Without a secret (the
    embedded profile only) anyone may send."""

    reads_body = True  # the signature is over the raw body
    challenge = 'Signature realm="receipt-hub", header="X-Signature"'
    schemes = {"bankSignature": {
        "type": "apiKey", "in": "header", "name": HEADER,
        "description": 't=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> with BANK_WEBHOOK_SECRET; '
                       "several v1= are accepted during a secret's rotation; at most 300 s old"}}

    @staticmethod
    def open_when() -> bool:
        return not settings.bank_webhook_secrets

    async def authenticate(self, handler, path_args: dict):
        secrets = settings.bank_webhook_secrets
        if not secrets:
            return None
        try:
            verify(handler.request.headers.get(HEADER), handler.request.body, secrets, MAX_SIGNATURE_AGE)
        except BadSignature as refusal:
            raise ApiError(401, messages.BAD_SIGNATURE, {HEADER: [str(refusal)]},
                           headers={"WWW-Authenticate": self.challenge}) from None
        return None

    def describe(self) -> str:
        return ("A bank: the body signed in `X-Signature` with BANK_WEBHOOK_SECRET (required whenever the "
                "secret is set: always on the production profile).")

    def access_cases(self) -> list[tuple[str | None, str]]:
        if self.open_when():
            return [(None, "allowed")]
        return [(None, "401"), ("bank", "allowed")]

    def test_request(self, who: str, body: bytes, password_of) -> dict:
        return {"headers": {HEADER: sign(body, settings.bank_webhook_secrets[:1])}}


BANK = BankSignature()

# Webhooks that arrive while the database is busy with earlier ones are taken together: one
# transaction and one commit for the batch, each still answered for itself. Four batches at once, not
# two: a batch holding a repeat of an operation that another batch is inserting waits on the unique
# index until that one commits, and the others need not wait behind it (bench/payments.py, each sent
# twice: 22-24% of the ceiling with two, 25-31% with four).
webhooks = Batcher(service.receive_webhooks, in_flight=4)


def refusal_reason(status: int, error) -> str:
    if isinstance(error, ApiError):
        details = json.dumps(error.details, ensure_ascii=False) if error.details else ""
        return error.message + (": " + details if details else "")
    return common_messages.BY_STATUS.get(status, common_messages.ERROR)


def logs_refusals(method):
    """Outside `@api`: a delivery refused by the signature check or the body's validation is logged
    (with why) before the refusal is answered."""

    @functools.wraps(method)  # keeps `endpoint`, which `@api` put on it
    async def wrapper(self, *args, **kwargs):
        try:
            return await method(self, *args, **kwargs)
        except ApiError as error:
            if not self._logged:
                self._logged = True
                await run_db(service.record_refusal, self.request.body or b"", error.status_code,
                             refusal_reason(error.status_code, error), self.client_ip())
            raise

    return wrapper


class WebhookHandler(PaymentsBaseHandler):
    """Every delivery is kept: those taken are logged in their own transaction by the logic; those
    refused are logged before they are answered (refused before the body is read, as 413 or 415: just
    after)."""

    _logged = False

    @logs_refusals
    @api(BANK, body=WebhookSchema(), invalid_body_message=messages.INVALID_WEBHOOK, tags=["payments"],
         summary="A bank's notification of an incoming payment (idempotent by operation_id)",
         description="A new operation is stored and credited (or kept `unmatched` when no organization "
                     "has the INN yet) in one transaction: 200. The same operation again: nothing "
                     "changes, 200 `duplicate`. The same operation_id with another amount or INN: "
                     "nothing changes, 409 (logged).",
         responses={200: WebhookAnswerSchema, 409: {"description": messages.CONFLICT, "content": {
             "application/json": {"schema": {"$ref": "#/components/schemas/Error"},
                                  "example": {"error": messages.CONFLICT}}}}})
    async def post(self):
        self._logged = True
        result = await webhooks.submit((self.body, self.request.body.decode("utf-8"), self.client_ip()))
        if result["outcome"] == "conflict":
            raise ApiError(409, messages.CONFLICT)
        text = {"credited": messages.CREDITED, "unmatched": messages.UNMATCHED,
                "duplicate": messages.DUPLICATE}[result["outcome"]]
        # no money in the answer: written by `dumps` at once, without dumps_exact's walk for Decimals
        self.finish(dumps({"status": result["outcome"], "operation_id": str(self.body["operation_id"]),
                           "message": text}))

    def write_error(self, status_code: int, **kwargs):
        super().write_error(status_code, **kwargs)
        if not self._logged:  # refused in prepare(), before the body was read
            self._logged = True
            reason = refusal_reason(status_code, kwargs.get("exc_info", (None, None, None))[1])
            asyncio.ensure_future(run_db(service.record_refusal, b"".join(getattr(self, "_chunks", [])),
                                         status_code, reason, self.client_ip()))


# --- balance ----------------------------------------------------------------------------------------

INN_PATTERN = r"(?P<inn>\d{10}|\d{12})"


class BalanceHandler(PaymentsBaseHandler):
    @api(READ_BALANCE, tags=["payments"], summary="An organization's balance, by INN (the seed's shape)",
         responses={200: BalanceSchema})
    async def get(self, inn):
        balance = await run_db(service.balance_of, inn)
        if balance is None:
            raise ApiError(404, messages.NO_SUCH_ORGANIZATION)
        self.write_json({"inn": inn, "balance": balance})


# --- admin: organizations ---------------------------------------------------------------------------

ORGANIZATION_PATTERN = r"(?P<inn>\d{12}|\d{10}|\d{1,9})"


async def find_organization(key: str) -> Organization:
    """By INN (10 or 12 digits) or, shorter, by id (the dashboard's records are keyed by id)."""
    if len(key) in (10, 12):
        organization = await run_db(service.organization_by_inn, key)
    else:
        organization = await run_db(service.get_organization, int(key))
    if organization is None:
        raise ApiError(404, messages.NO_SUCH_ORGANIZATION)
    return organization


class OrganizationsHandler(PaymentsBaseHandler):
    @api(READ_ORGANIZATIONS, query=OrganizationListQuery(), tags=["payments admin"],
         summary="List organizations (search by INN or name)", responses={200: OrganizationPageSchema})
    async def get(self):
        await self.write_page(OrganizationSchema, service.organizations_query, self.query)

    @api(WRITE_ORGANIZATIONS, body=OrganizationSchema(), refuses={409: service.InnTaken},
         tags=["payments admin"], summary="Create an organization (its unmatched payments are credited)",
         responses={201: OrganizationSchema})
    async def post(self):
        organization = await run_db(service.create_organization, self.body)
        self.write_json(OrganizationSchema().dump(organization), 201)


class OrganizationHandler(PaymentsBaseHandler):
    @api(READ_ORGANIZATIONS, tags=["payments admin"], summary="An organization, by INN (or by id)",
         responses={200: OrganizationSchema})
    async def get(self, inn):
        self.write_json(OrganizationSchema().dump(await find_organization(inn)))

    @api(WRITE_ORGANIZATIONS, body=OrganizationUpdateSchema(), tags=["payments admin"],
         summary="Rename an organization", responses={200: OrganizationSchema})
    async def patch(self, inn):
        organization = await run_db(service.rename_organization, await find_organization(inn), self.body)
        self.write_json(OrganizationSchema().dump(organization))

    @api(WRITE_ORGANIZATIONS, refuses={409: service.HasPayments}, tags=["payments admin"],
         summary="Delete an organization that has no payments", responses={204: None})
    async def delete(self, inn):
        await run_db(service.delete_organization, await find_organization(inn))
        self.set_status(204)
        self.finish()


class BalanceLogHandler(PaymentsBaseHandler):
    @api(READ_ORGANIZATIONS, query=BalanceLogQuery(), tags=["payments admin"],
         summary="An organization's balance log", responses={200: BalanceLogPageSchema})
    async def get(self, inn):
        organization = await find_organization(inn)
        await self.write_page(BalanceLogSchema, service.balance_log_query(organization), self.query)


# --- admin: payments, deliveries, reconciliation ----------------------------------------------------

class PaymentsListHandler(PaymentsBaseHandler):
    @api(READ_PAYMENTS, query=PaymentListQuery(), tags=["payments admin"],
         summary="List payments (filters: INN, status, dates)", responses={200: PaymentPageSchema})
    async def get(self):
        await self.write_page(PaymentSchema, service.payments_query, self.query)


class PaymentHandler(PaymentsBaseHandler):
    @api(READ_PAYMENTS, tags=["payments admin"], summary="A payment", responses={200: PaymentSchema})
    async def get(self, payment_id):
        payment = await run_db(service.get_payment, int(payment_id))
        if payment is None:
            raise ApiError(404, messages.NO_SUCH_PAYMENT)
        self.write_json(PaymentSchema().dump(payment))


class AssignHandler(PaymentsBaseHandler):
    @api(WRITE_PAYMENTS, body=AssignSchema(),
         refuses={404: (service.NoSuchPayment, service.NoSuchOrganization), 409: service.NotUnmatched},
         tags=["payments admin"], summary="Credit an unmatched payment to an organization",
         responses={200: PaymentSchema})
    async def post(self, payment_id):
        payment = await run_db(service.assign_payment, int(payment_id), self.body)
        self.write_json(PaymentSchema().dump(payment))


class DeliveriesHandler(PaymentsBaseHandler):
    @api(READ_DELIVERIES, query=DeliveryListQuery(), tags=["payments admin"],
         summary="Every webhook received, with its outcome", responses={200: DeliveryPageSchema})
    async def get(self):
        await self.write_page(DeliverySchema, service.deliveries_query, self.query)


class ReconciliationHandler(PaymentsBaseHandler):
    @api(READ_PAYMENTS, tags=["payments admin"], summary="The last reconciliation of balances",
         responses={200: ReconciliationSchema})
    async def get(self):
        run = await run_db(service.last_reconciliation)
        self.write_json(ReconciliationSchema().dump(service.reconciliation_view(run)))

    @api(WRITE_PAYMENTS, tags=["payments admin"], summary="Reconcile the balances now",
         responses={200: ReconciliationSchema})
    async def post(self):
        run = await run_db(service.reconcile)
        self.write_json(ReconciliationSchema().dump(service.reconciliation_view(run)))


class SummaryHandler(PaymentsBaseHandler):
    @api(READ_PAYMENTS, tags=["payments admin"],
         summary="Unmatched payments, conflicts, refusals and the last reconciliation (home card)",
         responses={200: SummarySchema})
    async def get(self):
        self.write_json(SummarySchema().dump(await run_db(service.summary)))


# --- the simulator ----------------------------------------------------------------------------------

def curl_command(url: str, headers: dict, body: str) -> str:
    parts = ["curl", "-i", "-X", "POST", url]
    for name, value in headers.items():
        parts += ["-H", f"{name}: {value}"]
    parts += ["--data-binary", body]
    return " ".join(shlex.quote(part) for part in parts)


class SimulatorHandler(PaymentsBaseHandler):
    @api(SIMULATE, body=SimulateSchema(), tags=["payments admin"],
         summary="Send a webhook to this server over HTTP, signed as a bank would",
         description="The server signs the body with BANK_WEBHOOK_SECRET (unless `sign` is false) and "
                     "posts it to its own POST /api/v1/webhook/bank/; the answer holds the request, the "
                     "response and the organization's balance before and after.",
         responses={200: SimulationSchema})
    async def post(self):
        data = dict(self.body)
        signed = data.pop("sign")
        body = dumps_exact(data, render=str)
        address, port = self.request.connection.stream.socket.getsockname()[:2]
        host = address if self.request.connection.stream.socket.family == socket.AF_INET else f"[{address}]"
        if host in ("0.0.0.0", "[::]"):
            host = "127.0.0.1"
        url = f"http://{host}:{port}{WEBHOOK_PATH}"
        headers = {"Content-Type": "application/json"}
        if signed and settings.bank_webhook_secrets:
            headers[HEADER] = sign(body.encode(), settings.bank_webhook_secrets[:1])
        inn = str(data.get("payer_inn", ""))
        known = inn_is_valid(inn)
        before = await run_db(service.balance_of, inn) if known else None
        response = await tornado.httpclient.AsyncHTTPClient().fetch(
            url, method="POST", headers=headers, body=body, raise_error=False, request_timeout=30)
        after = await run_db(service.balance_of, inn) if known else None
        text = response.body.decode("utf-8", "replace") if response.body else ""
        try:
            answered = loads_exact(text)
        except ValueError:
            answered = text
        self.write_json({
            "request": {"method": "POST", "url": url, "headers": headers, "body": body},
            "response": {"status": response.code, "body": answered},
            "curl": curl_command(url, headers, body),
            "balance_before": before, "balance_after": after,
        })


class SimulatorPageRedirect(JsonErrors, tornado.web.RedirectHandler):
    """The seed's simulator addresses lead to the dashboard's simulator page."""

    public = True


SIMULATOR_PAGE = "/admin/webhook/bank/simulator/"

routes = [
    (r"/api/v1/webhook/bank/", WebhookHandler),
    (rf"/api/v1/organizations/{INN_PATTERN}/balance/", BalanceHandler),
    (r"/api/v1/organizations", OrganizationsHandler),
    (rf"/api/v1/organizations/{ORGANIZATION_PATTERN}", OrganizationHandler),
    (rf"/api/v1/organizations/{ORGANIZATION_PATTERN}/balance-log", BalanceLogHandler),
    (r"/api/v1/payments", PaymentsListHandler),
    (r"/api/v1/payments/(?P<payment_id>\d{1,18})", PaymentHandler),
    (r"/api/v1/payments/(?P<payment_id>\d{1,18})/assign", AssignHandler),
    (r"/api/v1/payments/simulate", SimulatorHandler),
    (r"/api/v1/payments/summary", SummaryHandler),
    (r"/api/v1/payments/reconciliation", ReconciliationHandler),
    (r"/api/v1/webhook-deliveries", DeliveriesHandler),
    (r"/webhook/bank/simulator/?", SimulatorPageRedirect, {"url": SIMULATOR_PAGE}),
    (r"/swagger/webhook/bank/imitation/?", SimulatorPageRedirect, {"url": SIMULATOR_PAGE}),
]
