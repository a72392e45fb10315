"""Signed bodies: good, rotated, tampered, expired, malformed and missing signatures."""
import pytest

from server.signing import BadSignature, sign, verify

BODY = b'{"operation_id": "x"}'


def test_a_signature_made_with_the_secret_is_accepted():
    verify(sign(BODY, ["s1"]), BODY, ["s1"])


def test_during_a_rotation_either_secret_matches_on_either_side():
    verify(sign(BODY, ["old", "new"]), BODY, ["new"])
    verify(sign(BODY, ["old"]), BODY, ["new", "old"])


@pytest.mark.parametrize("header, body, why", [
    (None, BODY, "no signature"),
    ("", BODY, "no signature"),
    ("v1=abc", BODY, "malformed"),
    ("t=123", BODY, "malformed"),
    ("t=abc,v1=00", BODY, "malformed"),
    (sign(BODY, ["other"]), BODY, "does not match"),
    (sign(BODY, ["s1"]), BODY + b" ", "does not match"),
    (sign(BODY, ["s1"], now=1_000), BODY, "older than"),
])
def test_a_bad_signature_is_refused_with_its_reason(header, body, why):
    with pytest.raises(BadSignature, match=why):
        verify(header, body, ["s1"])


def test_a_signature_from_the_future_beyond_the_window_is_refused_too():
    header = sign(BODY, ["s1"], now=10_000)
    verify(header, BODY, ["s1"], now=10_299)
    with pytest.raises(BadSignature):
        verify(header, BODY, ["s1"], now=10_301)
