"""Billing's models: houses, apartments, water meters and their readings, tariffs, bills, billing runs.

Areas, readings, prices and amounts are exact (`NUMERIC`, `Decimal`), never floats."""
import peewee

from server.db import BaseModel, JSONField, UTCDateTimeField, utcnow

METER_KINDS = ("cold", "hot")
TARIFF_KINDS = ("water_cold", "water_hot", "maintenance")
RUN_STATUSES = ("pending", "running", "done", "failed")
ACTIVE_RUN_STATUSES = ("pending", "running")


def exact(digits: int, places: int, **kwargs) -> peewee.DecimalField:
    """An exact number: stored as NUMERIC(digits, places), read back as a Decimal, never rounded on the
    way in (the schemas refuse more places than the column keeps)."""
    return peewee.DecimalField(max_digits=digits, decimal_places=places, auto_round=False, **kwargs)


class House(BaseModel):
    address = peewee.CharField(max_length=500, unique=True)
    created_at = UTCDateTimeField(default=utcnow)


class Apartment(BaseModel):
    house = peewee.ForeignKeyField(House, backref="apartments", on_delete="CASCADE")
    number = peewee.CharField(max_length=20)
    area = exact(10, 2)  # m²

    class Meta:
        indexes = ((("house", "number"), True),)


class WaterMeter(BaseModel):
    """A meter of an apartment. A replaced meter is closed with `removed_at`; its successor is another
    meter, counting from its own `initial_reading`."""

    apartment = peewee.ForeignKeyField(Apartment, backref="meters", on_delete="CASCADE")
    serial = peewee.CharField(max_length=64, unique=True)
    kind = peewee.CharField(max_length=4, choices=[(k, k) for k in METER_KINDS])
    installed_at = peewee.DateField(null=True)  # not known: in service since before any reading
    initial_reading = exact(14, 3, default=0)
    removed_at = peewee.DateField(null=True)


class MeterReading(BaseModel):
    """A meter's reading for a month (`month` is the month's first day): one per meter and month."""

    meter = peewee.ForeignKeyField(WaterMeter, backref="readings", on_delete="CASCADE")
    month = peewee.DateField()
    value = exact(14, 3)  # m³
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("meter", "month"), True),)


class Tariff(BaseModel):
    """A price per unit (m³ of water, m² of area) from `valid_from` on; a house's own tariff overrides
    the general one (house empty)."""

    kind = peewee.CharField(max_length=12, choices=[(k, k) for k in TARIFF_KINDS])
    price = exact(12, 4)
    valid_from = peewee.DateField()
    house = peewee.ForeignKeyField(House, null=True, backref="tariffs", on_delete="CASCADE")
    created_at = UTCDateTimeField(default=utcnow)


class BillingRun(BaseModel):
    """The calculation of a house's bills for a month. `processed` and `cursor` (the last apartment id
    done) are committed with each chunk's bills; at most one run per house and month is pending or
    running (a partial unique index, see migrations/006_billing.py)."""

    house = peewee.ForeignKeyField(House, backref="runs", on_delete="CASCADE")
    month = peewee.DateField()
    recalculate = peewee.BooleanField(default=False)
    status = peewee.CharField(max_length=10, default="pending", choices=[(s, s) for s in RUN_STATUSES])
    total = peewee.IntegerField(default=0)
    processed = peewee.IntegerField(default=0)
    cursor = peewee.BigIntegerField(default=0)
    error = peewee.TextField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    started_at = UTCDateTimeField(null=True)
    updated_at = UTCDateTimeField(default=utcnow)
    finished_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = ((("house", "month"), False), (("status",), False))


class Bill(BaseModel):
    """An apartment's bill for a month: one per apartment and month."""

    apartment = peewee.ForeignKeyField(Apartment, backref="bills", on_delete="RESTRICT")
    house = peewee.ForeignKeyField(House, backref="bills", on_delete="RESTRICT")
    month = peewee.DateField()
    water_amount = exact(14, 2)
    maintenance_amount = exact(14, 2)
    total = exact(14, 2)
    lines = JSONField()
    run = peewee.ForeignKeyField(BillingRun, null=True, backref="bills", on_delete="SET NULL")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("apartment", "month"), True), (("house", "month"), False))
