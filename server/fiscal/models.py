import peewee

from server.accounts.models import User
from server.db import BaseModel, JSONField, UTCDateTimeField, utcnow

DEVICE_STATES = ("stopped", "running", "error")
RECEIPT_STATES = ("in_process", "success", "error")
# receiptType: 1 sell, 2 sell refund, 7 sell correction, 8 sell refund correction, 4 purchase,
# 5 purchase refund, 9 purchase correction, 10 purchase refund correction.
RECEIPT_TYPES = (1, 2, 4, 5, 7, 8, 9, 10)
CORRECTION_TYPES = (7, 8, 9, 10)
TAX_SYSTEMS = (1, 2, 4, 8, 16, 32)
PAYMENT_TYPES = (0, 1, 2)  # cash, card, prepayment
SHIFT_HOURS = 24


class ServiceGroup(BaseModel):
    name = peewee.CharField(max_length=255)
    created_at = UTCDateTimeField(default=utcnow)


class CashRegister(BaseModel):
    """The group's device. Its counters are the fiscal drive's: the last document number (1040) and the
    last shift number (1038); registrations lock this row, so they are serialized."""

    group = peewee.ForeignKeyField(ServiceGroup, backref="devices", on_delete="CASCADE", unique=True)
    model = peewee.CharField(max_length=50)
    config = JSONField()
    state = peewee.CharField(max_length=10, default="stopped")
    error = peewee.TextField(null=True)
    secret = peewee.CharField(max_length=64)
    last_receipt_num = peewee.IntegerField(default=0)
    last_shift_num = peewee.IntegerField(default=0)
    created_at = UTCDateTimeField(default=utcnow)


class GroupAccess(BaseModel):
    group = peewee.ForeignKeyField(ServiceGroup, backref="access", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, on_delete="CASCADE")

    class Meta:
        indexes = ((("group", "user"), True),)


class Shift(BaseModel):
    device = peewee.ForeignKeyField(CashRegister, backref="shifts", on_delete="CASCADE")
    number = peewee.IntegerField()
    opened_at = UTCDateTimeField(default=utcnow)
    closed_at = UTCDateTimeField(null=True)
    receipts_count = peewee.IntegerField(default=0)
    totals = JSONField(default=dict)  # {"by_type": {type: {"count", "total"}}, "by_payment": {type: sum}}

    class Meta:
        indexes = ((("device", "number"), True),)


class FiscalReceipt(BaseModel):
    group = peewee.ForeignKeyField(ServiceGroup, backref="receipts", on_delete="CASCADE")
    device = peewee.ForeignKeyField(CashRegister, on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, null=True, on_delete="SET NULL")
    idempotency_key = peewee.CharField(max_length=128, null=True)
    body_hash = peewee.CharField(max_length=64)
    order_id = peewee.BigIntegerField(null=True)
    receipt_type = peewee.IntegerField()
    email = peewee.CharField(max_length=255, null=True)
    phone_number = peewee.CharField(max_length=32, null=True)
    tax_system = peewee.IntegerField()
    need_print = peewee.BooleanField(default=False)
    products = JSONField()
    payments = JSONField()
    commodities_total_cost = peewee.DecimalField(max_digits=16, decimal_places=2)
    payments_total = peewee.DecimalField(max_digits=16, decimal_places=2)
    change = peewee.DecimalField(max_digits=16, decimal_places=2, default=0)
    mistaken_receipt_number = peewee.CharField(max_length=16, null=True)
    correction_data = JSONField(null=True)
    callback_url = peewee.CharField(max_length=1000, null=True)
    callback_state = peewee.CharField(max_length=12, null=True)  # pending | delivered | failed
    callback_attempts = JSONField(default=list)  # [{"at", "status", "error"}] of each delivery attempt
    state = peewee.CharField(max_length=12, default="in_process", index=True)
    error = peewee.TextField(null=True)
    attempts = peewee.IntegerField(default=0)
    fiscal_sign = peewee.CharField(max_length=10, null=True)
    registration_datetime = UTCDateTimeField(null=True)
    shift_num = peewee.IntegerField(null=True)
    receipt_in_shift_num = peewee.IntegerField(null=True)
    receipt_num = peewee.IntegerField(null=True)
    cashier = peewee.CharField(max_length=255, null=True)
    registration = JSONField(null=True)  # the device's registration data at registration
    created_at = UTCDateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "fiscal_receipt"  # not fiscal_fiscal_receipt
        indexes = (
            (("group", "idempotency_key"), True),
            (("group", "order_id", "receipt_type"), True),
            (("device", "receipt_num"), True),
            (("group", "created_at"), False),
        )
