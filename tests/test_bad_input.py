"""Bad input to every endpoint that takes a JSON body gets a clear 4xx and changes nothing.

The endpoints come from the route table (every `@api(body=...)`); their valid bodies are the request
examples of the OpenAPI document, so a new endpoint is covered as soon as it is routed.
"""
import json
import re

import pytest
import requests

from server.app import all_routes, make_app
from server.openapi import documented_methods, openapi_path
from server.settings import settings
from tests.conftest import all_models, credentials, fill_path, path_values

DOCUMENT = make_app().settings["openapi"]


def body_endpoints():
    for pattern, handler, *_ in all_routes():
        for method, endpoint in documented_methods(handler):
            if endpoint.body is not None:
                yield pytest.param(pattern, method, endpoint, id=f"{method.upper()} {openapi_path(pattern)}")


def row_counts() -> dict:
    """Rows of every table but the logs that keep refused requests by design (`records_refusals`)."""
    return {model.__name__: model.select().count() for model in all_models()
            if not getattr(model, "records_refusals", False)}


def resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


class Caller:
    """Requests to one endpoint, as a caller it lets in, with existing rows in its path."""

    def __init__(self, live_server, pattern, method, endpoint):
        self.url = live_server.url + fill_path(pattern, path_values())
        self.method = method.upper()
        operation = DOCUMENT["paths"][openapi_path(pattern)][method]
        self.example = operation["requestBody"]["content"]["application/json"]["example"]
        self.schema = resolve(operation["requestBody"]["content"]["application/json"]["schema"])
        self.access = endpoint.access
        self.who = next((who for who, expected in self.access.access_cases() if expected == "allowed"), None)

    def send(self, data: bytes | str | None = None, content_type: str | None = "application/json",
             auth="default", **kwargs) -> requests.Response:
        """The request, with the credentials of a caller it lets in (or `auth` instead)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        call = credentials(self.access, self.who, data or b"") if auth == "default" and self.who else {}
        headers = {**call.pop("headers", {}), **({"Content-Type": content_type} if content_type else {})}
        if auth != "default":
            call["auth"] = auth
        return requests.request(self.method, self.url, data=data, headers=headers, timeout=60,
                                **call, **kwargs)

    def send_json(self, value, **kwargs) -> requests.Response:
        return self.send(json.dumps(value, ensure_ascii=False), **kwargs)


@pytest.fixture
def caller(live_server, pattern, method, endpoint):
    return Caller(live_server, pattern, method, endpoint)


def assert_refused(response, status: int, detail: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    if detail is not None:
        assert detail in body.get("details", {}), body
    return body


def wrong_type(schema: dict):
    """A value of the wrong JSON type for a property: a list, or an object where a list is wanted."""
    return {} if resolve(schema).get("type") == "array" else []


NESTED_DEEP = {"id": 1, "extra": json.loads("[" * 100 + "]" * 100)}
NESTED_VERY_DEEP = "[" * 200_000 + "]" * 200_000


@pytest.mark.parametrize("pattern, method, endpoint", list(body_endpoints()))
def test_bad_bodies_get_clear_4xx_and_change_nothing(caller, pattern, method, endpoint):
    before = row_counts()
    name = f"{caller.method} {pattern}"

    too_big = json.dumps({"x": "a" * settings.max_body_bytes})
    assert_refused(caller.send(too_big), 413)

    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx", None):
        assert_refused(caller.send(json.dumps(caller.example), content_type=content_type), 415)

    for malformed in ("{", '{"a": }', "{'a': 1}", "", "[1, 2", '{"a": NaN}', '{"a": Infinity}',
                      b"\xff\xfe{}", '{"a": 1} trailing'):
        assert_refused(caller.send(malformed), 400, "_body")

    assert_refused(caller.send_json(NESTED_DEEP), 400, "_body")
    assert_refused(caller.send(NESTED_VERY_DEEP), 400, "_body")
    assert_refused(caller.send_json({**caller.example, "name": "a\u0000b"}), 400, "_body")
    assert_refused(caller.send('{"name": "\\ud800"}'), 400, "_body")

    for not_an_object in ([], [caller.example], "text", 1, None, True):
        assert_refused(caller.send_json(not_an_object), 400, "_schema")

    properties = {key: value for key, value in caller.schema["properties"].items()
                  if not value.get("readOnly")}
    wrong = {key: wrong_type(value) for key, value in properties.items()}
    details = assert_refused(caller.send_json(wrong), 400)["details"]
    assert set(details) == set(wrong), f"{name}: {details}"

    required = set(caller.schema.get("required", []))
    if required:
        details = assert_refused(caller.send_json({}), 400)["details"]
        assert set(details) == required, f"{name}: {details}"
        for field in required:
            body = {key: value for key, value in caller.example.items() if key != field}
            assert set(assert_refused(caller.send_json(body), 400)["details"]) == {field}

    assert row_counts() == before, f"{name} changed the database on bad input"


HUGE_NUMBERS = ("1e25", "1e400", "-1e400", "99999999999999999999999999999999999999", "1e-400", "1e999999")


def numeric_leaves(value, path=()):
    """The paths of the numbers in a JSON value (and of strings that are numbers, as money is sent)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from numeric_leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from numeric_leaves(item, (*path, index))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield path, False
    elif isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
        yield path, True


def with_raw_number(body, path, text: str, quoted: bool) -> str:
    """The body as JSON text with the value at `path` replaced by `text` as it stands (a number JSON
    allows but Python's floats cannot hold), or quoted."""
    copy = json.loads(json.dumps(body))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = "@@HUGE@@"
    return json.dumps(copy, ensure_ascii=False).replace('"@@HUGE@@"', f'"{text}"' if quoted else text)


@pytest.mark.parametrize("pattern, method, endpoint", list(body_endpoints()))
def test_numbers_too_big_or_too_small_for_any_field_get_a_clear_4xx(caller, pattern, method, endpoint):
    for path, quoted in numeric_leaves(caller.example):
        for text in HUGE_NUMBERS:
            response = caller.send(with_raw_number(caller.example, path, text, quoted))
            where = f"{caller.method} {pattern} {'.'.join(map(str, path))}={text}"
            assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
            assert response.elapsed.total_seconds() < 2, f"{where}: {response.elapsed} (the server was busy)"
            assert response.headers["Content-Type"].startswith("application/json"), where


@pytest.mark.parametrize("pattern, method, endpoint", list(body_endpoints()))
def test_a_good_body_with_wrong_or_no_credentials_gets_401_and_changes_nothing(caller, pattern, method,
                                                                               endpoint):
    if (None, "allowed") in caller.access.access_cases():
        pytest.skip("open to anyone in this deployment (an unsigned bank webhook on the embedded profile)")
    before = row_counts()
    user = caller.who or "nobody"
    challenge = getattr(caller.access, "challenge", 'Basic realm="receipt-hub"')
    for auth in ((user, "wrong-password"), ("nobody", "whatever"), None):
        response = caller.send_json(caller.example, auth=auth)
        assert_refused(response, 401)
        assert response.headers["WWW-Authenticate"] == challenge
    assert_refused(requests.request(caller.method, caller.url, json=caller.example, timeout=60,
                                    headers={"Authorization": "Bearer not-a-token"}), 401)
    assert row_counts() == before


def test_every_body_endpoint_is_covered():
    covered = {case.id for case in body_endpoints()}
    assert {"POST /create_checks/", "POST /api/v1/users", "PATCH /api/v1/users/{user_id}",
            "POST /api/v1/users/{user_id}/password", "POST /api/v1/printers"} <= covered


@pytest.mark.parametrize("method, path, allowed", [
    ("PUT", "/api/v1/users", "GET, POST"), ("TRACE", "/api/v1/me", "GET"),
    ("GET", "/create_checks/", "POST"), ("POST", "/api/v1/users/1", "GET, DELETE, PATCH"),
])
def test_an_undeclared_method_gets_405_naming_the_allowed_ones(api, method, path, allowed):
    response = api.request(method, path)
    assert_refused(response, 405)
    assert response.headers["Allow"] == allowed


def test_an_unknown_path_gets_a_json_404(api):
    assert_refused(api.get("/api/v1/nothing-here"), 404)
    assert_refused(api.get("/api/v1/users/-1"), 404)
