"""Billing: houses, apartments, water meters, readings, tariffs, billing runs and bills.

Two rules live in indexes peewee cannot declare: at most one pending or running billing run per house
and month (a partial unique index, which makes concurrent starts find the same run), and one tariff per
kind, house (or none) and start date (an expression index, as NULL houses never clash in a plain one)."""

import peewee as pw
from peewee_migrate import Migrator


def exact(digits: int, places: int, **kwargs) -> pw.DecimalField:
    return pw.DecimalField(max_digits=digits, decimal_places=places, auto_round=False, **kwargs)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class House(pw.Model):
        id = pw.AutoField()
        address = pw.CharField(max_length=500, unique=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "billing_house"

    @migrator.create_model
    class Apartment(pw.Model):
        id = pw.AutoField()
        house = pw.ForeignKeyField(column_name="house_id", field="id", model=migrator.orm["billing_house"],
                                   on_delete="CASCADE")
        number = pw.CharField(max_length=20)
        area = exact(10, 2)

        class Meta:
            table_name = "billing_apartment"
            indexes = [(("house", "number"), True)]

    @migrator.create_model
    class WaterMeter(pw.Model):
        id = pw.AutoField()
        apartment = pw.ForeignKeyField(column_name="apartment_id", field="id",
                                       model=migrator.orm["billing_apartment"], on_delete="CASCADE")
        serial = pw.CharField(max_length=64, unique=True)
        kind = pw.CharField(max_length=4)
        installed_at = pw.DateField(null=True)
        initial_reading = exact(14, 3, default=0)
        removed_at = pw.DateField(null=True)

        class Meta:
            table_name = "billing_water_meter"

    @migrator.create_model
    class MeterReading(pw.Model):
        id = pw.AutoField()
        meter = pw.ForeignKeyField(column_name="meter_id", field="id", model=migrator.orm["billing_water_meter"],
                                   on_delete="CASCADE")
        month = pw.DateField()
        value = exact(14, 3)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "billing_meter_reading"
            indexes = [(("meter", "month"), True)]

    @migrator.create_model
    class Tariff(pw.Model):
        id = pw.AutoField()
        kind = pw.CharField(max_length=12)
        price = exact(12, 4)
        valid_from = pw.DateField()
        house = pw.ForeignKeyField(column_name="house_id", field="id", model=migrator.orm["billing_house"],
                                   null=True, on_delete="CASCADE")
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "billing_tariff"

    @migrator.create_model
    class BillingRun(pw.Model):
        id = pw.AutoField()
        house = pw.ForeignKeyField(column_name="house_id", field="id", model=migrator.orm["billing_house"],
                                   on_delete="CASCADE")
        month = pw.DateField()
        recalculate = pw.BooleanField(default=False)
        status = pw.CharField(max_length=10, default="pending")
        total = pw.IntegerField(default=0)
        processed = pw.IntegerField(default=0)
        cursor = pw.BigIntegerField(default=0)
        error = pw.TextField(null=True)
        created_at = pw.DateTimeField()
        started_at = pw.DateTimeField(null=True)
        updated_at = pw.DateTimeField()
        finished_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "billing_billing_run"
            indexes = [(("house", "month"), False), (("status",), False)]

    @migrator.create_model
    class Bill(pw.Model):
        id = pw.AutoField()
        apartment = pw.ForeignKeyField(column_name="apartment_id", field="id",
                                       model=migrator.orm["billing_apartment"], on_delete="RESTRICT")
        house = pw.ForeignKeyField(column_name="house_id", field="id", model=migrator.orm["billing_house"],
                                   on_delete="RESTRICT")
        month = pw.DateField()
        water_amount = exact(14, 2)
        maintenance_amount = exact(14, 2)
        total = exact(14, 2)
        lines = pw.TextField()
        run = pw.ForeignKeyField(column_name="run_id", field="id", model=migrator.orm["billing_billing_run"],
                                 null=True, on_delete="SET NULL")
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "billing_bill"
            indexes = [(("apartment", "month"), True), (("house", "month"), False)]

    migrator.sql("CREATE UNIQUE INDEX billing_billing_run_one_active ON billing_billing_run (house_id, month) "
                 "WHERE status IN ('pending', 'running')")
    migrator.sql("CREATE UNIQUE INDEX billing_tariff_kind_house_valid_from ON billing_tariff "
                 "(kind, COALESCE(house_id, 0), valid_from)")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in ("billing_bill", "billing_billing_run", "billing_tariff", "billing_meter_reading",
                  "billing_water_meter", "billing_apartment", "billing_house"):
        migrator.remove_model(table)
