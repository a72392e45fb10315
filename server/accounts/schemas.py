from marshmallow import Schema, fields, validate

from server.accounts import messages
from server.accounts.models import ROLES
from server.modules import permissions_of
from server.schemas import FullMatch, ListQuery, StrictBool, Text, edit_schema, ordering, page_schema

USERNAME = FullMatch(r"^[\w.@+-]+$", error=messages.BAD_USERNAME)
_EMAIL = validate.Email(error=messages.BAD_EMAIL)


def email_or_blank(value: str) -> None:
    """An e-mail address, or "" for none (so an edit can clear it)."""
    if value:
        _EMAIL(value)


class UserSchema(Schema):
    id = fields.Integer(dump_only=True, metadata={"example": 2})
    username = Text(required=True, min_length=1, max_length=150, validate=USERNAME,
                    metadata={"example": "cashier1"})
    password = Text(required=True, load_only=True, min_length=5, max_length=128,
                    metadata={"example": "s3cret-pass"})
    full_name = Text(load_default="", metadata={"example": "Мария Иванова"})
    email = Text(load_default="", validate=email_or_blank,
                 metadata={"example": "maria@example.com", "pattern": r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$",
                           "description": "An e-mail address, or an empty string for none"})
    role = fields.String(required=True, validate=validate.OneOf(ROLES), metadata={"example": "cashier"})
    is_active = StrictBool(load_default=True, metadata={"example": True})
    created_at = fields.DateTime(dump_only=True)
    last_login_at = fields.DateTime(dump_only=True, allow_none=True)


UserUpdateSchema = edit_schema(UserSchema)


class MeSchema(UserSchema):
    permissions = fields.Function(
        lambda user: sorted(permissions_of(user.role)), required=True,
        metadata={"type": "array", "items": {"type": "string"},
                  "example": ["accounts:self", "printing:orders:create"],
                  "description": "What the user's role may do; the dashboard shows and hides its pages "
                                 "from these"})


class PasswordSchema(Schema):
    password = Text(required=True, min_length=5, max_length=128, metadata={"example": "n3w-s3cret"})


class UserListQuery(ListQuery):
    role = fields.String(validate=validate.OneOf(ROLES))
    is_active = fields.Boolean()
    search = Text(max_length=100, metadata={"description": "A part of the username, full name or e-mail"})
    sort = ordering("id", "username", "full_name", "email", "role", "is_active", "created_at",
                    "last_login_at")


class TokenQuery(Schema):
    name = Text(load_default="", max_length=100, metadata={"example": "dashboard",
                                                            "description": "What the token is for"})
    ttl_hours = fields.Integer(validate=validate.Range(min=1, max=24 * 365),
                               metadata={"description": "Lifetime in hours (TOKEN_TTL_HOURS by default)"})


class TokenSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 1})
    name = fields.String(required=True, metadata={"example": "dashboard"})
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    last_used_at = fields.DateTime(allow_none=True)


class IssuedTokenSchema(Schema):
    token = fields.String(required=True,
                          metadata={"description": "Shown once; send as `Authorization: Bearer`",
                                                   "example": "q6J0t1xJ0cS9fYbq0m1v3c4jR1gkz0mV8H2wD7sP5eA"})
    expires_at = fields.DateTime(required=True)
    user = fields.Nested(MeSchema, required=True)


UserPageSchema = page_schema(UserSchema, "UserPage")
TokenListSchema = Schema.from_dict({"items": fields.List(fields.Nested(TokenSchema), required=True)},
                                   name="TokenList")

