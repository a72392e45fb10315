"""Analytics: the intake's incoming receipts, event log and outbox; the consumer's places, receipts,
items, processed messages, dead letters and hourly figures."""

import peewee as pw
from peewee_migrate import Migrator


def money(**kwargs):
    return pw.DecimalField(max_digits=14, decimal_places=2, auto_round=True, **kwargs)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class IncomingReceipt(pw.Model):
        transaction_id = pw.CharField(max_length=100, unique=True)
        place_id = pw.CharField(max_length=100)
        content_hash = pw.CharField(max_length=64)
        payload = pw.TextField()
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "analytics_incoming_receipt"

    @migrator.create_model
    class ReceiptEvent(pw.Model):
        transaction_id = pw.CharField(max_length=100, null=True, index=True)
        status = pw.CharField(max_length=10)
        reason = pw.TextField()
        details = pw.TextField(null=True)
        payload = pw.TextField()
        username = pw.CharField(max_length=150)
        created_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "analytics_receipt_event"

    @migrator.create_model
    class Outbox(pw.Model):
        topic = pw.CharField(max_length=255)
        key = pw.CharField(max_length=100)
        message_id = pw.CharField(max_length=100, default="")
        payload = pw.TextField()
        created_at = pw.DateTimeField()
        sent_at = pw.DateTimeField(null=True, index=True)
        attempts = pw.IntegerField(default=0)
        last_error = pw.TextField(null=True)

        class Meta:
            table_name = "analytics_outbox"

    @migrator.create_model
    class Place(pw.Model):
        id = pw.CharField(max_length=100, primary_key=True)
        name = pw.CharField(max_length=255)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "analytics_place"

    @migrator.create_model
    class Receipt(pw.Model):
        transaction_id = pw.CharField(max_length=100, unique=True)
        place = pw.ForeignKeyField(Place, on_delete="CASCADE")
        timestamp = pw.DateTimeField()
        hour = pw.DateTimeField()
        total_amount = money()
        vat_amount = money()
        tips_amount = money()
        payment_method = pw.CharField(max_length=50)
        stored_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "analytics_receipt"
            indexes = ((("hour", "place"), False),)

    @migrator.create_model
    class ReceiptItem(pw.Model):
        receipt = pw.ForeignKeyField(Receipt, on_delete="CASCADE")
        product_id = pw.CharField(max_length=100)
        category = pw.CharField(max_length=100)
        quantity = pw.DecimalField(max_digits=13, decimal_places=3)
        price = money()
        amount = money()

        class Meta:
            table_name = "analytics_receipt_item"

    @migrator.create_model
    class ProcessedMessage(pw.Model):
        id = pw.CharField(max_length=100, primary_key=True)
        topic = pw.CharField(max_length=255)
        partition = pw.IntegerField()
        offset = pw.BigIntegerField()
        processed_at = pw.DateTimeField()

        class Meta:
            table_name = "analytics_processed_message"

    @migrator.create_model
    class DeadLetter(pw.Model):
        topic = pw.CharField(max_length=255)
        partition = pw.IntegerField()
        offset = pw.BigIntegerField()
        key = pw.TextField(null=True)
        value = pw.TextField()
        error = pw.TextField()
        created_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "analytics_dead_letter"
            indexes = ((("topic", "partition", "offset"), True),)

    @migrator.create_model
    class PlaceHour(pw.Model):
        place = pw.ForeignKeyField(Place, on_delete="CASCADE")
        hour = pw.DateTimeField()
        purchases = pw.IntegerField(default=0)
        total = money(default=0)
        vat = money(default=0)
        tips = money(default=0)

        class Meta:
            table_name = "analytics_place_hour"
            indexes = ((("place", "hour"), True), (("hour",), False))

    @migrator.create_model
    class CategoryHour(pw.Model):
        place = pw.ForeignKeyField(Place, on_delete="CASCADE")
        hour = pw.DateTimeField()
        category = pw.CharField(max_length=100)
        total_spent = money(default=0)
        receipts = pw.IntegerField(default=0)

        class Meta:
            table_name = "analytics_category_hour"
            indexes = ((("place", "hour", "category"), True), (("hour",), False))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in ("analytics_category_hour", "analytics_place_hour", "analytics_dead_letter",
                  "analytics_processed_message", "analytics_receipt_item", "analytics_receipt",
                  "analytics_place", "analytics_outbox", "analytics_receipt_event",
                  "analytics_incoming_receipt"):
        migrator.remove_model(table)
