"""Users, passwords and tokens: plain functions over the models, no Tornado."""
import base64
import datetime as dt
import hashlib
import hmac
import secrets
import peewee

from server.accounts import messages
from server.accounts.models import Token, User
from server.cache import ExpiringCache
from server.db import database, utcnow
from server.events import events
from server.settings import settings

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


class UsernameTaken(Exception):
    message = messages.USERNAME_TAKEN

    def __init__(self, username: str):
        super().__init__(self.message)
        self.username = username


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                                p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# Verifying a password costs ~50 ms of scrypt, so it is done for a missing user too: the time a
# failed login takes does not tell whether the username exists.
_DUMMY_HASH = hash_password(secrets.token_hex(8))


def verify_credentials(username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = User.get_or_none(User.username == username)
    if not check_password(password, user.password if user else _DUMMY_HASH):
        return None
    if not user.is_active:
        return None
    User.update(last_login_at=utcnow()).where(User.id == user.id).execute()
    return user


# Recently verified credentials, so that each request does not pay for scrypt again. Any change to
# users or tokens empties it, in every server process (through the event channel), once committed.
credential_cache = ExpiringCache("credentials", lifetime=30.0)


def credentials_changed() -> None:
    """Called after a change to users or tokens has been committed: from now on, no server answers
    from what it remembered before."""
    credential_cache.invalidate()
    events.publish(credential_cache.topic)


def basic_key(username: str, password: str) -> str:
    return "basic:" + hashlib.sha256(f"{username}\0{password}".encode()).hexdigest()


def bearer_key(token: str) -> str:
    return "bearer:" + _token_hash(token)


def user_for_basic(username: str, password: str) -> User | None:
    key, since = basic_key(username, password), credential_cache.generation
    user = credential_cache.get(key)
    if user is None:
        user = verify_credentials(username, password)
        if user is not None:
            credential_cache.put(key, user, since)
    return user


def user_for_bearer(token: str) -> User | None:
    key, since = bearer_key(token), credential_cache.generation
    user = credential_cache.get(key)
    if user is None:
        row = live_token(token)
        if row is not None:
            user = row.user
            # An entry never outlives the token: an expired token is refused on the second.
            credential_cache.put(key, user, since, lifetime=(row.expires_at - utcnow()).total_seconds())
    return user


def create_user(username: str, password: str, role: str, full_name: str = "", email: str = "",
                is_active: bool = True) -> User:
    try:
        with database.atomic():
            return User.create(username=username, password=hash_password(password), role=role,
                                full_name=full_name, email=email, is_active=is_active)
    except peewee.IntegrityError:
        raise UsernameTaken(username) from None


class SelfLockout(Exception):
    message = messages.NO_LOCKING_OUT

    def __init__(self):
        super().__init__(self.message)


def update_user(user: User, changes: dict, by: User | None = None) -> User:
    """Apply `changes` (a new password revokes the user's tokens, as deactivation does). An admin
    (`by`) may not deactivate themselves or take away their own admin role."""
    if by is not None and by.id == user.id and (
            changes.get("is_active") is False or changes.get("role", "admin") != "admin"):
        raise SelfLockout()
    password = changes.pop("password", None)
    if password is not None:
        user.password = hash_password(password)
    for name, value in changes.items():
        setattr(user, name, value)
    try:
        with database.atomic():
            user.save()
    except peewee.IntegrityError:
        raise UsernameTaken(user.username) from None
    if password is not None or user.is_active is False:
        revoke_all_tokens(user)
    credentials_changed()
    return user


def users_query(params: dict) -> peewee.Select:
    """Users with the list's filters: `role`, `is_active`, `search`."""
    query = User.select()
    if params.get("role"):
        query = query.where(User.role == params["role"])
    if params.get("is_active") is not None:
        query = query.where(User.is_active == params["is_active"])
    search = params.get("search")
    if search:  # a substring, case-insensitive; % and _ in it are plain characters
        query = query.where(User.username.contains(search) | User.full_name.contains(search)
                            | User.email.contains(search))
    return query


def ensure_default_admin() -> bool:
    """Create admin/admin when no user exists yet (the embedded profile's first start)."""
    if User.select().exists():
        return False
    create_user("admin", "admin", "admin", full_name="Администратор")
    return True


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str = "", ttl_hours: int | None = None) -> tuple[str, Token]:
    """A new random token for the user; only its hash is stored, so the token is returned once."""
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + dt.timedelta(hours=ttl_hours or settings.token_ttl_hours)
    row = Token.create(user=user, token_hash=_token_hash(token), name=name, expires_at=expires_at)
    return token, row


def live_token(token: str) -> Token | None:
    """The unexpired token row of an active user (with `.user` loaded), or None; marks it used."""
    now = utcnow()
    row = (Token.select(Token, User).join(User)
           .where(Token.token_hash == _token_hash(token), Token.expires_at > now,
                  User.is_active == True)  # noqa: E712
           .first())
    if row is not None:
        Token.update(last_used_at=now).where(Token.id == row.id).execute()
    return row


def revoke_token_value(token: str) -> bool:
    """Revoke the token itself (its holder logging out)."""
    revoked = Token.delete().where(Token.token_hash == _token_hash(token)).execute() > 0
    credentials_changed()
    return revoked


def list_tokens(user: User):
    return Token.select().where(Token.user == user, Token.expires_at > utcnow()).order_by(Token.id)


def revoke_token(token_id: int, user: User | None = None) -> bool:
    query = Token.delete().where(Token.id == token_id)
    if user is not None:
        query = query.where(Token.user == user)
    revoked = query.execute() > 0
    credentials_changed()
    return revoked


def revoke_all_tokens(user: User) -> int:
    revoked = Token.delete().where(Token.user == user).execute()
    credentials_changed()
    return revoked
