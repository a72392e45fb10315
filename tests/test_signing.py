"""Signed bodies: good, rotated, tampered, expired, malformed and missing signatures."""
import pytest

from server.signing import BadSignature, sign, verify

BODY = b'{"operation_id": "x"}'


def test_a_signature_made_with_the_secret_is_accepted():
    verify(sign(BODY, ["s1"]), BODY, ["s1"])


def test_during_a_rotation_either_secret_matches_on_either_side():
    verify(sign(BODY, ["old", "new"]), BODY, ["new"])
    verify(sign(BODY, ["old"]), BODY, ["new", "old"])


@pytest.mark.parametrize("make_header, body, why", [
    (lambda: None, BODY, "no signature"),
    (lambda: "", BODY, "no signature"),
    (lambda: "v1=abc", BODY, "malformed"),
    (lambda: "t=123", BODY, "malformed"),
    (lambda: "t=abc,v1=00", BODY, "malformed"),
    (lambda: "t=\u00b2,v1=00", BODY, "malformed"),  # a digit to str.isdigit(), not to int()
    (lambda: "t=\u00b9\u00b2\u00b3,v1=00", BODY, "malformed"),
    (lambda: sign(BODY, ["other"]), BODY, "does not match"),
    (lambda: sign(BODY, ["s1"]), BODY + b" ", "does not match"),
    (lambda: sign(BODY, ["s1"], now=1_000), BODY, "older than"),
], ids=["none", "empty", "no time", "no v1", "bad time", "superscript time", "superscript digits", "other secret",
        "tampered", "expired"])
def test_a_bad_signature_is_refused_with_its_reason(make_header, body, why):
    with pytest.raises(BadSignature, match=why):
        verify(make_header(), body, ["s1"])


def test_a_signature_from_the_future_beyond_the_window_is_refused_too():
    header = sign(BODY, ["s1"], now=10_000)
    verify(header, BODY, ["s1"], now=10_299)
    with pytest.raises(BadSignature):
        verify(header, BODY, ["s1"], now=10_301)


def test_a_signature_exactly_the_window_old_or_ahead_is_accepted_one_second_more_is_not():
    header = sign(BODY, ["s1"], now=10_000)
    verify(header, BODY, ["s1"], now=10_300.9)  # t is whole seconds: so is its age
    verify(header, BODY, ["s1"], now=9_700)
    with pytest.raises(BadSignature, match="older than"):
        verify(header, BODY, ["s1"], now=10_301)
    with pytest.raises(BadSignature, match="in the future"):
        verify(header, BODY, ["s1"], now=9_699)
