"""Accounts over HTTP: tokens, the current user, and the admin's users API."""
from server.accounts import service
from server.accounts.models import ROLES, User
from server.accounts.schemas import (
    IssuedTokenSchema, PasswordSchema, TokenListSchema, TokenQuery, TokenSchema, UserListQuery,
    UserPageSchema, UserSchema, UserUpdateSchema,
)
from server.auth import Roles
from server.db import paginate, run_db
from server.http import ApiError, BaseHandler, api, refused_as
from server.schemas import ErrorSchema

USERNAME_TAKEN = "Пользователь с таким именем уже существует"
ADMIN = Roles("admin")
ANY_USER = Roles(*ROLES)
BASIC_USER = Roles(*ROLES, schemes=("basic",))
BEARER_USER = Roles(*ROLES, schemes=("bearer",))
AUTH_ERRORS = {401: ErrorSchema, 403: ErrorSchema}
USER_SORTS = {name: getattr(User, name) for name in
              ("id", "username", "full_name", "email", "role", "is_active", "created_at", "last_login_at")}


def bearer_token(handler) -> str:
    scheme, _, value = handler.request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def refuse_locking_out(handler, user: User, changes: dict) -> None:
    """An admin may not deactivate themselves or take away their own admin role."""
    if user.id != handler.current_user.id:
        return
    if changes.get("is_active") is False or changes.get("role", "admin") != "admin":
        raise ApiError(409, "Нельзя отключить себя или снять с себя роль администратора")


async def find_user(user_id: str) -> User:
    user = await run_db(User.get_or_none, User.id == int(user_id))
    if user is None:
        raise ApiError(404, "Пользователь не найден")
    return user


class TokenHandler(BaseHandler):
    @api(BASIC_USER, query=TokenQuery(), tags=["accounts"], summary="Exchange Basic credentials for a token",
         responses={201: IssuedTokenSchema, 400: ErrorSchema, 401: ErrorSchema, 429: ErrorSchema})
    async def post(self):
        token, row = await run_db(service.issue_token, self.current_user, self.query["name"],
                                  self.query.get("ttl_hours"))
        self.write_json(IssuedTokenSchema().dump(
            {"token": token, "expires_at": row.expires_at, "user": self.current_user}), 201)

    @api(BEARER_USER, tags=["accounts"], summary="Revoke the Bearer token of this request (log out)",
         responses={204: None, **AUTH_ERRORS})
    async def delete(self):
        await run_db(service.revoke_token_value, bearer_token(self))
        self.set_status(204)
        self.finish()


class MeHandler(BaseHandler):
    @api(ANY_USER, tags=["accounts"], summary="The current user and role",
         responses={200: UserSchema, **AUTH_ERRORS})
    async def get(self):
        self.write_json(UserSchema().dump(self.current_user))


class UsersHandler(BaseHandler):
    @api(ADMIN, query=UserListQuery(), tags=["accounts"], summary="List users",
         responses={200: UserPageSchema, 400: ErrorSchema, **AUTH_ERRORS})
    async def get(self):
        q = self.query
        rows, total = await run_db(lambda: paginate(
            service.list_users(q.get("role"), q.get("is_active"), q.get("search")), q, USER_SORTS))
        self.write_page(UserSchema, rows, total)

    @api(ADMIN, body=UserSchema(), tags=["accounts"], summary="Create a user",
         responses={201: UserSchema, 400: ErrorSchema, 409: ErrorSchema, **AUTH_ERRORS})
    async def post(self):
        with refused_as(409, service.UsernameTaken, message=USERNAME_TAKEN):
            user = await run_db(service.create_user, **self.body)
        self.write_json(UserSchema().dump(user), 201)


class UserHandler(BaseHandler):
    @api(ADMIN, tags=["accounts"], summary="A user",
         responses={200: UserSchema, 404: ErrorSchema, **AUTH_ERRORS})
    async def get(self, user_id):
        self.write_json(UserSchema().dump(await find_user(user_id)))

    @api(ADMIN, body=UserUpdateSchema(), tags=["accounts"], summary="Edit a user",
         responses={200: UserSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, **AUTH_ERRORS})
    async def patch(self, user_id):
        user = await find_user(user_id)
        refuse_locking_out(self, user, self.body)
        with refused_as(409, service.UsernameTaken, message=USERNAME_TAKEN):
            user = await run_db(service.update_user, user, dict(self.body))
        self.write_json(UserSchema().dump(user))

    @api(ADMIN, tags=["accounts"], summary="Deactivate a user (their tokens are revoked)",
         responses={200: UserSchema, 404: ErrorSchema, 409: ErrorSchema, **AUTH_ERRORS})
    async def delete(self, user_id):
        user = await find_user(user_id)
        refuse_locking_out(self, user, {"is_active": False})
        user = await run_db(service.update_user, user, {"is_active": False})
        self.write_json(UserSchema().dump(user))


class UserPasswordHandler(BaseHandler):
    @api(ADMIN, body=PasswordSchema(), tags=["accounts"], summary="Set a new password (revokes tokens)",
         responses={200: UserSchema, 400: ErrorSchema, 404: ErrorSchema, **AUTH_ERRORS})
    async def post(self, user_id):
        user = await find_user(user_id)
        user = await run_db(service.update_user, user, {"password": self.body["password"]})
        self.write_json(UserSchema().dump(user))


class UserTokensHandler(BaseHandler):
    @api(ADMIN, tags=["accounts"], summary="A user's live tokens",
         responses={200: TokenListSchema, 404: ErrorSchema, **AUTH_ERRORS})
    async def get(self, user_id):
        user = await find_user(user_id)
        tokens = await run_db(lambda: list(service.list_tokens(user)))
        self.write_json({"items": TokenSchema(many=True).dump(tokens)})


class UserTokenHandler(BaseHandler):
    @api(ADMIN, tags=["accounts"], summary="Revoke one of a user's tokens",
         responses={204: None, 404: ErrorSchema, **AUTH_ERRORS})
    async def delete(self, user_id, token_id):
        user = await find_user(user_id)
        if not await run_db(service.revoke_token, int(token_id), user):
            raise ApiError(404, "Токен не найден")
        self.set_status(204)
        self.finish()


routes = [
    (r"/api/v1/auth/token", TokenHandler),
    (r"/api/v1/me", MeHandler),
    (r"/api/v1/users", UsersHandler),
    (r"/api/v1/users/(?P<user_id>\d{1,18})", UserHandler),
    (r"/api/v1/users/(?P<user_id>\d{1,18})/password", UserPasswordHandler),
    (r"/api/v1/users/(?P<user_id>\d{1,18})/tokens", UserTokensHandler),
    (r"/api/v1/users/(?P<user_id>\d{1,18})/tokens/(?P<token_id>\d{1,18})", UserTokenHandler),
]
