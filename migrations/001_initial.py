"""The initial schema: printers and checks (printing), users and tokens (accounts)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Printer(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=255)
        api_key = pw.CharField(max_length=64, unique=True)
        check_type = pw.CharField(max_length=10)
        point_id = pw.IntegerField(index=True)
        is_active = pw.BooleanField(default=True)
        last_seen_at = pw.DateTimeField(null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "printer"

    @migrator.create_model
    class Check(pw.Model):
        id = pw.AutoField()
        printer = pw.ForeignKeyField(column_name='printer_id', field='id', model=migrator.orm['printer'], on_delete='CASCADE')
        type = pw.CharField(max_length=10)
        order = pw.TextField()
        order_id = pw.BigIntegerField(index=True)
        status = pw.CharField(default='new', max_length=10)
        pdf_file = pw.CharField(max_length=255, null=True)
        render_attempts = pw.IntegerField(default=0)
        render_error = pw.TextField(null=True)
        created_at = pw.DateTimeField(index=True)
        rendered_at = pw.DateTimeField(null=True)
        printed_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "check"
            indexes = [(('order_id', 'printer'), True), (('printer', 'status'), False)]

    @migrator.create_model
    class User(pw.Model):
        id = pw.AutoField()
        username = pw.CharField(max_length=150, unique=True)
        password = pw.CharField(max_length=255)
        full_name = pw.CharField(default='', max_length=255)
        email = pw.CharField(default='', max_length=255)
        role = pw.CharField(index=True, max_length=20)
        is_active = pw.BooleanField(default=True)
        created_at = pw.DateTimeField()
        last_login_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "user"

    @migrator.create_model
    class Token(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        token_hash = pw.CharField(max_length=64, unique=True)
        name = pw.CharField(default='', max_length=100)
        created_at = pw.DateTimeField()
        expires_at = pw.DateTimeField(index=True)
        last_used_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "token"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('token')

    migrator.remove_model('user')

    migrator.remove_model('check')

    migrator.remove_model('printer')
