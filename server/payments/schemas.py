import datetime as dt
import decimal

from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing, validate, validates_schema

from server.payments import messages
from server.payments.models import OUTCOMES, PAYMENT_STATUSES
from server.schemas import AwareDateTime, Int, ListQuery, PeriodEnd, StrictBool, Text, edit_schema, ordering, page_schema

CENT = decimal.Decimal("0.01")
# a trillion roubles: NUMERIC(18, 2) holds 16 digits before the point
MAX_AMOUNT = decimal.Decimal("1000000000000")

INN_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
INN_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
INN_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def check_digit(digits: str, weights: tuple) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights)) % 11 % 10


def inn_is_valid(inn: str) -> bool:
    """10 digits (an organization) or 12 (a person), with the check digits of the tax service."""
    if not isinstance(inn, str) or not inn.isascii() or not inn.isdigit():
        return False
    if len(inn) == 10:
        return check_digit(inn, INN_WEIGHTS_10) == int(inn[9])
    if len(inn) == 12:
        return (check_digit(inn, INN_WEIGHTS_11) == int(inn[10])
                and check_digit(inn, INN_WEIGHTS_12) == int(inn[11]))
    return False


class Inn(fields.String):
    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("example", "7707083893")
        kwargs["metadata"].setdefault("pattern", r"^(\d{10}|\d{12})$")
        kwargs["metadata"].setdefault("description", "ИНН: 10 or 12 digits with a valid checksum")
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        inn = super()._deserialize(value, attr, data, **kwargs).strip()
        if not inn_is_valid(inn):
            raise ValidationError(messages.BAD_INN)
        return inn


class Amount(fields.Decimal):
    """An exact positive amount: a JSON number (read as a Decimal, never a float) or a string of one,
    at most two decimals. Dumped as a Decimal, which the payments handlers write as a JSON number in
    the form it has: 145000 stays an integer, 145000.50 keeps its kopecks."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("example", 145000)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal, str)):
            raise self.make_error("invalid")
        try:
            amount = decimal.Decimal(str(value).strip())
        except (decimal.InvalidOperation, ValueError):
            raise self.make_error("invalid") from None
        if not amount.is_finite():
            raise self.make_error("special")
        if amount <= 0:
            raise ValidationError(messages.AMOUNT_NOT_POSITIVE)
        if amount > MAX_AMOUNT:
            raise ValidationError(messages.AMOUNT_TOO_BIG)
        if amount != amount.quantize(CENT, rounding=decimal.ROUND_DOWN):
            raise ValidationError(messages.AMOUNT_FRACTION)
        return amount

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class MoneyOut(fields.Decimal):
    """A balance or a delta, dumped as a Decimal (written as a JSON number in its own form)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).setdefault("example", 145000)
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class DocumentDate(AwareDateTime):
    """An ISO 8601 moment (UTC when no zone is given), or a date alone (its midnight, UTC)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value.strip()) == 10:
            try:
                day = dt.date.fromisoformat(value.strip())
            except ValueError:
                raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
        return super()._deserialize(value, attr, data, **kwargs)


class WebhookSchema(Schema):
    """What the bank sends. Other fields are allowed and kept with the payload as it came."""

    class Meta:
        unknown = EXCLUDE

    operation_id = fields.UUID(required=True, metadata={"example": "ccf0a86d-041b-4991-bcf7-e2352f7b8a4a"})
    amount = Amount(required=True)
    payer_inn = Inn(required=True)
    document_number = Text(required=True, min_length=1, max_length=255, metadata={"example": "PAY-328"})
    document_date = DocumentDate(required=True, metadata={"example": "2024-04-27T21:00:00Z"})

    def load(self, data, *, many=None, partial=None, unknown=None):
        """Validated once, field by field, without marshmallow's schema-level machinery (a measured
        share of a webhook's CPU): each field's own `deserialize` decides, as it does in `Schema.load`.
        Anything that one of them refuses (or any input of another shape) goes through `Schema.load`,
        which refuses it with its usual messages."""
        if many is None and partial is None and unknown is None and type(data) is dict:
            try:
                return {name: field.deserialize(data.get(field.data_key or name, missing), name, data)
                        for name, field in self.load_fields.items()}
            except ValidationError:
                pass
        return super().load(data, many=many, partial=partial, unknown=unknown)


class WebhookAnswerSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(OUTCOMES), metadata={"example": "credited"})
    operation_id = fields.String(required=True, metadata={"example": "ccf0a86d-041b-4991-bcf7-e2352f7b8a4a"})
    message = fields.String(metadata={"example": messages.CREDITED})


class BalanceSchema(Schema):
    inn = fields.String(required=True, metadata={"example": "7707083893"})
    balance = MoneyOut(required=True)


class OrganizationSchema(Schema):
    id = fields.Integer(dump_only=True)
    inn = Inn(required=True)
    name = Text(required=True, min_length=1, max_length=500, metadata={"example": "ООО «Ромашка»"})
    balance = MoneyOut(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class OrganizationUpdateSchema(Schema):
    """The name may change; the INN is what payments are matched by, so it does not."""

    name = Text(required=True, min_length=1, max_length=500, metadata={"example": "ООО «Ромашка»"})


class OrganizationListQuery(ListQuery):
    search = Text(max_length=100, metadata={"description": "Part of the INN or of the name"})
    inn = Text(max_length=12)
    sort = ordering("id", "inn", "name", "balance", "created_at")


class PaymentSchema(Schema):
    id = fields.Integer()
    operation_id = fields.String()
    amount = MoneyOut()
    payer_inn = fields.String()
    document_number = fields.String()
    document_date = fields.DateTime()
    organization = fields.Integer(attribute="organization_id", allow_none=True)
    organization_name = fields.Function(lambda p: p.organization.name if p.organization_id else None,
                                        allow_none=True)
    status = fields.String(validate=validate.OneOf(PAYMENT_STATUSES))
    payload = fields.String(metadata={"description": "The body as the bank sent it"})
    received_at = fields.DateTime()
    credited_at = fields.DateTime(allow_none=True)


class PaymentListQuery(ListQuery):
    inn = Text(max_length=12, metadata={"description": "The payer's INN"})
    payer_inn = Text(max_length=12)
    organization = Int()
    status = fields.String(validate=validate.OneOf(PAYMENT_STATUSES))
    operation_id = fields.UUID()
    received_from = AwareDateTime()
    received_to = PeriodEnd(inclusive=True)
    document_from = AwareDateTime()
    document_to = PeriodEnd(inclusive=True)
    sort = ordering("id", "amount", "payer_inn", "status", "document_date", "received_at", "credited_at")


class AssignSchema(Schema):
    """The organization to credit: its id (`organization`, or `organization_id`) or its `inn`."""

    organization = Int(minimum=1, metadata={"description": "The organization's id", "example": 1})
    organization_id = Int(minimum=1, metadata={"description": "Same as `organization`"})
    inn = Inn(metadata={"description": "Or the organization's INN"})

    @validates_schema
    def one_organization(self, data, **kwargs):
        if len({"organization", "organization_id", "inn"} & set(data)) != 1:
            raise ValidationError(messages.ASSIGN_TO_ONE, "organization")


class BalanceLogSchema(Schema):
    id = fields.Integer()
    organization = fields.Integer(attribute="organization_id")
    payment = fields.Integer(attribute="payment_id", allow_none=True)
    operation_id = fields.Function(lambda row: str(row.payment.operation_id) if row.payment_id else None,
                                   allow_none=True)
    delta = MoneyOut()
    balance_after = MoneyOut()
    reason = fields.String()
    created_at = fields.DateTime()


class BalanceLogQuery(ListQuery):
    sort = ordering("id", "created_at", "delta")


class DeliverySchema(Schema):
    id = fields.Integer()
    received_at = fields.DateTime()
    operation_id = fields.String(allow_none=True)
    payer_inn = fields.String(allow_none=True)
    amount = fields.String(allow_none=True, metadata={"description": "As sent"})
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    reason = fields.String()
    status_code = fields.Integer()
    payment = fields.Integer(attribute="payment_id", allow_none=True)
    body = fields.String()
    remote_ip = fields.String()


class DeliveryListQuery(ListQuery):
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    operation_id = Text(max_length=64)
    payer_inn = Text(max_length=32)
    received_from = AwareDateTime()
    received_to = PeriodEnd(inclusive=True)
    sort = ordering("id", "received_at", "outcome", "status_code")


class MismatchSchema(Schema):
    inn = fields.String()
    name = fields.String()
    balance = fields.String()
    log_total = fields.String()
    payments_total = fields.String()


class ReconciliationSchema(Schema):
    checked_at = fields.DateTime(allow_none=True)
    organizations = fields.Integer()
    ok = fields.Boolean()
    mismatches = fields.List(fields.Nested(MismatchSchema))


class SummarySchema(Schema):
    organizations = fields.Integer()
    unmatched = fields.Integer()
    conflicts = fields.Integer()
    refused = fields.Integer()
    reconciliation = fields.Nested(ReconciliationSchema)


class AnyAmount(fields.Raw):
    """A JSON number, as it is: the simulator may send a negative or a zero one on purpose."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, decimal.Decimal, float)):
            raise ValidationError("Not a valid number.")
        return value


class SimulateSchema(Schema):
    """What the simulator sends: the webhook's fields, as loose as a test needs (a wrong value shows
    the webhook's 400). `sign` false sends it unsigned (to see the 401)."""

    class Meta:
        unknown = EXCLUDE

    operation_id = Text(required=True, max_length=64,
                        metadata={"example": "ccf0a86d-041b-4991-bcf7-e2352f7b8a4a"})
    amount = AnyAmount(required=True, metadata={"example": 145000, "type": "number"})
    payer_inn = Text(required=True, max_length=32, metadata={"example": "7707083893"})
    document_number = Text(required=True, max_length=255, metadata={"example": "PAY-328"})
    document_date = Text(required=True, max_length=64, metadata={"example": "2024-04-27T21:00:00Z"})
    sign = StrictBool(load_default=True, metadata={"example": True})


class SimulationSchema(Schema):
    request = fields.Dict(metadata={"description": "url, headers and body as sent"})
    response = fields.Dict(metadata={"description": "status and body as answered"})
    curl = fields.String()
    balance_before = MoneyOut(allow_none=True)
    balance_after = MoneyOut(allow_none=True)


OrganizationPageSchema = page_schema(OrganizationSchema, "OrganizationPage")
PaymentPageSchema = page_schema(PaymentSchema, "PaymentPage")
BalanceLogPageSchema = page_schema(BalanceLogSchema, "BalanceLogPage")
DeliveryPageSchema = page_schema(DeliverySchema, "DeliveryPage")
__all__ = ["edit_schema"]
