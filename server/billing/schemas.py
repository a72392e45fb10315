import datetime as dt
import decimal
import re

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from server.billing.models import METER_KINDS, RUN_STATUSES, TARIFF_KINDS
from server.schemas import (
    INT64_MAX, FullMatch, Int, ListQuery, StrictBool, Text, edit_schema, ordering, page_schema,
)

MAX_APARTMENTS = 5000
MAX_METERS = 20
MAX_READINGS = 5000
MONTH = re.compile(r"(\d{4})-(\d{2})(?:-01)?")


class Month(fields.Field):
    """A month as "2026-10" (or its first day, "2026-10-01"); the first day of it in Python."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"type": "string", "pattern": r"^\d{4}-\d{2}(-01)?$", "example": "2026-10",
                              **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.strftime("%Y-%m")

    def _deserialize(self, value, attr, data, **kwargs):
        match = MONTH.fullmatch(value) if isinstance(value, str) else None
        if match is None or not 2000 <= int(match.group(1)) <= 2200 or not 1 <= int(match.group(2)) <= 12:
            raise ValidationError("Месяц в виде ГГГГ-ММ, например 2026-10.")
        return dt.date(int(match.group(1)), int(match.group(2)), 1)


class Day(fields.Date):
    """A date between 1900 and 2200."""

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not 1900 <= day.year <= 2200:
            raise ValidationError("Дата вне допустимого диапазона.")
        return day


class Fixed(fields.Decimal):
    """An exact number written as a string with exactly `places` decimals ("40.00", "0.000"), the same
    whatever the database kept."""

    def __init__(self, places: int = 2, **kwargs):
        self.step = decimal.Decimal(1).scaleb(-places)
        super().__init__(as_string=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return super()._serialize(decimal.Decimal(value).quantize(self.step), attr, obj, **kwargs)


class Exact(fields.Field):
    """An exact non-negative number with at most `places` decimals (more are refused, not rounded), sent
    as a string ("54.35") or a JSON number; written back as a string with exactly `places` decimals."""

    def __init__(self, places: int, *, maximum: str = "99999999999", positive: bool = False, **kwargs):
        self.step = decimal.Decimal(1).scaleb(-places)
        self.maximum = decimal.Decimal(maximum)
        bounds = validate.Range(min=decimal.Decimal(0), max=self.maximum, min_inclusive=not positive)
        lowest = "> 0" if positive else ">= 0"
        metadata = {"anyOf": [{"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*$"}, {"type": "number"}],
                    "description": f"An exact number {lowest}, at most {maximum}, with at most {places} "
                                   "decimals, as a string or a JSON number",
                    **kwargs.pop("metadata", {})}
        super().__init__(validate=bounds, metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(decimal.Decimal(value).quantize(self.step))

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float, decimal.Decimal)):
            raise ValidationError("Ожидается число.")
        try:
            number = decimal.Decimal(str(value).strip())
        except (decimal.InvalidOperation, ValueError):
            raise ValidationError("Ожидается число.") from None
        if not number.is_finite():
            raise ValidationError("Ожидается конечное число.")
        if abs(number) > self.maximum:
            raise ValidationError(f"Не больше {self.maximum}.")
        if number != number.quantize(self.step):
            raise ValidationError(f"Не больше {-self.step.as_tuple().exponent} знаков после запятой.")
        return number.quantize(self.step)


def Area(**kwargs):
    return Exact(2, maximum="100000", positive=True, metadata={"example": "54.30"}, **kwargs)


def Reading(**kwargs):
    return Exact(3, maximum="99999999999", metadata={"example": "123.456"}, **kwargs)


class ReadingBriefSchema(Schema):
    id = fields.Integer()
    month = Month()
    value = Reading()


class MeterSchema(Schema):
    id = fields.Integer(dump_only=True)
    apartment = fields.Integer(attribute="apartment_id", dump_only=True)
    serial = Text(required=True, min_length=1, max_length=64, validate=FullMatch(r"^[^\s]+$"),
                  metadata={"example": "CW-000123"})
    kind = fields.String(required=True, validate=validate.OneOf(METER_KINDS), metadata={"example": "cold"})
    installed_at = Day(allow_none=True, load_default=None,
                       metadata={"example": "2026-01-15",
                                 "description": "Not given: in service before any reading"})
    initial_reading = Reading(load_default=decimal.Decimal("0.000"))
    removed_at = Day(allow_none=True, metadata={"example": None})
    latest_reading = fields.Nested(ReadingBriefSchema, dump_only=True, allow_none=True)

    @validates_schema
    def removed_after_installed(self, data, **kwargs):
        if data.get("removed_at") and data.get("installed_at") and data["removed_at"] < data["installed_at"]:
            raise ValidationError("Дата снятия раньше даты установки.", "removed_at")


MeterUpdateSchema = edit_schema(MeterSchema)


class BillBriefSchema(Schema):
    id = fields.Integer()
    apartment = fields.Integer(attribute="apartment_id")
    month = Month()
    water_amount = Fixed(2)
    maintenance_amount = Fixed(2)
    total = Fixed(2)


class LatestBillSchema(BillBriefSchema):
    apartment_number = fields.String()


class ApartmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    house = fields.Integer(attribute="house_id", dump_only=True)
    number = Text(required=True, min_length=1, max_length=20, metadata={"example": "12"})
    area = Area(required=True)
    meters = fields.List(fields.Nested(MeterSchema), load_default=list,
                         validate=validate.Length(max=MAX_METERS))


class ApartmentEditSchema(Schema):
    number = Text(min_length=1, max_length=20, metadata={"example": "12"})
    area = Area()


class ApartmentDetailSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    area = Fixed(2)
    meters = fields.List(fields.Nested(MeterSchema), attribute="meter_list")
    latest_bill = fields.Nested(BillBriefSchema, allow_none=True)


class HouseSchema(Schema):
    """A house with its apartments and their meters, in one body."""

    id = fields.Integer(dump_only=True)
    address = Text(required=True, min_length=1, max_length=500, metadata={"example": "ул. Ленина, 1"})
    apartments = fields.List(fields.Nested(ApartmentSchema), load_default=list,
                             validate=validate.Length(max=MAX_APARTMENTS))
    created_at = fields.DateTime(dump_only=True)


class HouseUpdateSchema(Schema):
    """A new address, and apartments (with meters) to add."""

    address = Text(min_length=1, max_length=500, metadata={"example": "ул. Ленина, 1"})
    apartments = fields.List(fields.Nested(ApartmentSchema), validate=validate.Length(max=MAX_APARTMENTS))


class HouseListItemSchema(Schema):
    id = fields.Integer()
    address = fields.String()
    apartment_count = fields.Integer()
    created_at = fields.DateTime()


class HouseDetailSchema(Schema):
    id = fields.Integer()
    address = fields.String()
    created_at = fields.DateTime()
    apartment_count = fields.Integer()
    latest_bill_month = Month(allow_none=True)
    latest_bills = fields.List(fields.Nested(LatestBillSchema),
                               metadata={"description": "The bills of the latest month billed"})
    apartments = fields.List(fields.Nested(ApartmentDetailSchema))


class HouseListQuery(ListQuery):
    search = Text(max_length=100)
    sort = ordering("id", "address", "created_at")


class ReadingRowSchema(Schema):
    """One reading: its meter by `meter_id` or `serial`."""

    meter_id = Int(minimum=1, maximum=INT64_MAX, strict=True, metadata={"example": 1})
    serial = Text(min_length=1, max_length=64, metadata={"example": "CW-000123"})
    month = Month(required=True)
    value = Reading(required=True)

    @validates_schema
    def one_meter(self, data, **kwargs):
        if ("meter_id" in data) == ("serial" in data):
            raise ValidationError("Укажите meter_id или serial (одно из двух).", "meter_id")


class Rows(fields.List):
    """A list of rows (objects) that are checked one by one later: a bad row refuses that row, not the
    request."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise self.make_error("invalid")
        if not 1 <= len(value) <= MAX_READINGS:
            raise ValidationError(f"От 1 до {MAX_READINGS} строк.")
        not_objects = [i for i, row in enumerate(value) if not isinstance(row, dict)]
        if not_objects:
            raise ValidationError({i: ["Ожидается объект."] for i in not_objects[:20]})
        return value


ROW_DESCRIPTION = ("A reading: `meter_id` (integer) or `serial` (string), `month` (\"2026-10\"), `value` (an "
                   "exact number >= 0 with at most 3 decimals, string or number). Each row is checked on its "
                   "own: a bad one is refused in the answer, the others are stored.")


class ReadingsBatchSchema(Schema):
    """Readings to store: `{"readings": [...]}`."""

    readings = Rows(fields.Dict(metadata={"description": ROW_DESCRIPTION}), required=True,
                    metadata={"example": [{"meter_id": 1, "month": "2026-10", "value": "13.456"},
                                          {"serial": "HW-000124", "month": "2026-10", "value": 6.5}]})


class ReadingResultSchema(Schema):
    row = fields.Integer(metadata={"description": "The row's index in the request"})
    status = fields.String(metadata={"enum": ["stored", "refused"], "example": "stored"})
    id = fields.Integer(metadata={"description": "The stored reading"})
    meter_id = fields.Integer()
    error = fields.String(metadata={"description": "Why the row was refused"})
    details = fields.Dict()


class ReadingsResultSchema(Schema):
    stored = fields.Integer()
    refused = fields.Integer()
    results = fields.List(fields.Nested(ReadingResultSchema))


class ReadingsRefusedSchema(ReadingsResultSchema):
    """400: a body that is no batch (`error`, `details`), or a batch with nothing stored: the same
    with every row's outcome."""

    error = fields.String(required=True, metadata={"example": "Ни одно показание не сохранено"})
    details = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                          metadata={"example": {"readings.0": ["Счётчик не найден"]}})


class ReadingSchema(Schema):
    id = fields.Integer()
    meter_id = fields.Integer(attribute="meter_id")
    serial = fields.String(attribute="meter.serial")
    kind = fields.String(attribute="meter.kind")
    apartment = fields.Integer(attribute="meter.apartment_id")
    month = Month()
    value = Fixed(3)
    created_at = fields.DateTime()


class ReadingListQuery(ListQuery):
    meter_id = Int(minimum=1, maximum=INT64_MAX)
    house = Int(minimum=1, maximum=INT64_MAX)
    month = Month()
    sort = ordering("id", "month", "meter")


class TariffSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(TARIFF_KINDS),
                         metadata={"example": "water_cold"})
    price = Exact(4, maximum="99999999", required=True, metadata={"example": "45.5000"})
    valid_from = Day(required=True, metadata={"example": "2026-01-01"})
    house = Int(minimum=1, maximum=INT64_MAX, allow_none=True, load_default=None, attribute="house_id",
                metadata={"description": "The house it applies to; none: every house without its own "
                                         "(`house_id` is taken too)"})
    created_at = fields.DateTime(dump_only=True)

    @pre_load
    def house_id_as_house(self, data, **kwargs):
        if isinstance(data, dict) and "house_id" in data and "house" not in data:
            data = {**data, "house": data["house_id"]}
            del data["house_id"]
        return data


TariffUpdateSchema = edit_schema(TariffSchema)


class TariffListQuery(ListQuery):
    kind = fields.String(validate=validate.OneOf(TARIFF_KINDS))
    house = Int(minimum=1, maximum=INT64_MAX)
    sort = ordering("id", "kind", "valid_from", "price")


class RunStartSchema(Schema):
    month = Month(required=True)
    recalculate = StrictBool(load_default=False,
                             metadata={"description": "Replace the month's bills (otherwise bills already "
                                                      "made are left as they are)"})


class RunSchema(Schema):
    id = fields.Integer()
    house = fields.Integer(attribute="house_id")
    month = Month()
    recalculate = fields.Boolean()
    status = fields.String(metadata={"enum": list(RUN_STATUSES), "example": "running"})
    total = fields.Integer(metadata={"description": "Apartments to calculate"})
    processed = fields.Integer(metadata={"description": "Apartments whose bills are saved"})
    percent = fields.Method("get_percent", metadata={"type": "integer", "example": 40})
    error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    url = fields.Method("get_url", metadata={"type": "string", "example": "/api/v1/billing-runs/1"})

    def get_percent(self, run) -> int:
        if run.status == "done":
            return 100
        return min(100, run.processed * 100 // run.total) if run.total else 0

    def get_url(self, run) -> str:
        return f"/api/v1/billing-runs/{run.id}"


class RunQuery(Schema):
    wait = fields.Integer(load_default=0, validate=validate.Range(min=0, max=30),
                          metadata={"description": "Long-poll: seconds to wait for the run to move"})
    processed = fields.Integer(validate=validate.Range(min=0),
                               metadata={"description": "With wait: the `processed` already seen"})


class RunListQuery(ListQuery):
    house = Int(minimum=1, maximum=INT64_MAX)
    status = fields.String(validate=validate.OneOf(RUN_STATUSES))
    month = Month()
    active = fields.Boolean(metadata={"description": "Only pending and running runs"})
    sort = ordering("id", "month", "created_at", "status")


class BillSchema(Schema):
    id = fields.Integer()
    apartment = fields.Integer(attribute="apartment_id")
    apartment_number = fields.String(attribute="apartment.number")
    month = Month()
    water_amount = Fixed(2, metadata={"example": "512.40"})
    maintenance_amount = Fixed(2, metadata={"example": "1413.00"})
    total = Fixed(2, metadata={"example": "1925.40"})
    lines = fields.List(fields.Dict(), metadata={
        "description": "Per meter: previous and current reading, consumption, tariff, amount, flag "
                       "(estimated, no_reading, negative); then upkeep"})
    run = fields.Integer(attribute="run_id", allow_none=True)
    created_at = fields.DateTime()


class BillListQuery(ListQuery):
    month = Month()
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]),
                           metadata={"description": "csv: every bill of the filter as a CSV file"})
    sort = ordering("id", "month", "total", "apartment")


class BillTotalsSchema(Schema):
    bills = fields.Integer()
    water_amount = Fixed(2)
    maintenance_amount = Fixed(2)
    total = Fixed(2)


class BillPageSchema(Schema):
    items = fields.List(fields.Nested(BillSchema), required=True)
    total = fields.Integer(required=True)
    totals = fields.Nested(BillTotalsSchema)


HousePageSchema = page_schema(HouseListItemSchema, "HousePage")
ReadingPageSchema = page_schema(ReadingSchema, "ReadingPage")
TariffPageSchema = page_schema(TariffSchema, "TariffPage")
RunPageSchema = page_schema(RunSchema, "BillingRunPage")
