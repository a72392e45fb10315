"""Every route of the application, every method, every role: who gets in and who does not.

The cases come from the route table itself (`server.app.all_routes()`), so a new handler is checked the
moment it is routed: its `@api` access must be declared (only the static pages of Swagger UI and the
dashboard, marked `public = True`, may go without), users outside its roles get 403, no credentials
get 401, and its allowed roles get neither.
"""
import pytest
import requests
import tornado.web

from server.accounts import service as accounts
from server.accounts.models import ROLES, User
from server.app import all_routes
from server.auth import Roles
from server.openapi import PATH_PARAMETER, openapi_path
from tests.conftest import PASSWORDS

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
NONEXISTENT = "999999999"


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
        access = endpoint.access
        if not access.security:  # PUBLIC
            continue
        yield pytest.param(pattern, method, None, "401", id=f"{name} without credentials")
        if isinstance(access, Roles):
            for role in ROLES:
                expected = "allowed" if role in access.roles else "403"
                yield pytest.param(pattern, method, role, expected, id=f"{name} as {role}")
        elif "printerKey" in access.security:
            yield pytest.param(pattern, method, "printer", "allowed", id=f"{name} with a printer's key")


def handler_of(pattern: str):
    return next(handler for p, handler, *_ in all_routes() if p == pattern)


def path_values(printers) -> dict:
    """An existing row for each kind of id in the routes; ids of other kinds are nonexistent (404 is fine
    for a caller that is let in)."""
    cashier = User.get(User.username == "cashier")
    _, token = accounts.issue_token(cashier, "access test")
    printer = next(iter(printers.values()))
    return {"user_id": str(cashier.id), "token_id": str(token.id), "printer_id": str(printer.id)}


def fill_path(pattern: str, values: dict) -> str:
    return PATH_PARAMETER.sub(lambda m: values.get(m.group(1), NONEXISTENT), pattern).rstrip("$")


@pytest.mark.parametrize("pattern, method, who, expected", list(cases()))
def test_every_route_lets_in_exactly_who_it_declares(live_server, printers, pattern, method, who, expected):
    assert expected != "undeclared", (
        f"{method.upper()} {pattern} has no @api(...) access declaration (and its handler is not public)")
    url = live_server.url + fill_path(pattern, path_values(printers))
    kwargs = {"timeout": 30, "allow_redirects": False}
    if method in ("post", "put", "patch"):
        kwargs["json"] = {}
    if who == "printer":
        kwargs["params"] = {"api_key": next(iter(printers))}
    elif who is not None:
        access = getattr(handler_of(pattern), method).endpoint.access
        if "basicAuth" in access.security:
            kwargs["auth"] = (who, PASSWORDS[who])
        else:  # a Bearer-only endpoint
            token, _ = accounts.issue_token(User.get(User.username == who), "access test")
            kwargs["headers"] = {"Authorization": f"Bearer {token}"}
    response = requests.request(method.upper(), url, **kwargs)
    if expected == "401":
        assert response.status_code == 401, response.text
        assert response.json()["error"]
    elif expected == "403":
        assert response.status_code == 403, response.text
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
