import peewee

from server.db import BaseModel, JSONField, UTCDateTimeField, utcnow

CHECK_TYPES = ("kitchen", "client")
STATUSES = ("new", "rendered", "printed")


class Printer(BaseModel):
    name = peewee.CharField(max_length=255)
    api_key = peewee.CharField(max_length=64, unique=True)
    check_type = peewee.CharField(max_length=10, choices=[(t, t) for t in CHECK_TYPES])
    point_id = peewee.IntegerField(index=True)
    is_active = peewee.BooleanField(default=True)
    time_zone = peewee.CharField(max_length=64, null=True)  # the point's, for the time on its checks
    last_seen_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)


class Order(BaseModel):
    """An order id, taken once whatever the point: its checks share the files `pdf/<id>_<type>.pdf`, so
    a second point's order with the same id would print the first one's client and address."""

    id = peewee.BigIntegerField(primary_key=True)
    point_id = peewee.IntegerField()
    created_at = UTCDateTimeField(default=utcnow)


class Check(BaseModel):
    printer = peewee.ForeignKeyField(Printer, backref="checks", on_delete="CASCADE")
    type = peewee.CharField(max_length=10, choices=[(t, t) for t in CHECK_TYPES])
    order = JSONField()
    order_id = peewee.BigIntegerField(index=True)
    status = peewee.CharField(max_length=10, default="new", choices=[(s, s) for s in STATUSES])
    pdf_file = peewee.CharField(max_length=255, null=True)
    render_attempts = peewee.IntegerField(default=0)
    render_error = peewee.TextField(null=True)
    created_at = UTCDateTimeField(default=utcnow, index=True)
    rendered_at = UTCDateTimeField(null=True)
    printed_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = (
            (("order_id", "printer"), True),
            (("printer", "status"), False),
        )
