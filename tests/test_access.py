"""Every route of the application, every method, every kind of caller: who gets in and who does not.

The cases come from the route table itself (`server.app.all_routes()`) and each method's `@api` access,
which says what each caller should get (`access_cases()`) and how to make its credential
(`test_request`): a new handler is checked the moment it is routed. Only the static pages of Swagger UI
and the dashboard, marked `public = True`, may go without a declaration.
"""
import pytest
import requests
import tornado.web

from server.app import all_routes
from server.openapi import openapi_path
from tests.conftest import credentials, fill_path, path_values

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


def routed_methods():
    """(pattern, handler, method) of every method a routed handler implements itself."""
    for pattern, handler, *_ in all_routes():
        for method in METHODS:
            if getattr(handler, method) is not getattr(tornado.web.RequestHandler, method):
                yield pattern, handler, method


def cases():
    for pattern, handler, method in routed_methods():
        name = f"{method.upper()} {openapi_path(pattern)}"
        endpoint = getattr(getattr(handler, method), "endpoint", None)
        if endpoint is None:
            if not getattr(handler, "public", False):
                yield pytest.param(pattern, method, None, "undeclared", id=f"{name} declares no access")
            continue
        for who, expected in endpoint.access.access_cases():
            label = "without credentials" if who is None else f"as {who}"
            yield pytest.param(pattern, method, who, expected, id=f"{name} {label}")


def access_of(pattern: str, method: str):
    handler = next(handler for p, handler, *_ in all_routes() if p == pattern)
    return getattr(handler, method).endpoint.access


@pytest.mark.parametrize("pattern, method, who, expected", list(cases()))
def test_every_route_lets_in_exactly_who_it_declares(live_server, pattern, method, who, expected):
    assert expected != "undeclared", (
        f"{method.upper()} {pattern} has no @api(...) access declaration (and its handler is not public)")
    url = live_server.url + fill_path(pattern, path_values())
    body = b"{}" if method in ("post", "put", "patch") else b""
    kwargs = {"timeout": 30, "allow_redirects": False, "data": body,
              "headers": {"Content-Type": "application/json"} if body else {}}
    if who is not None:
        extra = credentials(access_of(pattern, method), who, body)
        kwargs["headers"].update(extra.pop("headers", {}))
        kwargs.update(extra)
    response = requests.request(method.upper(), url, **kwargs)
    if expected in ("401", "403"):
        assert response.status_code == int(expected), response.text
        assert response.json()["error"]
    else:
        assert response.status_code not in (401, 403), response.text
        assert response.status_code < 500, response.text


def test_the_access_matrix_covers_every_module_and_catches_an_undeclared_method(monkeypatch):
    """The matrix above is not empty by accident, and a routed method without `@api` fails it."""
    ids = [case.id for case in cases()]
    for path in ("/create_checks/", "/new_checks/", "/api/v1/printers", "/api/v1/users/{user_id}/tokens"):
        assert any(f" {path} " in i for i in ids), path

    class Forgotten(tornado.web.RequestHandler):
        def get(self):
            pass

    monkeypatch.setattr("tests.test_access.all_routes", lambda: [(r"/forgotten", Forgotten)])
    assert [case.id for case in cases()] == ["GET /forgotten declares no access"]


def test_a_remembered_scope_is_read_once_per_user_and_record_until_that_record_is_invalidated():
    from server.accounts.models import User
    from server.auth import Needs
    from server.cache import ExpiringCache
    from tests.conftest import run_in_new_loop

    reads = []

    def scope(user, group_id):
        reads.append(group_id)
        return group_id == "1"

    cache = ExpiringCache("test-access", lifetime=60)
    needs = Needs("fiscal:receipts:read", scope=scope, scope_admins=True, scope_cache=cache, record="group_id")
    user = User(id=5, username="cashier", role="cashier")

    def allowed(group_id: str) -> bool:
        return run_in_new_loop(needs.in_scope(user, {"group_id": group_id}))

    assert [allowed("1"), allowed("1"), allowed("2"), allowed("2")] == [True, True, False, False]
    assert reads == ["1", "2"]
    cache.invalidate("1")
    assert allowed("1") and allowed("2") is False and reads == ["1", "2", "1"]
    with pytest.raises(ValueError):
        Needs("fiscal:receipts:read", scope=scope, scope_cache=cache)


def test_a_remembered_scope_must_name_the_path_argument_of_its_record():
    from server.auth import Needs
    from server.cache import ExpiringCache

    with pytest.raises(ValueError, match="path argument"):
        Needs("fiscal:receipts:read", scope=lambda user, **_: True, scope_cache=ExpiringCache("t", 60))
