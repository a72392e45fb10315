"""Signed HTTP bodies, as a bank signs its webhooks and as we sign our callbacks:
`X-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. During a secret's rotation a
sender may give several `v1=`; a receiver accepts the body when one of them matches one of its
secrets, compared in constant time, and the time is at most `max_age` seconds away."""
import hashlib
import hmac
import time

HEADER = "X-Signature"


class BadSignature(Exception):
    """Why a signature was refused (the text says, for the sender's log)."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(body: bytes, secrets: list[str], now: float | None = None) -> str:
    """The header value for `body`, with a `v1=` for each secret."""
    timestamp = int(time.time() if now is None else now)
    return ",".join([f"t={timestamp}", *(f"v1={signature(secret, timestamp, body)}" for secret in secrets)])


def verify(header: str | None, body: bytes, secrets: list[str], max_age: int = 300,
           now: float | None = None) -> None:
    """Raise BadSignature unless `header` signs `body` with one of `secrets`, at most `max_age` s away."""
    if not header:
        raise BadSignature("no signature")
    timestamp, candidates = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit():  # "²" is a digit to isdigit(), not to int()
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value.strip().lower())
    if timestamp is None or not candidates:
        raise BadSignature("malformed signature: t=<unix time>,v1=<hex> expected")
    age = int(time.time() if now is None else now) - timestamp  # whole seconds, as t is sent
    if age > max_age:
        raise BadSignature(f"signature older than {max_age} s")
    if age < -max_age:
        raise BadSignature(f"signature more than {max_age} s in the future")
    expected = [signature(secret, timestamp, body) for secret in secrets]
    if not any(hmac.compare_digest(mine, theirs) for mine in expected for theirs in candidates):
        raise BadSignature("signature does not match")
