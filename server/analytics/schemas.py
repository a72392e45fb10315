import decimal

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from server.analytics import messages
from server.analytics.models import EVENT_STATUSES
from server.schemas import AwareDateTime, ListQuery, Money, PeriodEnd, Text, is_date_alone, ordering, page_schema

KOPECK = decimal.Decimal("0.01")


def line_amount(price: decimal.Decimal, quantity: decimal.Decimal) -> decimal.Decimal:
    return (price * quantity).quantize(KOPECK, rounding=decimal.ROUND_HALF_UP)


def exact_total(items: list[dict]) -> decimal.Decimal:
    """Σ price × quantity, half up to kopecks (rounded once, at the end)."""
    total = sum((item["price"] * item["quantity"] for item in items), decimal.Decimal(0))
    return total.quantize(KOPECK, rounding=decimal.ROUND_HALF_UP)


class Kopecks(Money):
    """An amount in roubles with at most two decimals, as sent (10.999 is refused, not rounded)."""

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if value is not None:
            try:
                sent = decimal.Decimal(str(value))
            except (decimal.InvalidOperation, ValueError, TypeError):
                raise self.make_error("invalid") from None
            if sent.is_finite() and sent.as_tuple().exponent < -2 and sent != sent.quantize(KOPECK):
                raise ValidationError(messages.TOO_PRECISE.format(places=2))
        return super()._validated(value)


class Quantity(fields.Decimal):
    """A positive quantity with at most three decimals (pieces, or kilograms)."""

    MAX = 1000000

    def __init__(self, **kwargs):
        super().__init__(as_string=True, validate=validate.Range(min=0, max=self.MAX, min_inclusive=False),
                         **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        number = super()._validated(value)
        if number is None or not number.is_finite() or abs(number) > self.MAX:
            return number  # left to the range check: too many digits to quantize
        if number != number.quantize(decimal.Decimal("0.001")):
            raise ValidationError(messages.TOO_PRECISE.format(places=3))
        return number

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        if abs(number) > self.MAX:
            return number
        return number.quantize(decimal.Decimal(1)) if number == number.to_integral() else number.normalize()


ID = {"min_length": 1, "max_length": 100}


class ReceiptItemSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    product_id = Text(required=True, **ID, metadata={"example": "product_id_1"})
    quantity = Quantity(required=True, metadata={"example": "2"})
    price = Kopecks(required=True, metadata={"example": "10.99"})
    category = Text(required=True, **ID, metadata={"example": "groceries"})


class ReceiptSchema(Schema):
    """The seed's receipt, with the place where the purchase happened. Fields beyond these are
    ignored."""

    class Meta:
        unknown = EXCLUDE

    transaction_id = Text(required=True, **ID, metadata={"example": "unique_transaction_id"})
    timestamp = AwareDateTime(required=True, metadata={
        "example": "2024-02-07T12:34:56", "description": "UTC when it has no offset"})
    items = fields.List(fields.Nested(ReceiptItemSchema), required=True, validate=validate.Length(min=1, max=1000))
    total_amount = Kopecks(required=True, metadata={
        "example": "27.47", "description": "Σ price × quantity, to the kopeck"})
    vat_amount = Kopecks(required=True, metadata={"example": "2.47"})
    tips_amount = Kopecks(required=True, metadata={"example": "3.00"})
    payment_method = Text(required=True, min_length=1, max_length=50, metadata={"example": "credit_card"})
    place_id = Text(required=True, **ID, metadata={"example": "place-1"})
    place_name = Text(required=True, min_length=1, max_length=255, metadata={"example": "Store ABC"})

    @validates_schema
    def totals_add_up(self, data, **kwargs):
        if "items" not in data or "total_amount" not in data:
            return
        expected = exact_total(data["items"])
        if data["total_amount"] != expected:
            raise ValidationError(messages.TOTAL_MISMATCH.format(expected=expected), "total_amount")
        if "vat_amount" in data and data["vat_amount"] > data["total_amount"]:
            raise ValidationError(messages.VAT_OVER_TOTAL, "vat_amount")


class Unreadable:
    """A body that is not a JSON receipt at all (not JSON, too big, wrong type): the handler logs it
    as rejected before answering its error."""

    def __init__(self, error):
        self.error = error


class Invalid:
    def __init__(self, details: dict):
        self.details = details


class IntakeSchema(ReceiptSchema):
    """ReceiptSchema, for POST /api/checks/: an invalid receipt is answered by the handler, which logs
    it first, rather than by the base handler."""

    def load(self, data, **kwargs):
        from server.http import flatten_errors

        if isinstance(data, Unreadable):
            return data
        try:
            return super().load(data, **kwargs)
        except ValidationError as error:
            return Invalid(flatten_errors(error.messages))


class AcceptedSchema(Schema):
    transaction_id = fields.String(required=True, metadata={"example": "unique_transaction_id"})
    status = fields.String(required=True, metadata={"example": "accepted",
                                                     "description": "accepted, or already accepted (200)"})


class PlaceSchema(Schema):
    place_id = fields.String(attribute="id", metadata={"example": "place-1"})
    place_name = fields.String(attribute="name", metadata={"example": "Store ABC"})
    total_purchases = fields.Integer()
    total_amount = fields.Decimal(as_string=True, metadata={"example": "1234.50"})
    average_receipt = fields.Decimal(as_string=True, metadata={"example": "41.15"})
    created_at = fields.DateTime()


class PlaceListQuery(ListQuery):
    search = Text(max_length=100, metadata={"description": "A part of the place's id or name"})
    place_id = Text(**ID, metadata={"description": "The place with this id"})
    place_name = Text(max_length=255, metadata={"description": "Places whose name holds this"})
    sort = ordering("place_id", "place_name", "created_at", "id", "name", default="place_id")

    @post_load
    def model_names(self, data, **kwargs):
        """The answer's field names sort by the model's columns (`id` and `name` are taken too)."""
        data["sort"] = {"place_id": "id", "place_name": "name"}.get(data["sort"], data["sort"])
        return data


class PeriodQuery(Schema):
    from_ = AwareDateTime(data_key="from", metadata={
        "description": "Start of the period (included); default: everything"})
    to = PeriodEnd(metadata={"description": "End of the period (excluded; a date alone: the end of that day); "
                                           "default: everything"})
    place_id = Text(**ID)

    @validates_schema(pass_original=True)
    def in_order(self, data, original, **kwargs):
        start, end = data.get("from_"), data.get("to")
        if start and end and (start > end or start == end and is_date_alone(original.get("to"))):
            raise ValidationError(messages.PERIOD_REVERSED, "to")  # (to=D ends with D: D+1 would be empty)


class Taxes(Schema):
    total_vat = fields.String(metadata={"example": "275.00"})
    total_tips = fields.String(metadata={"example": "150.00"})


class CategoryFigures(Schema):
    total_spent = fields.String(metadata={"example": "5000.00"})
    average_receipt = fields.String(metadata={"example": "25.00"})
    receipts = fields.Integer(metadata={"example": 200})


class Figures(Schema):
    total_purchases = fields.Integer(metadata={"example": 150})
    total_amount = fields.String(metadata={"example": "5362.50"})
    average_receipt = fields.String(metadata={"example": "35.75"})
    taxes_amount = fields.Nested(Taxes)
    category_analytics = fields.Dict(keys=fields.String(), values=fields.Nested(CategoryFigures))


class PlaceFigures(Figures):
    place_id = fields.String(metadata={"example": "place-1"})
    place_name = fields.String(metadata={"example": "Store ABC"})


class AnalyticsSchema(Schema):
    period = fields.Dict(metadata={"example": {"from": "2024-02-01T00:00:00+00:00", "to": None}})
    places = fields.List(fields.Nested(PlaceFigures))
    overall = fields.Nested(Figures)


class HourSchema(Schema):
    place_id = fields.String()
    hour = fields.DateTime()
    purchases = fields.Integer()
    total = fields.String()
    vat = fields.String()
    tips = fields.String()


class HoursSchema(Schema):
    items = fields.List(fields.Nested(HourSchema))


class EventSchema(Schema):
    id = fields.Integer()
    transaction_id = fields.String(allow_none=True)
    status = fields.String()
    reason = fields.String()
    details = fields.Raw(allow_none=True)
    payload = fields.String()
    username = fields.String()
    created_at = fields.DateTime()


class EventListQuery(ListQuery):
    status = fields.String(validate=validate.OneOf(EVENT_STATUSES))
    transaction_id = Text(**ID)
    sort = ordering("id", "created_at", "status")


class DeadLetterSchema(Schema):
    id = fields.Integer()
    topic = fields.String()
    partition = fields.Integer()
    offset = fields.Integer()
    key = fields.String(allow_none=True)
    value = fields.String()
    error = fields.String()
    created_at = fields.DateTime()


class DeadLetterListQuery(ListQuery):
    sort = ordering("id", "created_at")


class OutboxStatusSchema(Schema):
    unsent = fields.Integer(metadata={"description": "Receipts accepted but not yet published"})
    oldest_unsent_at = fields.DateTime(allow_none=True)
    lag_seconds = fields.Float(metadata={"description": "Age of the oldest unsent receipt"})
    last_error = fields.String(allow_none=True)
    sent = fields.Integer()
    dead_letters = fields.Integer()
    receipts_today = fields.Integer(metadata={"description": "Receipts stored since midnight UTC"})


PlacePageSchema = page_schema(PlaceSchema, "PlacePage")
EventPageSchema = page_schema(EventSchema, "ReceiptEventPage")
DeadLetterPageSchema = page_schema(DeadLetterSchema, "DeadLetterPage")
