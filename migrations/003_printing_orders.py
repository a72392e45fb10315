"""Printing: an order id is taken once, whatever the point (its checks share `pdf/<id>_<type>.pdf`).
The orders already taken are recorded from their checks."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Order(pw.Model):
        id = pw.BigIntegerField(primary_key=True)
        point_id = pw.IntegerField()
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "printing_order"

    migrator.sql("""
        INSERT INTO printing_order (id, point_id, created_at)
        SELECT c.order_id, p.point_id, c.created_at
        FROM printing_check c JOIN printing_printer p ON p.id = c.printer_id
        WHERE c.id IN (SELECT MIN(id) FROM printing_check GROUP BY order_id)
    """)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("printing_order")
