import decimal
import zoneinfo

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

from server.printing import messages
from server.printing.models import CHECK_TYPES, STATUSES
from server.schemas import (
    INT64_MAX, AwareDateTime, FullMatch, Int, ListQuery, Money, PeriodEnd, StrictBool, Text, edit_schema, ordering,
    page_schema,
)


class Quantity(fields.Decimal):
    """A positive quantity with up to three decimals, kept as written: "2", "0.5" (not "2.000")."""

    def __init__(self, **kwargs):
        super().__init__(places=3, as_string=True,
                         validate=validate.Range(min=0, max=100000, min_inclusive=False), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        return number.quantize(decimal.Decimal(1)) if number == number.to_integral() else number.normalize()


class ItemSchema(Schema):
    name = Text(required=True, min_length=1, max_length=500, metadata={"example": "Пицца Маргарита"})
    quantity = Quantity(required=True, metadata={"example": "2"})
    unit_price = Money(required=True, metadata={"example": "450.00"})


class ClientSchema(Schema):
    name = Text(load_default="", metadata={"example": "Иван"})
    phone = Text(load_default="", max_length=50, metadata={"example": "+7 900 000-00-00"})


class OrderSchema(Schema):
    """The order the ERP sends. The checks keep the order's JSON as received (fields beyond these
    included); what this loads decides (ids, point) and is checked."""

    class Meta:
        unknown = INCLUDE

    id = Int(required=True, minimum=1, maximum=INT64_MAX, strict=True, metadata={"example": 123456})
    point_id = Int(required=True, metadata={"example": 1})
    items = fields.List(fields.Nested(ItemSchema), required=True, validate=validate.Length(min=1, max=500))
    price = Money(metadata={"example": "900.00"})
    address = Text(load_default="", max_length=1000, metadata={"example": "ул. Ленина, 1, кв. 5"})
    client = fields.Nested(ClientSchema, load_default=dict)


class OkSchema(Schema):
    ok = fields.String(required=True, metadata={"example": messages.CHECKS_CREATED})


class PrinterKeyQuery(Schema):
    api_key = Text(max_length=64, metadata={"description": "The printer's key (or the X-Api-Key header)"})


class NewChecksQuery(PrinterKeyQuery):
    wait = fields.Integer(load_default=0, validate=validate.Range(min=0, max=60),
                          metadata={"description": "Long-poll: seconds to wait for a rendered check"})


class CheckFileQuery(PrinterKeyQuery):
    check_id = Int(required=True, maximum=INT64_MAX)


class NewCheckSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 1})
    order_id = fields.Integer(metadata={"example": 123456})
    type = fields.String(metadata={"example": "client"})
    created_at = fields.DateTime()


class NewChecksSchema(Schema):
    checks = fields.List(fields.Nested(NewCheckSchema), required=True)


def known_time_zone(name: str | None) -> None:
    if not name:
        return
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(messages.BAD_TIME_ZONE) from None


class PrinterSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = Text(required=True, min_length=1, metadata={"example": "Кухня, точка 1"})
    api_key = Text(min_length=8, max_length=64, validate=FullMatch(r"^[A-Za-z0-9_\-]+$"),
                   metadata={"description": "Generated when not given", "example": "kitchen-1-key"})
    check_type = fields.String(required=True, validate=validate.OneOf(CHECK_TYPES))
    point_id = Int(required=True, metadata={"example": 1})
    is_active = StrictBool(metadata={"default": True})
    time_zone = Text(max_length=64, allow_none=True, validate=known_time_zone, metadata={
        "example": "Europe/Moscow",
        "description": "The point's time zone for the time printed on its checks (null: the TIME_ZONE setting)"})
    last_seen_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


PrinterUpdateSchema = edit_schema(PrinterSchema)


class PrinterListQuery(ListQuery):
    point_id = Int()
    check_type = fields.String(validate=validate.OneOf(CHECK_TYPES))
    is_active = fields.Boolean()
    search = Text(max_length=100)
    silent_for = Int(minimum=1, maximum=10 * 365 * 24 * 60, metadata={
        "description": "Only printers that have not polled for this many minutes (or never)"})
    sort = ordering("id", "name", "point_id", "check_type", "is_active", "last_seen_at", "created_at")


class CheckSchema(Schema):
    id = fields.Integer()
    printer = fields.Integer(attribute="printer_id")
    printer_name = fields.String(attribute="printer.name")
    point_id = fields.Integer(attribute="printer.point_id")
    type = fields.String()
    order_id = fields.Integer()
    order = fields.Dict()
    status = fields.String()
    pdf_file = fields.String(allow_none=True)
    render_attempts = fields.Integer()
    render_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    rendered_at = fields.DateTime(allow_none=True)
    printed_at = fields.DateTime(allow_none=True)


class CheckListQuery(ListQuery):
    printer = Int()
    type = fields.String(validate=validate.OneOf(CHECK_TYPES))
    status = fields.String(validate=validate.OneOf(STATUSES))
    order_id = Int(maximum=INT64_MAX)
    point_id = Int()
    created_from = AwareDateTime()
    created_to = PeriodEnd(inclusive=True)
    failed = fields.Boolean(metadata={
        "description": "true: checks whose render failed (still new, with an error); false: the others"})
    sort = ordering("id", "order_id", "type", "status", "created_at", "rendered_at", "printed_at")


class SummaryQuery(Schema):
    silent_for = Int(load_default=10, minimum=1, maximum=10 * 365 * 24 * 60, metadata={
        "description": "A printer is silent when it has not polled for this many minutes"})


class SummarySchema(Schema):
    """The figures of the dashboard's home page; each is the total of a filtered list."""

    silent_printers = fields.Integer(required=True, metadata={
        "description": "Active printers that have not polled for `silent_for` minutes (or never): "
                       "/api/v1/printers?is_active=true&silent_for=N"})
    failed_checks = fields.Integer(required=True, metadata={
        "description": "Checks whose render failed: /api/v1/checks?failed=true"})
    waiting_checks = fields.Integer(required=True, metadata={
        "description": "Checks waiting to be rendered: /api/v1/checks?status=new&failed=false"})
    orders_today = fields.Integer(required=True, metadata={
        "description": "Orders taken since midnight in TIME_ZONE"})
    checks_today = fields.Integer(required=True, metadata={
        "description": "Their checks: /api/v1/checks?created_from=<today_from>"})
    today_from = fields.DateTime(required=True, metadata={"description": "Midnight in TIME_ZONE, in UTC"})
    silent_for = fields.Integer(required=True)


PrinterPageSchema = page_schema(PrinterSchema, "PrinterPage")
CheckPageSchema = page_schema(CheckSchema, "CheckPage")
