"""Payments (issue 12): organizations with their balance, the payments banks notify us of, the balance
log, every webhook delivery, and the reconciliation runs. Money is NUMERIC(.., 2): exact Decimal on
PostgreSQL; on SQLite the same columns hold whole kopecks (server.payments.models.MoneyField)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Organization(pw.Model):
        id = pw.AutoField()
        inn = pw.CharField(max_length=12, unique=True)
        name = pw.CharField(max_length=500)
        balance = pw.DecimalField(max_digits=20, decimal_places=2, default=0)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "payments_organization"

    @migrator.create_model
    class Payment(pw.Model):
        id = pw.AutoField()
        operation_id = pw.UUIDField(unique=True)
        amount = pw.DecimalField(max_digits=18, decimal_places=2)
        payer_inn = pw.CharField(max_length=12, index=True)
        document_number = pw.CharField(max_length=255)
        document_date = pw.DateTimeField()
        organization = pw.ForeignKeyField(column_name="organization_id", field="id", null=True,
                                          model=migrator.orm["payments_organization"], on_delete="RESTRICT")
        status = pw.CharField(max_length=10)
        payload = pw.TextField()
        received_at = pw.DateTimeField(index=True)
        credited_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "payments_payment"
            indexes = [(("status", "payer_inn"), False)]

    @migrator.create_model
    class BalanceLog(pw.Model):
        id = pw.AutoField()
        organization = pw.ForeignKeyField(column_name="organization_id", field="id",
                                          model=migrator.orm["payments_organization"], on_delete="RESTRICT")
        payment = pw.ForeignKeyField(column_name="payment_id", field="id", null=True,
                                     model=migrator.orm["payments_payment"], on_delete="RESTRICT")
        delta = pw.DecimalField(max_digits=18, decimal_places=2)
        balance_after = pw.DecimalField(max_digits=20, decimal_places=2)
        reason = pw.CharField(max_length=255)
        created_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "payments_balance_log"

    @migrator.create_model
    class WebhookDelivery(pw.Model):
        id = pw.AutoField()
        received_at = pw.DateTimeField(index=True)
        operation_id = pw.CharField(max_length=64, null=True, index=True)
        payer_inn = pw.CharField(max_length=32, null=True)
        amount = pw.CharField(max_length=64, null=True)
        outcome = pw.CharField(max_length=10, index=True)
        reason = pw.TextField(default="")
        status_code = pw.IntegerField()
        payment = pw.ForeignKeyField(column_name="payment_id", field="id", null=True,
                                     model=migrator.orm["payments_payment"], on_delete="SET NULL")
        body = pw.TextField(default="")
        remote_ip = pw.CharField(max_length=64, default="")

        class Meta:
            table_name = "payments_webhook_delivery"

    @migrator.create_model
    class Reconciliation(pw.Model):
        id = pw.AutoField()
        checked_at = pw.DateTimeField(index=True)
        organizations = pw.IntegerField(default=0)
        mismatches = pw.TextField(default="[]")
        ok = pw.BooleanField(default=True)

        class Meta:
            table_name = "payments_reconciliation"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in ("payments_reconciliation", "payments_webhook_delivery", "payments_balance_log",
                  "payments_payment", "payments_organization"):
        migrator.remove_model(table)
