"""Analytics' tables. The intake's (incoming receipts, their event log, the outbox) and the consumer's
(places, stored receipts and items, processed messages, dead letters, hourly figures) share nothing
but the database, as the seed's two services would."""
import peewee

from server.db import BaseModel, JSONField, UTCDateTimeField, utcnow

EVENT_STATUSES = ("accepted", "duplicate", "conflict", "rejected")


def money(**kwargs) -> peewee.DecimalField:
    return peewee.DecimalField(max_digits=14, decimal_places=2, auto_round=True, **kwargs)


# --- intake ----------------------------------------------------------------------------------------

class IncomingReceipt(BaseModel):
    """A transaction id, taken once: its unique key decides between racing requests."""

    transaction_id = peewee.CharField(max_length=100, unique=True)
    place_id = peewee.CharField(max_length=100)
    content_hash = peewee.CharField(max_length=64)
    payload = JSONField()
    created_at = UTCDateTimeField(default=utcnow)


class ReceiptEvent(BaseModel):
    """Every request to POST /api/checks/: what it sent and what it got. A log: bad input adds its row
    here and changes nothing else."""

    records_refusals = True

    transaction_id = peewee.CharField(max_length=100, null=True, index=True)
    status = peewee.CharField(max_length=10, choices=[(s, s) for s in EVENT_STATUSES])
    reason = peewee.TextField(default="")
    details = JSONField(null=True)
    payload = peewee.TextField(default="")
    username = peewee.CharField(max_length=150, default="")
    created_at = UTCDateTimeField(default=utcnow, index=True)


class Outbox(BaseModel):
    """Messages written with the receipt, published by the relay in id order, then marked sent."""

    topic = peewee.CharField(max_length=255)
    key = peewee.CharField(max_length=100)
    message_id = peewee.CharField(max_length=100, default="")  # the receipt's transaction_id
    payload = peewee.TextField()
    created_at = UTCDateTimeField(default=utcnow)
    sent_at = UTCDateTimeField(null=True, index=True)
    attempts = peewee.IntegerField(default=0)
    last_error = peewee.TextField(null=True)


# --- consumer --------------------------------------------------------------------------------------

class Place(BaseModel):
    id = peewee.CharField(max_length=100, primary_key=True)  # the shops' place_id
    name = peewee.CharField(max_length=255)
    created_at = UTCDateTimeField(default=utcnow)


class Receipt(BaseModel):
    transaction_id = peewee.CharField(max_length=100, unique=True)
    place = peewee.ForeignKeyField(Place, backref="receipts", on_delete="CASCADE")
    timestamp = UTCDateTimeField()
    hour = UTCDateTimeField()  # the timestamp's hour, which the hourly figures group by
    total_amount = money()
    vat_amount = money()
    tips_amount = money()
    payment_method = peewee.CharField(max_length=50)
    stored_at = UTCDateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("hour", "place"), False),)


class ReceiptItem(BaseModel):
    receipt = peewee.ForeignKeyField(Receipt, backref="items", on_delete="CASCADE")
    product_id = peewee.CharField(max_length=100)
    category = peewee.CharField(max_length=100)
    quantity = peewee.DecimalField(max_digits=13, decimal_places=3)
    price = money()
    amount = money()  # price x quantity, half up to kopecks


class ProcessedMessage(BaseModel):
    """The mark a consumed message leaves, in the transaction that stored it: a message delivered again
    finds it and changes nothing."""

    id = peewee.CharField(max_length=100, primary_key=True)  # the receipt's transaction_id
    topic = peewee.CharField(max_length=255)
    partition = peewee.IntegerField()
    offset = peewee.BigIntegerField()
    processed_at = UTCDateTimeField(default=utcnow)


class DeadLetter(BaseModel):
    topic = peewee.CharField(max_length=255)
    partition = peewee.IntegerField()
    offset = peewee.BigIntegerField()
    key = peewee.TextField(null=True)
    value = peewee.TextField()
    error = peewee.TextField()
    created_at = UTCDateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("topic", "partition", "offset"), True),)


class PlaceHour(BaseModel):
    """One place's figures for one hour, kept up to date by the consumer."""

    place = peewee.ForeignKeyField(Place, on_delete="CASCADE")
    hour = UTCDateTimeField()
    purchases = peewee.IntegerField(default=0)
    total = money(default=0)
    vat = money(default=0)
    tips = money(default=0)

    class Meta:
        indexes = ((("place", "hour"), True), (("hour",), False))


class CategoryHour(BaseModel):
    """One place's spending on one category in one hour, and the receipts that contained it."""

    place = peewee.ForeignKeyField(Place, on_delete="CASCADE")
    hour = UTCDateTimeField()
    category = peewee.CharField(max_length=100)
    total_spent = money(default=0)
    receipts = peewee.IntegerField(default=0)

    class Meta:
        indexes = ((("place", "hour", "category"), True), (("hour",), False))
