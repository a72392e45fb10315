from marshmallow import Schema, fields, validate

from server.accounts.models import ROLES
from server.schemas import ListQuery, Text, ordering, page_schema

USERNAME = validate.Regexp(r"^[\w.@+-]+$", error="Только буквы, цифры и символы . @ + - _")


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = Text(required=True, min_length=1, max_length=150, validate=USERNAME,
                    metadata={"example": "cashier1"})
    password = Text(required=True, load_only=True, min_length=5, max_length=128,
                    metadata={"example": "s3cret-pass"})
    full_name = Text(metadata={"example": "Мария Иванова"})
    email = fields.Email(validate=validate.Length(max=255),
                         metadata={"example": "maria@example.com"})
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    is_active = fields.Boolean(metadata={"default": True})
    created_at = fields.DateTime(dump_only=True)
    last_login_at = fields.DateTime(dump_only=True, allow_none=True)


class UserUpdateSchema(UserSchema):
    """Every field optional; what is not sent is left as it is."""

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class PasswordSchema(Schema):
    password = Text(required=True, min_length=5, max_length=128)


class UserListQuery(ListQuery):
    role = fields.String(validate=validate.OneOf(ROLES))
    is_active = fields.Boolean()
    search = Text(max_length=100)
    sort = ordering("id", "username", "full_name", "email", "role", "is_active", "created_at",
                    "last_login_at")


class TokenQuery(Schema):
    name = Text(load_default="", max_length=100, metadata={"example": "dashboard"})
    ttl_hours = fields.Integer(validate=validate.Range(min=1, max=24 * 365))


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)


class IssuedTokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "Shown once; send as Bearer"})
    expires_at = fields.DateTime(required=True)
    user = fields.Nested(UserSchema, required=True)


UserPageSchema = page_schema(UserSchema, "UserPage")
TokenListSchema = Schema.from_dict({"items": fields.List(fields.Nested(TokenSchema))}, name="TokenList")
