"""Fiscal over HTTP: the seed's receipt registration and reading services under /service_groups/, the
shift endpoints, and the admin REST API of service groups, access lists, devices and models."""
import asyncio

from apispec.ext.marshmallow import OpenAPIConverter

from server.auth import Needs
from server.batching import Batcher
from server.cache import ExpiringCache, Following
from server.db import run_db
from server.events import events
from server.fiscal import messages, service
from server.fiscal.drivers import DRIVERS
from server.fiscal.models import ServiceGroup
from server.fiscal.schemas import (
    AcceptedSchema, AccessListSchema, AccessSchema, CashRegisterModelPageSchema, ReceiptListQuery,
    ReceiptPageSchema, ReceiptReportSchema, ReceiptSchema, ReceiptWaitQuery, ServiceGroupListQuery,
    ServiceGroupPageSchema, ServiceGroupSchema, ServiceGroupUpdateSchema, ShiftReportSchema,
)
from server.http import ApiError, BaseHandler, api
from server.settings import settings

IDEMPOTENCY_KEY_MAX = 128
access_cache = ExpiringCache(service.ACCESS_TOPIC, lifetime=60)
# Receipts posted while earlier ones are being stored are stored together: one transaction, one queued
# registration task per device.
intake = Batcher(service.accept_receipts, in_flight=2)
# Receipts read by waiting clients (many wake at once when a device's batch is registered): one query.
reads = Batcher(service.find_receipts, in_flight=2)


def group_member(user, group_id, **_) -> bool:
    """users on the group's access list"""
    try:
        return service.group_member(user, int(group_id))
    except service.NoSuchGroup:
        raise ApiError(404, messages.NO_SUCH_GROUP) from None


def group_needs(permission: str) -> Needs:
    """The group's scope is checked for admins too: an unknown group is 404 for everyone, before the
    body is read or validated. Who may use which group is remembered (`access_cache`) until the group's
    access list changes."""
    return Needs(permission, scope=group_member, scope_admins=True, scope_cache=access_cache, record="group_id")


WRITE_RECEIPTS = group_needs("fiscal:receipts:write")
READ_RECEIPTS = group_needs("fiscal:receipts:read")
SHIFTS = group_needs("fiscal:shifts:write")
READ_SHIFTS = group_needs("fiscal:shifts:read")
READ_GROUPS = Needs("fiscal:groups:read")
WRITE_GROUPS = Needs("fiscal:groups:write")
INVALID = {400: service.Invalid}
GONE = {404: service.NoSuchGroup}  # deleted while the request was on its way


def raise_invalid(error: service.Invalid):
    raise ApiError(400, str(error), error.details) from None


def receipt_location(handler, group_id, receipt_id) -> str:
    return f"{handler.request.protocol}://{handler.request.host}/service_groups/{group_id}/receipts/{receipt_id}"


class ReceiptsHandler(BaseHandler):
    @api(WRITE_RECEIPTS, body=ReceiptSchema(), invalid_body_message=messages.INVALID_RECEIPT,
         refuses={409: (service.DeviceNotRunning, service.ShiftExpiredRefusal, service.IdempotencyConflict),
                  404: service.NoSuchGroup},
         tags=["fiscal"], summary="Register a receipt (asynchronously: in_process, then success or error)",
         description="An `Idempotency-Key` header (or the same `order_id` and `receiptType` in the group) "
                     "answers the first receipt again and registers nothing; the same key with another body "
                     "is 409.", responses={200: AcceptedSchema})
    async def post(self, group_id):
        key = self.request.headers.get("Idempotency-Key")
        if key is not None and not (0 < len(key) <= IDEMPOTENCY_KEY_MAX and key.isprintable()):
            raise ApiError(400, messages.INVALID_RECEIPT,
                           {"Idempotency-Key": [messages.IDEMPOTENCY_KEY_FORM.format(limit=IDEMPOTENCY_KEY_MAX)]})
        try:
            receipt, _ = await intake.submit((int(group_id), self.current_user, self.body, key))
        except service.Invalid as error:
            raise_invalid(error)
        self.write_json({"id": str(receipt.id), "location": receipt_location(self, group_id, receipt.id)})

    @api(READ_RECEIPTS, query=ReceiptListQuery(), tags=["fiscal"],
         summary="The group's receipts (filters: state, receiptType, from, to)", responses={200: ReceiptPageSchema})
    async def get(self, group_id):
        items, total = await run_db(service.receipts_page, int(group_id), self.query)
        self.write_json({"items": items, "total": total})


class ReceiptHandler(BaseHandler):
    @api(READ_RECEIPTS, query=ReceiptWaitQuery(), tags=["fiscal"],
         summary="A receipt's report (wait=N: answer as soon as it leaves in_process, N <= 30 s)",
         responses={200: ReceiptReportSchema})
    async def get(self, group_id, receipt_id):
        async def read():
            return await reads.submit((int(group_id), int(receipt_id)))

        receipt = await events.wait_for(service.topic(int(receipt_id)), read,
                                        lambda r: r is None or r.state != "in_process", self.query["wait"],
                                        self.connection_closed())
        if receipt is None:
            raise ApiError(404, messages.NO_SUCH_RECEIPT)
        if not self.request.connection.stream.closed():
            self.write_json(service.receipt_report(receipt))


class ReceiptRetryHandler(BaseHandler):
    @api(WRITE_RECEIPTS, refuses={409: service.NotFailed, 404: service.NoSuchGroup}, tags=["fiscal"],
         summary="Register a receipt that ended in error again (back to in_process)",
         description="Only a receipt in `error` (409 otherwise). Its number is taken at the new registration: "
                     "a receipt in error never had one.", responses={200: ReceiptReportSchema})
    async def post(self, group_id, receipt_id):
        receipt = await run_db(service.retry_receipt, int(group_id), int(receipt_id))
        if receipt is None:
            raise ApiError(404, messages.NO_SUCH_RECEIPT)
        self.write_json(service.receipt_report(receipt))


SVG = {"content": {"image/svg+xml": {"schema": {"type": "string"}}}, "description": "The receipt's QR code"}


class ReceiptQrHandler(BaseHandler):
    @api(READ_RECEIPTS, refuses={409: service.NotRegistered, 404: service.NoSuchGroup}, tags=["fiscal"],
         summary="The receipt's QR code as an SVG image (once registered)", responses={200: SVG})
    async def get(self, group_id, receipt_id):
        receipt = await run_db(service.find_receipt, int(group_id), int(receipt_id))
        if receipt is None:
            raise ApiError(404, messages.NO_SUCH_RECEIPT)
        self.set_header("Content-Type", "image/svg+xml")
        self.finish(service.qr_svg(receipt))


class ShiftOpenHandler(BaseHandler):
    @api(SHIFTS, refuses={409: (service.DeviceNotRunning, service.ShiftAlreadyOpen), 404: service.NoSuchGroup},
         tags=["fiscal"],
         summary="Open a shift", responses={200: ShiftReportSchema})
    async def post(self, group_id):
        self.write_json(ShiftReportSchema().dump(await run_db(service.open_shift, int(group_id))))


class ShiftCloseHandler(BaseHandler):
    @api(SHIFTS, refuses={409: (service.DeviceNotRunning, service.ShiftNotOpen), 404: service.NoSuchGroup},
         tags=["fiscal"],
         summary="Close the shift: the Z report", responses={200: ShiftReportSchema})
    async def post(self, group_id):
        self.write_json(ShiftReportSchema().dump(await run_db(service.close_shift, int(group_id))))


class ShiftHandler(BaseHandler):
    @api(READ_SHIFTS, refuses={404: (service.ShiftNotOpen, service.NoSuchGroup)}, tags=["fiscal"],
         summary="The open shift: the X report", responses={200: ShiftReportSchema})
    async def get(self, group_id):
        self.write_json(ShiftReportSchema().dump(await run_db(service.current_shift, int(group_id))))


async def find_group(group_id: str) -> ServiceGroup:
    group = await run_db(service.find_group, int(group_id))
    if group is None:
        raise ApiError(404, messages.NO_SUCH_GROUP)
    return group


def group_json(view: dict) -> dict:
    return ServiceGroupSchema().dump(view)


class ServiceGroupsHandler(BaseHandler):
    @api(READ_GROUPS, query=ServiceGroupListQuery(), tags=["fiscal admin"],
         summary="Service groups with their devices and shifts", responses={200: ServiceGroupPageSchema})
    async def get(self):
        items, total = await run_db(service.groups_page, self.query)
        self.write_json({"items": [group_json(i) for i in items], "total": total})

    @api(WRITE_GROUPS, body=ServiceGroupSchema(), refuses=INVALID, tags=["fiscal admin"],
         summary="Create a service group with its cash register (model and config)",
         responses={201: ServiceGroupSchema})
    async def post(self):
        try:
            group = await run_db(service.create_group, self.body)
        except service.Invalid as error:
            raise_invalid(error)
        self.write_json(group_json(await run_db(service.group_view, group)), 201)


class ServiceGroupHandler(BaseHandler):
    @api(READ_GROUPS, refuses=GONE, tags=["fiscal admin"], summary="A service group",
         responses={200: ServiceGroupSchema})
    async def get(self, group_id):
        self.write_json(group_json(await run_db(service.group_view, await find_group(group_id))))

    @api(WRITE_GROUPS, body=ServiceGroupUpdateSchema(), refuses=GONE, tags=["fiscal admin"],
         summary="Rename a service group, or change its device's model or config",
         responses={200: ServiceGroupSchema})
    async def patch(self, group_id):
        group = await find_group(group_id)
        try:
            group = await run_db(service.save_group, group, self.body)
        except service.Invalid as error:
            raise_invalid(error)
        self.write_json(group_json(await run_db(service.group_view, group)))

    @api(WRITE_GROUPS, refuses={409: service.GroupHasReceipts, **GONE}, tags=["fiscal admin"],
         summary="Delete a service group and its device; one with fiscal receipts is 409",
         responses={200: ServiceGroupSchema})
    async def delete(self, group_id):
        group = await find_group(group_id)
        view = await run_db(service.group_view, group)
        await run_db(service.delete_group, group)
        self.write_json(group_json(view))


class AccessHandler(BaseHandler):
    @api(READ_GROUPS, refuses=GONE, tags=["fiscal admin"], summary="The users allowed to use the group",
         responses={200: AccessListSchema})
    async def get(self, group_id):
        group = await find_group(group_id)
        self.write_json(await run_db(service.access_of, group.id))

    @api(WRITE_GROUPS, body=AccessSchema(), refuses=GONE, tags=["fiscal admin"],
         summary="Replace the group's access list",
         responses={200: AccessListSchema})
    async def put(self, group_id):
        group = await find_group(group_id)
        try:
            self.write_json(await run_db(service.set_access, group.id, self.body["user_ids"]))
        except service.Invalid as error:
            raise_invalid(error)


class DeviceSwitch(BaseHandler):
    async def switch(self, group_id: str, running: bool):
        group = await find_group(group_id)
        await run_db(service.set_device_running, group.id, running)
        self.write_json(group_json(await run_db(service.group_view, group)))


class DeviceStartHandler(DeviceSwitch):
    @api(WRITE_GROUPS, refuses=GONE, tags=["fiscal admin"], summary="Start the group's cash register (Пуск)",
         responses={200: ServiceGroupSchema})
    async def post(self, group_id):
        await self.switch(group_id, True)


class DeviceStopHandler(DeviceSwitch):
    @api(WRITE_GROUPS, refuses=GONE, tags=["fiscal admin"], summary="Stop the group's cash register (Стоп)",
         responses={200: ServiceGroupSchema})
    async def post(self, group_id):
        await self.switch(group_id, False)


_converter = OpenAPIConverter(openapi_version="3.0.2", schema_name_resolver=lambda schema: None, spec=None)


def model_json(driver) -> dict:
    return {"id": driver.name, "name": driver.name, "title": driver.title,
            "config_schema": _converter.schema2jsonschema(driver.config_schema),
            "defaults": driver.config_schema().dump(driver.config_schema().load({}))}


class CashRegisterModelsHandler(BaseHandler):
    @api(READ_GROUPS, tags=["fiscal admin"], summary="Cash register models (drivers) with their config schemas",
         responses={200: CashRegisterModelPageSchema})
    async def get(self):
        items = [model_json(driver) for driver in DRIVERS.values()]
        self.write_json({"items": items, "total": len(items)})


class RegistrationRecovery:
    """On the embedded profile, the registrations the last run still had queued in its memory are
    queued again when the server starts (registering is idempotent)."""

    def __init__(self):
        self._requeue = None

    def start(self) -> None:
        if settings.embedded:
            self._requeue = asyncio.ensure_future(run_db(service.unfinished_receipts))

    async def stop(self) -> None:
        if self._requeue is not None:
            await self._requeue


background = [Following(access_cache), RegistrationRecovery()]

GROUP = r"/service_groups/(?P<group_id>\d{1,18})"
ADMIN_GROUP = r"/api/v1/service-groups/(?P<group_id>\d{1,18})"

routes = [
    (GROUP + r"/receipts/?", ReceiptsHandler),
    (GROUP + r"/receipts/(?P<receipt_id>\d{1,18})/?", ReceiptHandler),
    (GROUP + r"/receipts/(?P<receipt_id>\d{1,18})/qr", ReceiptQrHandler),
    (GROUP + r"/receipts/(?P<receipt_id>\d{1,18})/retry", ReceiptRetryHandler),
    (GROUP + r"/shift/open", ShiftOpenHandler),
    (GROUP + r"/shift/close", ShiftCloseHandler),
    (GROUP + r"/shift", ShiftHandler),
    (r"/api/v1/service-groups", ServiceGroupsHandler),
    (ADMIN_GROUP, ServiceGroupHandler),
    (ADMIN_GROUP + r"/access", AccessHandler),
    (ADMIN_GROUP + r"/device/start", DeviceStartHandler),
    (ADMIN_GROUP + r"/device/stop", DeviceStopHandler),
    (r"/api/v1/cash-register-models", CashRegisterModelsHandler),
]
