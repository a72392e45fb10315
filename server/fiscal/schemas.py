"""Fiscal schemas: the receipt the REST clients send (every rule of fiscal.md), the receipt report, the
admin's service groups, access lists and models."""
import datetime as dt
import re
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from server.fiscal import messages
from server.fiscal.models import (
    CORRECTION_TYPES, DEVICE_STATES, PAYMENT_TYPES, RECEIPT_STATES, RECEIPT_TYPES, TAX_SYSTEMS,
)
from server.schemas import (
    INT64_MAX, AwareDateTime, FullMatch, Int, ListQuery, Money, PeriodEnd, Quantity, StrictBool, Text, edit_schema,
    ordering, page_schema,
)

KOPECK = Decimal("0.01")
MAX_TOTAL = Decimal("9999999999.99")  # a receipt's total, as any one amount


def one_of(choices, **kwargs) -> Int:
    """An Int that must be one of `choices`."""
    field = Int(minimum=min(choices), maximum=max(choices), **kwargs)
    field.validators.append(validate.OneOf(choices))
    field.metadata.setdefault("enum", list(choices))
    return field


class CorrectionDate(fields.Field):
    """`dd.mm.yyyy` (the seed's `dd:mm:yyyy` too), a real date, not in the future; kept as dd.mm.yyyy."""

    FORM = re.compile(r"([0-9]{2})([.:])([0-9]{2})\2([0-9]{4})")  # one separator throughout

    def _deserialize(self, value, attr, data, **kwargs):
        written = self.FORM.fullmatch(value) if isinstance(value, str) else None
        if written is None:
            raise ValidationError(messages.BAD_DATE)
        try:
            day = dt.date(int(written[4]), int(written[3]), int(written[1]))
        except ValueError:
            raise ValidationError(messages.BAD_DATE) from None
        if day > dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=1):
            raise ValidationError("Дата коррекции не может быть в будущем.")
        return f"{day.day:02}.{day.month:02}.{day.year:04}"  # strftime writes the year 1 as "1"

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class ProductSchema(Schema):
    name = Text(required=True, min_length=1, max_length=128, metadata={"example": "Grain crusher"})
    payment_state_int = Int(required=True, minimum=1, maximum=4, strict=True,
                            metadata={"description": "1 full prepayment, 2 prepayment, 3 advance, 4 full payment",
                                      "example": 1})
    price = Money(required=True, exact=True, metadata={"example": "100.00"})
    commodity_type_int = one_of([1, 4], required=True, strict=True,
                             metadata={"description": "1 product, 4 service", "example": 1})
    quantity = Quantity(required=True, metadata={"example": "2"})
    tax_type_int = Int(load_default=6, minimum=1, maximum=6, strict=True,
                       metadata={"description": "VAT rate (6: without VAT)", "example": 6})
    quantity_unit = Text(load_default=None, allow_none=True, max_length=16)


class PaymentSchema(Schema):
    payment_type_int = one_of(PAYMENT_TYPES, required=True, strict=True, metadata={"description": "0 cash, 1 card, 2 prepayment", "example": 1})
    payment_sum = Money(required=True, minimum="0.01", exact=True, metadata={"example": "200.00"})


class ReceiptSchema(Schema):
    """A receipt to register. Unknown fields are refused by name."""

    order_id = Int(load_default=None, allow_none=True, minimum=0, maximum=INT64_MAX, strict=True,
                   metadata={"example": 123})
    receiptType = one_of(RECEIPT_TYPES, required=True, strict=True,
                      metadata={"description": "1 sell, 2 sell refund, 7 sell correction, 8 sell refund "
                                               "correction, 4 purchase, 5 purchase refund, 9 purchase correction, "
                                               "10 purchase refund correction", "example": 1})
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=255),
                         metadata={"example": "example@mail.ru"})
    phone_number = Text(load_default=None, allow_none=True, max_length=20,
                        validate=FullMatch(r"^\+?[0-9]{10,15}$"), metadata={"example": "+79001234567"})
    tax_system = one_of(TAX_SYSTEMS, load_default=None, allow_none=True, strict=True,
                     metadata={"description": "1 OSN, 2 USN6, 4 USN15, 8 ENVD, 16 ESN, 32 Patent; one the device "
                                              "allows (its first when left out)", "example": 1})
    need_print = StrictBool(load_default=False)
    products = fields.List(fields.Nested(ProductSchema), required=True, validate=validate.Length(min=1, max=100))
    payments = fields.List(fields.Nested(PaymentSchema), required=True, validate=validate.Length(min=1, max=10))
    mistaken_receipt_number = Text(load_default=None, allow_none=True, min_length=1, max_length=16)
    correction_reason = Text(load_default=None, allow_none=True, min_length=1, max_length=255)
    correction_date = CorrectionDate(load_default=None, allow_none=True,
                                     metadata={"type": "string", "example": "22.10.2020"})
    doc_number = Text(load_default=None, allow_none=True, min_length=1, max_length=64)
    precept = StrictBool(load_default=None, allow_none=True)
    callback_url = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"},
                              validate=validate.Length(max=1000))

    @validates_schema(skip_on_field_errors=True)
    def check_rules(self, data, **kwargs):
        errors = {}
        if not data.get("email") and not data.get("phone_number"):
            errors["email"] = [messages.CONTACT_REQUIRED]
            errors["phone_number"] = [messages.CONTACT_REQUIRED]
        if data.get("receiptType") in CORRECTION_TYPES:
            for name in ("correction_reason", "correction_date", "doc_number", "precept",
                         "mistaken_receipt_number"):
                if data.get(name) is None:
                    errors[name] = [messages.CORRECTION_REQUIRED]
        products, payments = data.get("products"), data.get("payments")
        if products and commodities_total(products) > MAX_TOTAL:
            errors["products"] = [f"Сумма чека не может превышать {MAX_TOTAL}"]
        elif products and payments:
            total = commodities_total(products)
            paid = sum((p["payment_sum"] for p in payments), Decimal(0))
            cash = sum((p["payment_sum"] for p in payments if p["payment_type_int"] == 0), Decimal(0))
            if not (paid == total or (paid > total and paid - total <= cash)):
                errors["payments"] = [f"{messages.PAYMENTS_DO_NOT_MATCH}: {paid} / {total}"]
        if errors:
            raise ValidationError(errors)


def line_total(product: dict) -> Decimal:
    from decimal import ROUND_HALF_UP

    return (Decimal(product["price"]) * Decimal(product["quantity"])).quantize(KOPECK, ROUND_HALF_UP)


def commodities_total(products: list[dict]) -> Decimal:
    return sum((line_total(p) for p in products), Decimal("0.00"))


class AcceptedSchema(Schema):
    id = fields.String(required=True, metadata={"example": "10"})
    location = fields.String(required=True,
                             metadata={"example": "http://localhost:8000/service_groups/1/receipts/10"})


class CommoditySchema(Schema):
    name = fields.String()
    quantity = fields.String()
    price = fields.String()
    commodity_type_int = fields.Integer()
    payment_state_int = fields.Integer()
    quantity_prec = fields.Integer()
    quantity_unit = fields.String(allow_none=True)
    tax_type_int = fields.Integer()


class ReportPaymentSchema(Schema):
    payment_sum = fields.String()
    payment_type_int = fields.Integer()


class ReceiptReportSchema(Schema):
    """The receipt as the seed's reading service answers it (`payment_sum` spelled right), with `qr`
    and `error`."""

    id = fields.Integer()
    order_id = fields.Integer(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    service_id = fields.Integer()
    receiptType = fields.Integer()
    mistaken_receipt_number = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone_number = fields.String(allow_none=True)
    registrator_id = fields.Integer()
    fiscal_sign = fields.String(allow_none=True, metadata={"example": "89198483"})
    registration_datetime = fields.String(allow_none=True)
    cashier = fields.String(allow_none=True)
    shift_num = fields.Integer(allow_none=True)
    tax_system = fields.Integer(allow_none=True)
    correction_data = fields.Dict(allow_none=True)
    receipt_in_shift_num = fields.Integer(allow_none=True)
    need_print = fields.Boolean()
    receipt_num = fields.Integer(allow_none=True)
    payments_total = fields.String(metadata={"example": "200.00"})
    commodities_total_cost = fields.String(metadata={"example": "200.00"})
    change = fields.String(metadata={"example": "0.00"})
    commodities = fields.List(fields.Nested(CommoditySchema))
    payments = fields.List(fields.Nested(ReportPaymentSchema))
    state = fields.String(validate=validate.OneOf(RECEIPT_STATES))
    error = fields.String(allow_none=True)
    registration_number = fields.String(allow_none=True)
    registrator_serial = fields.String(allow_none=True)
    fn_serial = fields.String(allow_none=True)
    ffd_version = fields.String(allow_none=True)
    ofd_name = fields.String(allow_none=True)
    ffd_inn = fields.String(allow_none=True, metadata={"description": "The OFD's INN (the seed's name)"})
    ofd_inn = fields.String(allow_none=True)
    company_name = fields.String(allow_none=True)
    company_inn = fields.String(allow_none=True)
    operations_address = fields.String(allow_none=True)
    operations_place = fields.String(allow_none=True)
    qr = fields.String(allow_none=True, metadata={
        "example": "t=20201022T1443&s=200.00&fn=9999078900000001&i=1&fp=89198483&n=1"})
    callback_url = fields.String(allow_none=True)
    callback_state = fields.String(allow_none=True, metadata={"description": "pending, delivered or failed"})
    callback_attempts = fields.List(fields.Dict(), metadata={"description": "Each delivery attempt: at, status, error"})
    created_at = fields.String()


class ReceiptWaitQuery(Schema):
    wait = fields.Integer(load_default=0, validate=validate.Range(min=0, max=30),
                          metadata={"description": "Long-poll: seconds to wait for the receipt to leave in_process"})


class ReceiptListQuery(ListQuery):
    state = fields.String(validate=validate.OneOf(RECEIPT_STATES))
    receiptType = one_of(RECEIPT_TYPES)
    order_id = Int(maximum=INT64_MAX)
    from_ = AwareDateTime(data_key="from", metadata={"description": "Accepted at or after"})
    to = PeriodEnd(metadata={"description": "Accepted before (a date alone: up to the end of that day)"})
    sort = ordering("id", "created_at", "receipt_num", "state", default="id")


class ShiftReportSchema(Schema):
    number = fields.Integer()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    is_open = fields.Boolean()
    expired = fields.Boolean()
    receipts_count = fields.Integer()
    totals = fields.Dict(metadata={"example": {"by_type": {"1": {"count": 2, "total": "400.00"}},
                                               "by_payment": {"1": "400.00"}}})


class ServiceGroupSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = Text(required=True, min_length=1, metadata={"example": "Магазин на Ленина"})
    model = fields.String(required=True, validate=validate.Length(min=1, max=50), metadata={"example": "emulator"})
    config = fields.Dict(load_default=dict, metadata={"description": "Validated by the model's config schema"})
    state = fields.String(dump_only=True, validate=validate.OneOf(DEVICE_STATES))
    error = fields.String(dump_only=True, allow_none=True)
    device_id = fields.Integer(dump_only=True)
    receipt_count = fields.Integer(dump_only=True, metadata={"description": "The device's last document number"})
    shift = fields.Nested(ShiftReportSchema, dump_only=True, allow_none=True)
    user_ids = fields.List(fields.Integer(), dump_only=True)
    device = fields.Dict(dump_only=True, metadata={"description": "The cash register: id, model, config, state, error"})
    created_at = fields.DateTime(dump_only=True)

    @pre_load
    def device_fields(self, data, **kwargs):
        """The device's model and config may also come nested: {"name", "device": {"model", "config"}}."""
        if isinstance(data, dict) and isinstance(data.get("device"), dict):
            data = {**data}
            device = data.pop("device")
            for name in ("model", "config"):
                if name in device:
                    data.setdefault(name, device[name])
        return data


ServiceGroupUpdateSchema = edit_schema(ServiceGroupSchema)


class ServiceGroupListQuery(ListQuery):
    search = Text(max_length=100)
    sort = ordering("id", "name", "created_at")


class AccessSchema(Schema):
    user_ids = fields.List(Int(minimum=1), required=True, validate=validate.Length(max=10000))

    @pre_load
    def users_alias(self, data, **kwargs):
        """`{"users": [ids]}` is taken too."""
        if isinstance(data, dict) and "users" in data and "user_ids" not in data:
            data = {**data}
            data["user_ids"] = data.pop("users")
        return data


class AccessUserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String()


class AccessListSchema(Schema):
    user_ids = fields.List(fields.Integer())
    users = fields.List(fields.Nested(AccessUserSchema))


class CashRegisterModelSchema(Schema):
    id = fields.String(metadata={"example": "emulator"})
    name = fields.String(metadata={"example": "emulator"})
    title = fields.String(metadata={"example": "Эмулятор ККТ"})
    config_schema = fields.Dict(metadata={"description": "The config's JSON schema (draws the form)"})
    defaults = fields.Dict()


ServiceGroupPageSchema = page_schema(ServiceGroupSchema, "ServiceGroupPage")
ReceiptPageSchema = page_schema(ReceiptReportSchema, "FiscalReceiptPage")
CashRegisterModelPageSchema = page_schema(CashRegisterModelSchema, "CashRegisterModelPage")
