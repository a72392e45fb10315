import decimal

from marshmallow import INCLUDE, Schema, fields, validate

from server.printing import messages
from server.printing.models import CHECK_TYPES, STATUSES
from server.schemas import (
    INT64_MAX, AwareDateTime, FullMatch, Int, ListQuery, Money, StrictBool, Text, edit_schema, ordering, page_schema,
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
    """The order the ERP sends. Fields beyond these are kept with the order as they came; what it
    loads is stored as it is (its decimals become JSON text as written)."""

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


class PrinterSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = Text(required=True, min_length=1, metadata={"example": "Кухня, точка 1"})
    api_key = Text(min_length=8, max_length=64, validate=FullMatch(r"^[A-Za-z0-9_\-]+$"),
                   metadata={"description": "Generated when not given", "example": "kitchen-1-key"})
    check_type = fields.String(required=True, validate=validate.OneOf(CHECK_TYPES))
    point_id = Int(required=True, metadata={"example": 1})
    is_active = StrictBool(metadata={"default": True})
    last_seen_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


PrinterUpdateSchema = edit_schema(PrinterSchema)


class PrinterListQuery(ListQuery):
    point_id = Int()
    check_type = fields.String(validate=validate.OneOf(CHECK_TYPES))
    is_active = fields.Boolean()
    search = Text(max_length=100)
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
    created_to = AwareDateTime()
    sort = ordering("id", "order_id", "type", "status", "created_at", "rendered_at", "printed_at")


PrinterPageSchema = page_schema(PrinterSchema, "PrinterPage")
CheckPageSchema = page_schema(CheckSchema, "CheckPage")
