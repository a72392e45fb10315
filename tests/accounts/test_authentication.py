"""Basic and Bearer authentication, tokens, and the slowing down of repeated failed logins."""
import base64
import datetime as dt
import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from server.accounts import service
from server.accounts.models import Token, User
from server.db import utcnow
from server.settings import settings
from tests.accounts.conftest import user_id
from tests.conftest import PASSWORDS, ApiSession

BASIC_CHALLENGE = 'Basic realm="receipt-hub"'


def get_me(live_server, **kwargs) -> requests.Response:
    return requests.get(live_server.url + "/api/v1/me", timeout=30, **kwargs)


def test_basic_credentials_of_each_role_authenticate_and_record_the_login(as_role):
    for role in PASSWORDS:
        response = as_role(role).get("/api/v1/me")
        assert response.status_code == 200, role
        me = response.json()
        assert me["username"] == role and me["role"] == role and me["is_active"] is True
        assert "password" not in me
    assert User.get(User.username == "cashier").last_login_at is not None


@pytest.mark.parametrize("header", [
    None,
    "Basic " + base64.b64encode(b"cashier:wrong-password").decode(),
    "Basic " + base64.b64encode(b"nobody:cashier-password").decode(),
    "Basic " + base64.b64encode(b"cashier").decode(),
    "Basic !!!not-base64!!!",
    "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
    "Digest username=cashier",
    "Basic",
])
def test_missing_or_wrong_basic_credentials_get_401_with_a_basic_challenge(live_server, header):
    response = get_me(live_server, headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == BASIC_CHALLENGE
    assert response.json()["error"]


def test_token_is_issued_for_basic_credentials_shown_once_and_stored_only_as_sha256(issue_token, bearer,
                                                                                     api):
    before = utcnow()
    issued = issue_token("cashier", name="scanner", ttl_hours=2)
    token = issued["token"]
    assert len(token) >= 32
    assert issued["user"]["username"] == "cashier" and "password" not in issued["user"]
    expires_at = dt.datetime.fromisoformat(issued["expires_at"])
    assert before + dt.timedelta(hours=2) <= expires_at <= utcnow() + dt.timedelta(hours=2)

    row = Token.get()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.name == "scanner" and row.user.username == "cashier"
    stored = [str(value) for value in Token.select().tuples().get()]
    assert not any(token in value for value in stored), "the token itself is in the database"

    me = bearer(token).get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "cashier"
    assert Token.get().last_used_at is not None
    listed = api.get(f"/api/v1/users/{user_id('cashier')}/tokens").json()["items"]
    assert [t["name"] for t in listed] == ["scanner"]
    assert not any(token in str(value) for value in listed[0].values())
    assert "token_hash" not in listed[0] and "token" not in listed[0]


def test_default_token_lifetime_comes_from_the_settings(issue_token):
    expires_at = dt.datetime.fromisoformat(issue_token("analyst")["expires_at"])
    expected = utcnow() + dt.timedelta(hours=settings.token_ttl_hours)
    assert abs((expires_at - expected).total_seconds()) < 60


def test_a_token_cannot_be_exchanged_for_another_token(issue_token, bearer):
    token = issue_token("cashier")["token"]
    response = bearer(token).post("/api/v1/auth/token")
    assert response.status_code == 401
    assert Token.select().count() == 1


@pytest.mark.parametrize("params", [{"ttl_hours": 0}, {"ttl_hours": "soon"}, {"name": "x" * 101}])
def test_bad_token_parameters_get_400_and_issue_nothing(as_role, params):
    response = as_role("cashier").post("/api/v1/auth/token", params=params)
    assert response.status_code == 400
    assert set(response.json()["details"]) == set(params)
    assert Token.select().count() == 0


def test_expired_token_gets_401(issue_token, bearer):
    token = issue_token("cashier", ttl_hours=1)["token"]
    Token.update(expires_at=utcnow() - dt.timedelta(seconds=1)).execute()
    response = bearer(token).get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_unknown_or_empty_bearer_token_gets_401(bearer, live_server):
    assert bearer("not-a-token").get("/api/v1/me").status_code == 401
    assert get_me(live_server, headers={"Authorization": "Bearer "}).status_code == 401


def test_logging_out_revokes_the_token_of_the_request_only(issue_token, bearer):
    first, second = issue_token("cashier")["token"], issue_token("cashier")["token"]
    response = bearer(first).delete("/api/v1/auth/token")
    assert response.status_code == 204 and response.content == b""
    assert bearer(first).get("/api/v1/me").status_code == 401
    assert bearer(second).get("/api/v1/me").status_code == 200
    assert Token.select().count() == 1


def test_logging_out_takes_the_bearer_token_only(issue_token, as_role):
    issue_token("cashier")
    response = as_role("cashier").delete("/api/v1/auth/token")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    assert Token.select().count() == 1


def test_admin_lists_a_users_live_tokens_and_revokes_one(issue_token, bearer, api):
    cashier = user_id("cashier")
    kept, revoked = issue_token("cashier", name="kept"), issue_token("cashier", name="revoked")
    issue_token("analyst", name="someone else's")
    expired = issue_token("cashier", name="expired")
    Token.update(expires_at=utcnow() - dt.timedelta(minutes=1)).where(
        Token.name == "expired").execute()

    items = api.get(f"/api/v1/users/{cashier}/tokens").json()["items"]
    assert [t["name"] for t in items] == ["kept", "revoked"]
    revoked_id = items[1]["id"]

    assert api.delete(f"/api/v1/users/{user_id('analyst')}/tokens/{revoked_id}").status_code == 404
    assert api.delete(f"/api/v1/users/{cashier}/tokens/{revoked_id}").status_code == 204
    assert api.delete(f"/api/v1/users/{cashier}/tokens/{revoked_id}").status_code == 404
    assert bearer(revoked["token"]).get("/api/v1/me").status_code == 401
    assert bearer(kept["token"]).get("/api/v1/me").status_code == 200
    assert bearer(expired["token"]).get("/api/v1/me").status_code == 401
    assert api.get(f"/api/v1/users/{cashier}/tokens").json()["items"][0]["name"] == "kept"
    assert api.get("/api/v1/users/999999/tokens").status_code == 404


def test_a_revoked_token_is_refused_even_right_after_it_was_used(issue_token, bearer, api):
    token = issue_token("cashier")["token"]
    assert bearer(token).get("/api/v1/me").status_code == 200  # now in the credential cache
    token_id = api.get(f"/api/v1/users/{user_id('cashier')}/tokens").json()["items"][0]["id"]
    api.delete(f"/api/v1/users/{user_id('cashier')}/tokens/{token_id}").raise_for_status()
    assert bearer(token).get("/api/v1/me").status_code == 401


def test_inactive_user_gets_401_with_basic_and_with_a_token(issue_token, bearer, as_role):
    token = issue_token("cashier")["token"]
    User.update(is_active=False).where(User.username == "cashier").execute()
    service.credential_cache.invalidate()  # another process's change, seen at once here
    assert as_role("cashier").get("/api/v1/me").status_code == 401
    assert bearer(token).get("/api/v1/me").status_code == 401
    assert as_role("cashier").post("/api/v1/auth/token").status_code == 401


def test_repeated_failed_logins_from_one_address_get_429_with_retry_after(live_server, as_role,
                                                                          monkeypatch):
    monkeypatch.setattr(settings, "login_failure_limit", 3)
    monkeypatch.setattr(settings, "login_failure_window", 2)
    wrong = ApiSession(live_server.url, ("cashier", "wrong-password"))
    for _ in range(3):
        assert wrong.get("/api/v1/me").status_code == 401
    for session in (wrong, as_role("cashier")):  # the right password too must wait now
        refused = session.get("/api/v1/me")
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 3
        assert refused.json()["error"]
    time.sleep(2.1)
    assert as_role("cashier").get("/api/v1/me").status_code == 200


def test_failed_logins_sent_in_parallel_are_each_counted_and_refused_past_the_limit(live_server, monkeypatch):
    """Twenty guesses at once, the right password among them: at most the limit get a verdict."""
    monkeypatch.setattr(settings, "login_failure_limit", 3)
    guesses = [("cashier", f"guess-{n}") for n in range(19)] + [("cashier", PASSWORDS["cashier"])]
    with ThreadPoolExecutor(20) as pool:
        answers = [r.status_code for r in pool.map(lambda auth: get_me(live_server, auth=auth), guesses)]
    assert answers.count(401) <= 3 and answers.count(200) <= 1, answers
    assert answers.count(429) >= 16, answers
    assert get_me(live_server, auth=("cashier", PASSWORDS["cashier"])).status_code == 429


def test_a_login_with_ones_own_account_does_not_forgive_guesses_at_another(live_server, monkeypatch):
    monkeypatch.setattr(settings, "login_failure_limit", 3)
    for _ in range(2):
        assert get_me(live_server, auth=("admin", "guess")).status_code == 401
    assert get_me(live_server, auth=("erp", PASSWORDS["erp"])).status_code == 200
    assert get_me(live_server, auth=("admin", "guess")).status_code == 401
    assert get_me(live_server, auth=("admin", PASSWORDS["admin"])).status_code == 429


def test_behind_a_trusted_proxy_each_client_is_throttled_on_its_own(live_server, monkeypatch):
    monkeypatch.setattr(settings, "login_failure_limit", 2)

    def guess(client: str) -> int:
        return get_me(live_server, auth=("cashier", "guess"), headers={"X-Forwarded-For": client}).status_code

    assert [guess("10.0.0.1") for _ in range(3)] == [401, 401, 429]  # the header is not trusted: one address
    login_throttle_clear()
    monkeypatch.setattr(settings, "trusted_proxies", ("127.0.0.1",))
    assert [guess("10.0.0.1") for _ in range(3)] == [401, 401, 429]
    assert guess("10.0.0.2") == 401  # another client behind the same proxy
    assert get_me(live_server, auth=("cashier", PASSWORDS["cashier"]),
                  headers={"X-Forwarded-For": "10.0.0.3"}).status_code == 200


def login_throttle_clear():
    from server.auth import login_throttle

    login_throttle.clear()


def pause_verification(monkeypatch, name: str, username: str):
    """Make the live server's `service.<name>` hold after it has read the database, for `username`'s
    credentials: (read, release) events."""
    original = getattr(service, name)
    read, release = threading.Event(), threading.Event()

    def paused(*args):
        found = original(*args)
        user = getattr(found, "user", found)
        if user is not None and user.username == username:
            read.set()
            release.wait(10)
        return found

    monkeypatch.setattr(service, name, paused)
    return read, release


@pytest.mark.parametrize("change", ["password", "deactivate"])
def test_an_admins_change_means_no_longer_works_even_for_a_login_in_flight(live_server, api, monkeypatch,
                                                                          change):
    """A login that read the old state before the admin's change and finishes after it must not put the
    old credentials back into the credential cache."""
    old = ("cashier", PASSWORDS["cashier"])
    read, release = pause_verification(monkeypatch, "verify_credentials", "cashier")
    with ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(get_me, live_server, auth=old)
        assert read.wait(10)
        if change == "password":
            done = api.post(f"/api/v1/users/{user_id('cashier')}/password", json={"password": "brand-new-1"})
        else:
            done = api.delete(f"/api/v1/users/{user_id('cashier')}")
        assert done.status_code == 200
        release.set()
        in_flight.result()  # it began before the change: either answer is right
    assert get_me(live_server, auth=old).status_code == 401
    assert get_me(live_server, auth=old).status_code == 401


def test_a_revoked_token_stays_revoked_when_a_request_in_flight_had_read_it(live_server, issue_token, api,
                                                                            bearer, monkeypatch):
    token = issue_token("cashier")["token"]
    read, release = pause_verification(monkeypatch, "live_token", "cashier")
    with ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(bearer(token).get, "/api/v1/me")
        assert read.wait(10)
        tokens = api.get(f"/api/v1/users/{user_id('cashier')}/tokens").json()["items"]
        assert api.delete(f"/api/v1/users/{user_id('cashier')}/tokens/{tokens[0]['id']}").status_code == 204
        release.set()
        in_flight.result()
    assert bearer(token).get("/api/v1/me").status_code == 401


def test_a_successful_login_clears_the_failures_of_its_address(live_server, as_role, monkeypatch):
    monkeypatch.setattr(settings, "login_failure_limit", 3)
    for _ in range(2):
        assert get_me(live_server, auth=("cashier", "wrong")).status_code == 401
    assert as_role("cashier").get("/api/v1/me").status_code == 200
    for _ in range(2):
        assert get_me(live_server, auth=("cashier", "wrong")).status_code == 401
    assert as_role("cashier").get("/api/v1/me").status_code == 200


def test_wrong_bearer_tokens_are_not_counted_as_failed_logins(bearer, as_role, monkeypatch):
    monkeypatch.setattr(settings, "login_failure_limit", 2)
    for _ in range(5):
        assert bearer("guess").get("/api/v1/me").status_code == 401
    assert as_role("cashier").get("/api/v1/me").status_code == 200


def test_a_script_never_gets_a_basic_challenge_that_would_open_the_browsers_login_dialog(live_server):
    for path, method in (("/api/v1/me", "GET"), ("/api/v1/auth/token", "POST")):
        response = requests.request(method, live_server.url + path, auth=("cashier", "wrong"), timeout=30,
                                    headers={"X-Requested-With": "XMLHttpRequest"})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_a_few_mistyped_passwords_do_not_lock_out_the_address_by_default(live_server):
    """The default limit is for guessing, not typing: an office behind one address keeps working."""
    login_throttle_clear()
    for _ in range(5):
        assert get_me(live_server, auth=("cashier", "mistyped")).status_code == 401
    assert get_me(live_server, auth=("admin", PASSWORDS["admin"])).status_code == 200
    login_throttle_clear()
