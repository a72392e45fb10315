"""Schema pieces every module shares: safe scalar fields, the error envelope, list paging."""
import datetime as dt
import decimal
import numbers
import re

from marshmallow import Schema, ValidationError, fields, validate
from marshmallow import validate as _validate

from server import messages

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
PAGE_MAX = 500
NO_NUL = r"^[^\x00]*$"  # a Text's documented pattern when it has none of its own
DATE_ALONE = re.compile(r"\d{4}-\d{2}-\d{2}")


class FullMatch(validate.Regexp):
    """A pattern the whole value must match: Python's `$` also matches before a final newline, so
    `re.match("^[a-z]+$", "admin\n")` would let a look-alike name in."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


class AwareDateTime(fields.AwareDateTime):
    """A moment with a time zone (UTC when none is given) that converts to UTC: year 1 or 9999 with an
    offset would fall outside the calendar there."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=dt.timezone.utc, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(dt.timezone.utc)
        except OverflowError:
            raise ValidationError(messages.DATE_OUT_OF_RANGE) from None


def is_date_alone(value) -> bool:
    return isinstance(value, str) and DATE_ALONE.fullmatch(value.strip()) is not None


class PeriodEnd(AwareDateTime):
    """The end of a period: a moment, or a date alone (`2024-01-31`), which takes in the whole of that
    day (UTC), as people mean `to=2024-01-31`. Where the end is compared with `<`, the date gives the
    next day's midnight; where with `<=` (`inclusive`), that day's last microsecond."""

    def __init__(self, inclusive: bool = False, **kwargs):
        self.inclusive = inclusive
        super().__init__(**kwargs)
        self.metadata.setdefault("description", "A moment, or a date alone: up to the end of that day")

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not is_date_alone(value):
            return moment
        try:
            return moment + dt.timedelta(days=1) - (dt.timedelta(microseconds=1) if self.inclusive else dt.timedelta())
        except OverflowError:
            raise ValidationError(messages.DATE_OUT_OF_RANGE) from None


def validate_length(minimum: int, maximum: int):
    return validate.Length(min=minimum, max=maximum)


class Text(fields.String):
    """A string without NUL characters (PostgreSQL refuses them), of bounded length."""

    def __init__(self, *, max_length: int = 255, min_length: int = 0, validate=None, **kwargs):
        validators = [validate_length(min_length, max_length)] + ([validate] if validate else [])
        super().__init__(validate=validators, **kwargs)
        self.metadata.setdefault("maxLength", max_length)
        if not any(isinstance(v, _validate.Regexp) for v in self.validators):
            self.metadata.setdefault("pattern", NO_NUL)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError(messages.NUL_IN_FIELD)
        return text


class Int(fields.Integer):
    """An integer, or a string of one; never a fraction or a boolean; within `minimum`..`maximum`."""

    def __init__(self, *, minimum: int = 0, maximum: int = INT32_MAX, **kwargs):
        super().__init__(validate=validate.Range(min=minimum, max=maximum), **kwargs)

    def _validated(self, value):
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            if isinstance(value, decimal.Decimal) and value.is_finite() and value.adjusted() > 30:
                raise self.make_error("invalid")  # 1e999999: int() of it would take the server's seconds
            try:
                fraction = value != int(value)
            except (OverflowError, ValueError):  # inf (a JSON 1e999 arrives as Decimal("Infinity")), NaN
                raise self.make_error("invalid") from None
            if fraction:
                raise self.make_error("invalid")
        return super()._validated(value)


class StrictBool(fields.Boolean):
    """`true` or `false` as JSON writes them, in a body; not 0/1 or "yes" (a query parameter, always
    text, keeps marshmallow's lenient `fields.Boolean`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # a number sent as a string: what the OpenAPI document says


def as_sent(field: fields.Decimal, value) -> decimal.Decimal:
    """The number as sent, before the field rounds it to its places. A string must be written plainly
    ("12", "-0.5"): Python's Decimal would also read "+12", "1_2", " 12 ", "1.", "1E1" and other
    scripts' digits."""
    if isinstance(value, str) and not PLAIN_NUMBER.fullmatch(value):
        raise field.make_error("invalid")
    try:
        return decimal.Decimal(str(value))
    except (decimal.InvalidOperation, ValueError, TypeError):
        raise field.make_error("invalid") from None


def refuse_more_places(sent: decimal.Decimal, places: int) -> None:
    """Refuse a number written with more than `places` decimals (trailing zeros do not count)."""
    if sent.is_finite() and sent and -sent.normalize().as_tuple().exponent > places:
        raise ValidationError(messages.TOO_MANY_PLACES.format(places=places))


class Money(fields.Decimal):
    """An exact amount in roubles with kopecks, rounded half up; never a float in between. The bounds
    apply to the amount as sent: -0.001 is refused, not stored as -0.00. With `exact`, fractions of a
    kopeck are refused rather than rounded (a fiscal document holds what was sent, to the kopeck)."""

    def __init__(self, *, minimum: str = "0", maximum: str = "9999999999.99", exact: bool = False, **kwargs):
        self.exact = exact
        self.bounds = validate.Range(min=decimal.Decimal(minimum), max=decimal.Decimal(maximum))
        super().__init__(places=2, rounding=decimal.ROUND_HALF_UP, as_string=True, validate=self.bounds,
                         **kwargs)

    def _validated(self, value):
        if value is None:
            return None
        sent = as_sent(self, value)
        if sent.is_finite():
            self.bounds(sent)
            if self.exact:
                refuse_more_places(sent, 2)
        amount = super()._validated(value)
        return amount.copy_abs() if amount is not None and amount.is_zero() else amount  # "-0": 0.00


class Quantity(fields.Decimal):
    """A positive quantity with up to `places` decimals, kept as written: "2", "0.5" (not "2.000");
    never infinite or NaN. More decimals are refused, not rounded: the line's total would no longer
    be what the sender computed."""

    def __init__(self, *, places: int = 3, maximum: int = 100000, **kwargs):
        self.most_places = places
        super().__init__(places=places, as_string=True,
                         validate=validate.Range(min=0, max=maximum, min_inclusive=False), **kwargs)

    def _validated(self, value):
        if value is None:
            return None
        refuse_more_places(as_sent(self, value), self.most_places)
        return super()._validated(value)

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        return number.quantize(decimal.Decimal(1)) if number == number.to_integral() else number.normalize()


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"example": "Некорректные данные"})
    details = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                          metadata={"example": {"items.0.quantity": ["Must be greater than 0."]}})


def edit_schema(schema: type[Schema]) -> type[Schema]:
    """The edit form of `schema`: every field optional, what is left out is kept (`<Name>UpdateSchema`,
    `<Name>Update` in OpenAPI)."""

    def __init__(self, **kwargs):
        schema.__init__(self, partial=True, **kwargs)

    name = schema.__name__.removesuffix("Schema") + "UpdateSchema"
    doc = "Any of the fields; those left out are kept."
    return type(name, (schema,), {"__init__": __init__, "__doc__": doc})


def ordering(*names: str, default: str = "id"):
    """A list's `sort`: the model fields it may be sorted by (declared once: `paginate` finds the
    column by its name)."""
    return fields.String(load_default=default, validate=validate.OneOf(names))


class ListQuery(Schema):
    """Paging and ordering that every list takes; a module's list query adds its filters."""

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=PAGE_MAX))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=INT32_MAX))
    order = fields.String(load_default="asc", validate=validate.OneOf(["asc", "desc"]))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """The `{"items": [...], "total": N}` shape of a list of `item_schema`."""
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema), required=True),
        "total": fields.Integer(required=True),
    }, name=name)

