"""Organizations (by INN), the payments banks notify us of, the balance log, and every webhook delivery."""
from decimal import Decimal

import peewee

from server.db import BaseModel, JSONField, UTCDateTimeField, database, utcnow

PAYMENT_STATUSES = ("credited", "unmatched")
OUTCOMES = ("credited", "unmatched", "duplicate", "conflict", "refused")
CENT = Decimal("0.01")


class MoneyField(peewee.Field):
    """Exact money: NUMERIC(18, 2) on PostgreSQL, as Decimal. SQLite has no exact decimal type (its
    NUMERIC keeps a fraction as a float), so there the same column holds whole kopecks as an integer,
    and `balance = balance + amount` adds integers: exact on both."""

    field_type = "NUMERIC"

    def __init__(self, max_digits: int = 18, **kwargs):
        self.max_digits = max_digits
        super().__init__(**kwargs)

    def get_modifiers(self):
        return [self.max_digits, 2]

    def db_value(self, value):
        if value is None or isinstance(value, (peewee.Node,)):
            return value
        amount = Decimal(value).quantize(CENT)
        if isinstance(database.obj, peewee.SqliteDatabase):
            return int(amount * 100)
        return amount

    def python_value(self, value):
        if value is None:
            return None
        if isinstance(value, Decimal):
            return value.quantize(CENT)
        if isinstance(value, int) and isinstance(database.obj, peewee.SqliteDatabase):
            return (Decimal(value) / 100).quantize(CENT)
        return Decimal(str(value)).quantize(CENT)


class Organization(BaseModel):
    inn = peewee.CharField(max_length=12, unique=True)
    name = peewee.CharField(max_length=500)
    balance = MoneyField(max_digits=20, default=Decimal("0"))
    created_at = UTCDateTimeField(default=utcnow)


class Payment(BaseModel):
    operation_id = peewee.UUIDField(unique=True)
    amount = MoneyField()
    payer_inn = peewee.CharField(max_length=12, index=True)
    document_number = peewee.CharField(max_length=255)
    document_date = UTCDateTimeField()
    organization = peewee.ForeignKeyField(Organization, null=True, backref="payments", on_delete="RESTRICT")
    status = peewee.CharField(max_length=10, choices=[(s, s) for s in PAYMENT_STATUSES])
    payload = peewee.TextField()  # the body as the bank sent it
    received_at = UTCDateTimeField(default=utcnow, index=True)
    credited_at = UTCDateTimeField(null=True)


class BalanceLog(BaseModel):
    organization = peewee.ForeignKeyField(Organization, backref="balance_log", on_delete="RESTRICT")
    payment = peewee.ForeignKeyField(Payment, null=True, backref="balance_log", on_delete="RESTRICT")
    delta = MoneyField()
    balance_after = MoneyField(max_digits=20)
    reason = peewee.CharField(max_length=255)
    created_at = UTCDateTimeField(default=utcnow, index=True)


class WebhookDelivery(BaseModel):
    """One webhook as it arrived and what became of it, as Stripe keeps its event deliveries. Refused
    ones are kept too (with why), so this log grows on bad input by design."""

    records_refusals = True  # tests/test_bad_input.py: bad input may add a row here, and only here

    received_at = UTCDateTimeField(default=utcnow, index=True)
    operation_id = peewee.CharField(max_length=64, null=True, index=True)
    payer_inn = peewee.CharField(max_length=32, null=True)
    amount = peewee.CharField(max_length=64, null=True)  # as sent (text): a refused one may be anything
    outcome = peewee.CharField(max_length=10, choices=[(o, o) for o in OUTCOMES], index=True)
    reason = peewee.TextField(default="")
    status_code = peewee.IntegerField()
    payment = peewee.ForeignKeyField(Payment, null=True, backref="deliveries", on_delete="SET NULL")
    body = peewee.TextField(default="")  # the first BODY_KEPT characters of the raw body
    remote_ip = peewee.CharField(max_length=64, default="")


class Reconciliation(BaseModel):
    """One run of the reconciliation: every organization's balance against its log and its payments."""

    checked_at = UTCDateTimeField(default=utcnow, index=True)
    organizations = peewee.IntegerField(default=0)
    mismatches = JSONField(default=list)  # JSON: [{inn, balance, log_total, payments_total}]
    ok = peewee.BooleanField(default=True)
