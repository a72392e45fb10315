"""Accounts over HTTP: tokens, the current user, and the admin's users API."""
from server.accounts import messages, service
from server.accounts.models import User
from server.accounts.schemas import (
    IssuedTokenSchema, MeSchema, PasswordSchema, TokenListSchema, TokenQuery, TokenSchema, UserListQuery,
    UserPageSchema, UserSchema, UserUpdateSchema,
)
from server.auth import Needs
from server.db import run_db
from server.http import ApiError, BaseHandler, api

SELF = "accounts:self"
READ_USERS = Needs("accounts:users:read")
WRITE_USERS = Needs("accounts:users:write")
OWN_ACCOUNT = Needs(SELF)
BASIC_LOGIN = Needs(SELF, schemes=("basic",))
BEARER_SESSION = Needs(SELF, schemes=("bearer",))


def bearer_token(handler) -> str:
    scheme, _, value = handler.request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


async def find_user(user_id: str) -> User:
    user = await run_db(User.get_or_none, User.id == int(user_id))
    if user is None:
        raise ApiError(404, messages.NO_SUCH_USER)
    return user


class TokenHandler(BaseHandler):
    @api(BASIC_LOGIN, query=TokenQuery(), tags=["accounts"], summary="Exchange Basic credentials for a token",
         responses={201: IssuedTokenSchema})
    async def post(self):
        token, row = await run_db(service.issue_token, self.current_user, self.query["name"],
                                  self.query.get("ttl_hours"))
        self.write_json(IssuedTokenSchema().dump(
            {"token": token, "expires_at": row.expires_at, "user": self.current_user}), 201)

    @api(BEARER_SESSION, tags=["accounts"], summary="Revoke the Bearer token of this request (log out)",
         responses={204: None})
    async def delete(self):
        await run_db(service.revoke_token_value, bearer_token(self))
        self.set_status(204)
        self.finish()


class MeHandler(BaseHandler):
    @api(OWN_ACCOUNT, tags=["accounts"], summary="The current user, role and permissions",
         responses={200: MeSchema})
    async def get(self):
        self.write_json(MeSchema().dump(self.current_user))


class UsersHandler(BaseHandler):
    @api(READ_USERS, query=UserListQuery(), tags=["accounts"], summary="List users",
         responses={200: UserPageSchema})
    async def get(self):
        await self.write_page(UserSchema, service.users_query, self.query)

    @api(WRITE_USERS, body=UserSchema(), refuses={409: service.UsernameTaken}, tags=["accounts"],
         summary="Create a user", responses={201: UserSchema})
    async def post(self):
        user = await run_db(service.create_user, **self.body)
        self.write_json(UserSchema().dump(user), 201)


class UserHandler(BaseHandler):
    @api(READ_USERS, tags=["accounts"], summary="A user", responses={200: UserSchema})
    async def get(self, user_id):
        self.write_json(UserSchema().dump(await find_user(user_id)))

    @api(WRITE_USERS, body=UserUpdateSchema(), refuses={409: (service.UsernameTaken, service.SelfLockout)},
         tags=["accounts"], summary="Edit a user", responses={200: UserSchema})
    async def patch(self, user_id):
        user = await find_user(user_id)
        user = await run_db(service.update_user, user, dict(self.body), by=self.current_user)
        self.write_json(UserSchema().dump(user))

    @api(WRITE_USERS, refuses={409: service.SelfLockout}, tags=["accounts"],
         summary="Deactivate a user (their tokens are revoked)", responses={200: UserSchema})
    async def delete(self, user_id):
        user = await find_user(user_id)
        user = await run_db(service.update_user, user, {"is_active": False}, by=self.current_user)
        self.write_json(UserSchema().dump(user))


class UserPasswordHandler(BaseHandler):
    @api(WRITE_USERS, body=PasswordSchema(), tags=["accounts"], summary="Set a new password (revokes tokens)",
         responses={200: UserSchema})
    async def post(self, user_id):
        user = await find_user(user_id)
        user = await run_db(service.update_user, user, {"password": self.body["password"]})
        self.write_json(UserSchema().dump(user))


class UserTokensHandler(BaseHandler):
    @api(READ_USERS, tags=["accounts"], summary="A user's live tokens", responses={200: TokenListSchema})
    async def get(self, user_id):
        user = await find_user(user_id)
        tokens = await run_db(lambda: list(service.list_tokens(user)))
        self.write_json({"items": TokenSchema(many=True).dump(tokens)})


class UserTokenHandler(BaseHandler):
    @api(WRITE_USERS, tags=["accounts"], summary="Revoke one of a user's tokens", responses={204: None})
    async def delete(self, user_id, token_id):
        user = await find_user(user_id)
        if not await run_db(service.revoke_token, int(token_id), user):
            raise ApiError(404, messages.NO_SUCH_TOKEN)
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
