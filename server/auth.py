"""Who is calling: HTTP Basic and Bearer authentication for users, and the access declarations that
handlers put in `@api(...)`: `PUBLIC`, or `Roles("admin", ...)`. A module may add its own (printers
authenticate with their api_key)."""
import base64
import binascii
import time
from collections import deque

from server.accounts.models import User
from server.accounts.service import basic_key, bearer_key, credential_cache, user_for_basic, user_for_bearer
from server.db import run_db
from server.http import ApiError
from server.settings import settings

REALM = 'realm="receipt-hub"'


class Access:
    """How a handler method is protected. `security` names its OpenAPI security schemes."""

    security: tuple = ()
    roles: tuple = ()

    async def authenticate(self, handler):
        raise NotImplementedError


class Public(Access):
    async def authenticate(self, handler):
        return None


PUBLIC = Public()


class Roles(Access):
    """A user with one of `roles`, authenticated by one of `schemes` ("basic", "bearer");
    `open_when()` true lets anyone in (a deployment choice)."""

    def __init__(self, *roles: str, open_when=None, schemes: tuple = ("basic", "bearer")):
        self.roles = roles
        self.open_when = open_when
        self.schemes = tuple(schemes)
        self.security = tuple(f"{scheme}Auth" for scheme in self.schemes)

    async def authenticate(self, handler) -> User | None:
        if self.open_when is not None and self.open_when():
            return None
        user = await authenticate_user(handler, self.schemes)
        if user.role not in self.roles:
            raise ApiError(403, "Недостаточно прав для этого действия")
        return user


class LoginThrottle:
    """Counts failed logins per client address; past the limit, that address waits out the window.

    Only addresses with recent failures are kept, so many clients cannot grow it without bound."""

    def __init__(self):
        self._failures: dict[str, deque] = {}

    def _recent(self, address: str) -> deque | None:
        failures = self._failures.get(address)
        if failures is None:
            return None
        horizon = time.monotonic() - settings.login_failure_window
        while failures and failures[0] < horizon:
            failures.popleft()
        if not failures:
            del self._failures[address]
            return None
        return failures

    def check(self, address: str) -> None:
        failures = self._recent(address)
        if failures is not None and len(failures) >= settings.login_failure_limit:
            retry_after = int(failures[0] + settings.login_failure_window - time.monotonic()) + 1
            raise ApiError(429, "Слишком много неудачных попыток входа, повторите позже",
                           headers={"Retry-After": str(max(retry_after, 1))})

    def failed(self, address: str) -> None:
        if len(self._failures) > 100_000:
            self._failures.clear()
        failures = self._failures.setdefault(address, deque())
        failures.append(time.monotonic())
        while len(failures) > settings.login_failure_limit:
            failures.popleft()

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)


login_throttle = LoginThrottle()


def unauthorized(handler, schemes: tuple = ("basic", "bearer"),
                 message: str = "Неверные или отсутствующие учётные данные") -> ApiError:
    scheme = handler.request.headers.get("Authorization", "").partition(" ")[0].lower()
    # A Basic challenge to a script's request (the dashboard sends X-Requested-With) would make the
    # browser pop up its own login dialog, so scripts and Bearer users are challenged with Bearer.
    from_script = handler.request.headers.get("X-Requested-With") == "XMLHttpRequest"
    if from_script or "basic" not in schemes or (scheme == "bearer" and "bearer" in schemes):
        challenge = f"Bearer {REALM}"
    else:
        challenge = f"Basic {REALM}"
    return ApiError(401, message, headers={"WWW-Authenticate": challenge})


def parse_basic(value: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


async def remembered_or(key, verify, *credentials) -> User | None:
    """The user the credential cache remembers for these credentials, read on the event loop (no thread
    hop for the usual case); otherwise `verify` them off the loop."""
    return credential_cache.get(key(*credentials)) or await run_db(verify, *credentials)


async def authenticate_user(handler, schemes: tuple = ("basic", "bearer")) -> User:
    """The user behind the request's Authorization header (one of `schemes`), or a 401 (429 after
    repeated failed Basic logins from the client's address)."""
    scheme, _, value = handler.request.headers.get("Authorization", "").partition(" ")
    scheme = scheme.lower()
    if scheme == "basic" and "basic" in schemes:
        address = handler.client_ip()
        login_throttle.check(address)
        credentials = parse_basic(value)
        user = await remembered_or(basic_key, user_for_basic, *credentials) if credentials else None
        if user is None:
            login_throttle.failed(address)
        else:
            login_throttle.succeeded(address)
    elif scheme == "bearer" and "bearer" in schemes and value.strip():
        user = await remembered_or(bearer_key, user_for_bearer, value.strip())
    else:
        user = None
    if user is None:
        raise unauthorized(handler, schemes)
    return user
