"""Who is calling: HTTP Basic and Bearer authentication for users, and the access declarations that
handlers put in `@api(...)`: `PUBLIC`, or `Needs("module:thing:verb")` (a permission of the caller's
role, optionally narrowed to the records a path names). A module may add its own `Access` (printers
authenticate with their api_key)."""
import base64
import binascii
import time
from collections import deque

from server import messages
from server.accounts.models import ROLES, User
from server.accounts.service import (
    basic_key, bearer_key, credential_cache, issue_token, user_for_basic, user_for_bearer,
)
from server.db import run_db
from server.http import ApiError
from server.modules import permissions_of
from server.settings import settings

REALM = 'realm="receipt-hub"'


USER_SCHEMES = {
    "basic": ("basicAuth", {"type": "http", "scheme": "basic",
                            "description": "A user's username and password; repeated failures from one "
                                           "address get 429"}),
    "bearer": ("bearerAuth", {"type": "http", "scheme": "bearer",
                              "description": "A token from POST /api/v1/auth/token"}),
}


class Access:
    """How a handler method is protected: `authenticate` answers the caller or raises 401/403.

    `schemes` are its OpenAPI security schemes (name -> scheme object). For the route-walk access test,
    `access_cases()` says what each kind of caller should get ("allowed", "401" or "403"), and
    `test_request(who, body, password_of)` makes the keyword arguments of a `requests` call by `who`."""

    schemes: dict = {}
    reads_body = False  # true: authenticated once the body is read (a signature over it)

    async def authenticate(self, handler, path_args: dict):
        raise NotImplementedError

    def describe(self) -> str:
        return ""

    def access_cases(self) -> list[tuple[str | None, str]]:
        return [(None, "401")] if self.schemes else []

    def test_request(self, who: str, body: bytes, password_of) -> dict:
        raise NotImplementedError


class Public(Access):
    async def authenticate(self, handler, path_args: dict):
        return None

    def describe(self) -> str:
        return "Public: no credentials."


PUBLIC = Public()


class Needs(Access):
    """A user whose role has `permission`, authenticated by one of `schemes` ("basic", "bearer").

    `scope(user, **path_args)`, when given, narrows it to records: it runs off the event loop and
    answers whether this user may act on the record the path names (it raises ApiError(404) for a
    record that does not exist). Admins pass every scope, unless `scope_admins` (then a record that
    does not exist is 404 for them too, before the body is read). With `scope_cache` (an
    ExpiringCache) the answer is remembered per user and record, the record named by the path argument
    `record` and tagged by it, so that invalidating that tag (its access list changed) forgets it.
    `open_when()` true lets anyone in (a deployment choice)."""

    def __init__(self, permission: str, *, scope=None, scope_admins: bool = False, scope_cache=None,
                 record: str | None = None, open_when=None, schemes: tuple = ("basic", "bearer")):
        if scope_cache is not None and record is None:
            raise ValueError("a remembered scope needs the path argument that names its record")
        self.permission = permission
        self.scope = scope
        self.scope_admins = scope_admins
        self.scope_cache = scope_cache
        self.record = record
        self.open_when = open_when
        self.user_schemes = tuple(schemes)
        self.schemes = dict(USER_SCHEMES[scheme] for scheme in self.user_schemes)

    async def authenticate(self, handler, path_args: dict) -> User | None:
        if self.open_when is not None and self.open_when():
            return None
        user = await authenticate_user(handler, self.user_schemes)
        if not self.allows(user.role):
            raise ApiError(403, messages.FORBIDDEN)
        if self.scope is not None and (self.scope_admins or user.role != "admin"):
            if not await self.in_scope(user, path_args):
                raise ApiError(403, messages.NO_ACCESS_TO_RECORD)
        return user

    async def in_scope(self, user: User, path_args: dict) -> bool:
        if self.scope_cache is None:
            return await run_db(self.scope, user, **path_args)
        record = path_args[self.record]
        key = (user.id, user.role, record)
        allowed = self.scope_cache.get(key)
        if allowed is None:
            since = self.scope_cache.generation  # taken before the read: see server/cache.py
            allowed = await run_db(self.scope, user, **path_args)
            self.scope_cache.put(key, allowed, since, tags=(record,))
        return allowed

    def allows(self, role: str) -> bool:
        return self.permission in permissions_of(role)

    def roles(self) -> list[str]:
        return [role for role in ROLES if self.allows(role)]

    def describe(self) -> str:
        lines = [f"Permission `{self.permission}`: roles " + ", ".join(f"`{r}`" for r in self.roles()) + "."]
        if self.scope is not None:
            admits = (self.scope.__doc__ or "the record's own rule").strip()
            lines.append(f"Other than admins, only users the record admits ({admits}).")
            if self.scope_admins:
                lines.append("A record that does not exist is 404 for admins too.")
        if self.open_when is not None:
            lines.append("A deployment may open it to anyone (see the settings).")
        return " ".join(lines)

    def access_cases(self) -> list[tuple[str | None, str]]:
        cases = [(None, "401")]
        for role in ROLES:
            allowed = self.allows(role) and (self.scope is None or role == "admin")
            cases.append((role, "allowed" if allowed else "403"))
        return cases

    def test_request(self, who: str, body: bytes, password_of) -> dict:
        if "basic" in self.user_schemes:
            return {"auth": (who, password_of(who))}
        token, _ = issue_token(User.get(User.username == who), "access test")
        return {"headers": {"Authorization": f"Bearer {token}"}}


class LoginThrottle:
    """Failed Basic logins per client address; at the limit, that address waits out the window.

    Every failure counts, however many logins are verified at once: the count is asked again when a
    verification ends, on the event loop, so past the limit a login is refused (429) whatever its
    outcome, the right password included. A success forgives the failures of its own username only:
    an attacker's own account does not wipe the guesses at another's. Only addresses with recent
    failures are kept, so many clients cannot grow it without bound."""

    def __init__(self):
        self._failures: dict[str, deque] = {}  # address -> (when, username) of its latest failures

    def _recent(self, address: str) -> deque | None:
        failures = self._failures.get(address)
        if failures is None:
            return None
        horizon = time.monotonic() - settings.login_failure_window
        while failures and failures[0][0] < horizon:
            failures.popleft()
        if not failures:
            del self._failures[address]
            return None
        return failures

    def check(self, address: str) -> None:
        """429 when the address has used up its failures."""
        failures = self._recent(address)
        if failures is not None and len(failures) >= settings.login_failure_limit:
            retry_after = int(failures[0][0] + settings.login_failure_window - time.monotonic()) + 1
            raise ApiError(429, messages.TOO_MANY_LOGINS, headers={"Retry-After": str(max(retry_after, 1))})

    def failed(self, address: str, username: str) -> None:
        """Count a failure; 429 when the address had used up its failures before it."""
        self.check(address)
        if len(self._failures) > 100_000:
            self._failures.clear()
        failures = self._failures.setdefault(address, deque())
        failures.append((time.monotonic(), username))
        while len(failures) > settings.login_failure_limit:
            failures.popleft()

    def succeeded(self, address: str, username: str) -> None:
        """A login that ended well: refused all the same when the address has used up its failures
        meanwhile; else the failures at this username are forgiven."""
        self.check(address)
        failures = self._failures.get(address)
        if failures is not None:
            kept = deque(entry for entry in failures if entry[1] != username)
            if kept:
                self._failures[address] = kept
            else:
                del self._failures[address]

    def clear(self) -> None:
        self._failures.clear()


login_throttle = LoginThrottle()


def unauthorized(handler, schemes: tuple = ("basic", "bearer"),
                 message: str = messages.BAD_CREDENTIALS) -> ApiError:
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
        username = credentials[0] if credentials else ""
        if user is None:
            login_throttle.failed(address, username)
        else:
            login_throttle.succeeded(address, username)
    elif scheme == "bearer" and "bearer" in schemes and value.strip():
        user = await remembered_or(bearer_key, user_for_bearer, value.strip())
    else:
        user = None
    if user is None:
        raise unauthorized(handler, schemes)
    return user
