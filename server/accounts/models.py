import peewee

from server.db import BaseModel, UTCDateTimeField, utcnow

ROLES = ("admin", "cashier", "analyst", "accountant", "erp", "pos")


class User(BaseModel):
    username = peewee.CharField(max_length=150, unique=True)
    password = peewee.CharField(max_length=255)
    full_name = peewee.CharField(max_length=255, default="")
    email = peewee.CharField(max_length=255, default="")
    role = peewee.CharField(max_length=20, index=True)
    is_active = peewee.BooleanField(default=True)
    created_at = UTCDateTimeField(default=utcnow)
    last_login_at = UTCDateTimeField(null=True)


class Token(BaseModel):
    """A Bearer token. Only its SHA-256 is kept: the token itself is shown once, when issued."""

    user = peewee.ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    token_hash = peewee.CharField(max_length=64, unique=True)
    name = peewee.CharField(max_length=100, default="")
    created_at = UTCDateTimeField(default=utcnow)
    expires_at = UTCDateTimeField(index=True)
    last_used_at = UTCDateTimeField(null=True)
