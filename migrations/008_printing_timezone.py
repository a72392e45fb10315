"""Printing: a printer may name its point's time zone (the time printed on its checks); none means the
TIME_ZONE setting."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("ALTER TABLE printing_printer ADD COLUMN time_zone VARCHAR(64)")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.sql("ALTER TABLE printing_printer DROP COLUMN time_zone")
