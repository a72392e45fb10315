"""Fiscal: service groups, their cash registers, access lists, shifts and fiscal receipts."""

import peewee as pw
from peewee_migrate import Migrator


class AccountsUser(pw.Model):
    """The users' table as it is named since 002 (referenced only)."""

    id = pw.AutoField()

    class Meta:
        table_name = "accounts_user"


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class ServiceGroup(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=255)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "fiscal_service_group"

    @migrator.create_model
    class CashRegister(pw.Model):
        id = pw.AutoField()
        group = pw.ForeignKeyField(ServiceGroup, column_name="group_id", on_delete="CASCADE", unique=True)
        model = pw.CharField(max_length=50)
        config = pw.TextField()
        state = pw.CharField(max_length=10, default="stopped")
        error = pw.TextField(null=True)
        secret = pw.CharField(max_length=64)
        last_receipt_num = pw.IntegerField(default=0)
        last_shift_num = pw.IntegerField(default=0)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "fiscal_cash_register"

    @migrator.create_model
    class GroupAccess(pw.Model):
        id = pw.AutoField()
        group = pw.ForeignKeyField(ServiceGroup, column_name="group_id", on_delete="CASCADE")
        user = pw.ForeignKeyField(AccountsUser, column_name="user_id", on_delete="CASCADE")

        class Meta:
            table_name = "fiscal_group_access"
            indexes = [(("group", "user"), True)]

    @migrator.create_model
    class Shift(pw.Model):
        id = pw.AutoField()
        device = pw.ForeignKeyField(CashRegister, column_name="device_id", on_delete="CASCADE")
        number = pw.IntegerField()
        opened_at = pw.DateTimeField()
        closed_at = pw.DateTimeField(null=True)
        receipts_count = pw.IntegerField(default=0)
        totals = pw.TextField()

        class Meta:
            table_name = "fiscal_shift"
            indexes = [(("device", "number"), True)]

    @migrator.create_model
    class FiscalReceipt(pw.Model):
        id = pw.AutoField()
        group = pw.ForeignKeyField(ServiceGroup, column_name="group_id", on_delete="CASCADE")
        device = pw.ForeignKeyField(CashRegister, column_name="device_id", on_delete="CASCADE")
        user = pw.ForeignKeyField(AccountsUser, column_name="user_id", null=True, on_delete="SET NULL")
        idempotency_key = pw.CharField(max_length=128, null=True)
        body_hash = pw.CharField(max_length=64)
        order_id = pw.BigIntegerField(null=True)
        receipt_type = pw.IntegerField()
        email = pw.CharField(max_length=255, null=True)
        phone_number = pw.CharField(max_length=32, null=True)
        tax_system = pw.IntegerField()
        need_print = pw.BooleanField(default=False)
        products = pw.TextField()
        payments = pw.TextField()
        commodities_total_cost = pw.DecimalField(max_digits=16, decimal_places=2)
        payments_total = pw.DecimalField(max_digits=16, decimal_places=2)
        change = pw.DecimalField(max_digits=16, decimal_places=2, default=0)
        mistaken_receipt_number = pw.CharField(max_length=16, null=True)
        correction_data = pw.TextField(null=True)
        callback_url = pw.CharField(max_length=1000, null=True)
        callback_state = pw.CharField(max_length=12, null=True)
        callback_attempts = pw.TextField()
        state = pw.CharField(max_length=12, default="in_process", index=True)
        error = pw.TextField(null=True)
        attempts = pw.IntegerField(default=0)
        fiscal_sign = pw.CharField(max_length=10, null=True)
        registration_datetime = pw.DateTimeField(null=True)
        shift_num = pw.IntegerField(null=True)
        receipt_in_shift_num = pw.IntegerField(null=True)
        receipt_num = pw.IntegerField(null=True)
        cashier = pw.CharField(max_length=255, null=True)
        registration = pw.TextField(null=True)
        created_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "fiscal_receipt"
            indexes = [
                (("group", "idempotency_key"), True),
                (("group", "order_id", "receipt_type"), True),
                (("device", "receipt_num"), True),
                (("group", "created_at"), False),
            ]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in ("fiscal_receipt", "fiscal_shift", "fiscal_group_access", "fiscal_cash_register",
                  "fiscal_service_group"):
        migrator.remove_model(table)
