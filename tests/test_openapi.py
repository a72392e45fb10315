"""The OpenAPI document: served, valid, the same set of operations as the routes, every operation with its
auth, responses and examples, and Swagger UI served from local assets."""
import pytest
import requests
import tornado.web
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from openapi_spec_validator import validate

from server.app import all_routes
from server.auth import Needs
from server.openapi import build_spec, openapi_path

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


@pytest.fixture(scope="module")
def document(live_server) -> dict:
    response = requests.get(live_server.url + "/api/openapi.json", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


def operations(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def test_the_document_is_a_valid_openapi_3_document(document):
    assert document["openapi"].startswith("3.")
    validate(document)


def test_the_document_has_exactly_the_operations_of_the_routes(document):
    routed = set()
    for pattern, handler, *_ in all_routes():
        if getattr(handler, "public", False):  # Swagger UI's and the dashboard's pages and assets
            continue
        for method in METHODS:
            if getattr(handler, method) is not getattr(tornado.web.RequestHandler, method):
                routed.add((openapi_path(pattern), method))
    documented = {(path, method) for path, method, _ in operations(document)}
    assert documented == routed
    assert ("/create_checks/", "post") in documented and ("/api/v1/users", "post") in documented


def test_the_served_document_is_the_one_built_from_the_routes(document):
    import json

    assert document == json.loads(json.dumps(build_spec(all_routes())))


def test_every_operation_states_its_auth_and_what_it_may_answer(document):
    schemes = set(document["components"]["securitySchemes"])
    handlers = {openapi_path(p): h for p, h, *_ in all_routes()}
    for path, method, op in operations(document):
        where = f"{method.upper()} {path}"
        assert op["summary"], where
        assert "security" in op, where
        responses = op["responses"]
        assert any(code.startswith("2") for code in responses), where
        access = getattr(handlers[path], method).endpoint.access
        names = {name for requirement in op["security"] for name in requirement}
        assert names == set(access.schemes) and names <= schemes, where
        if access.schemes:
            assert "401" in responses, where
        if isinstance(access, Needs):
            assert {"401", "403"} <= set(responses), where
            assert responses["401"]["headers"]["WWW-Authenticate"]["required"] is True, where
        if "basicAuth" in access.schemes:
            assert "Retry-After" in responses["429"]["headers"], where
        if "requestBody" in op:
            assert {"400", "413", "415"} <= set(responses), where
            assert list(op["requestBody"]["content"]) == ["application/json"], where
        if any(p["in"] == "path" for p in op["parameters"]):
            assert "404" in responses, where
        if any(p["in"] == "query" for p in op["parameters"]):
            assert "400" in responses, where
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                schema = response["content"]["application/json"]["schema"]
                name = schema["$ref"].removeprefix("#/components/schemas/")
                component = document["components"]["schemas"][name]  # the envelope, or one with more
                assert name == "Error" or ({"error", "details"} <= set(component["properties"])
                                           and "error" in component["required"]), f"{where} {code}"


def examples(document):
    """(where, example, schema, validator class) of every request and response example."""
    for path, method, op in operations(document):
        where = f"{method.upper()} {path}"
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if content is not None:
            yield f"{where} request", content, OAS30WriteValidator
        for code, response in op["responses"].items():
            content = response.get("content", {}).get("application/json")
            if content is not None:
                yield f"{where} {code}", content, OAS30ReadValidator


def test_every_request_body_and_json_response_has_an_example_that_fits_its_schema(document):
    checked = 0
    for where, content, validator_class in examples(document):
        assert "example" in content, f"{where} has no example"
        schema = {**content["schema"], "components": document["components"]}
        validator = validator_class(schema)
        errors = [f"{'.'.join(map(str, error.path))}: {error.message}"
                  for error in validator.iter_errors(content["example"])]
        assert not errors, f"{where}: {errors}"
        checked += 1
    assert checked > 50


def test_money_is_documented_as_an_exact_decimal_string(document):
    item = document["components"]["schemas"]["Item"]["properties"]
    assert item["unit_price"]["type"] == "string" and item["unit_price"]["format"] == "decimal"


@pytest.mark.parametrize("page", ["/api/docs/", "/api/docs", "/api/v1/swagger/"])
def test_swagger_ui_is_served_with_its_assets_from_this_server(live_server, page):
    response = requests.get(live_server.url + page, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.text
    assert 'src="/api/docs/static/swagger-ui-bundle.js"' in html
    assert 'href="/api/docs/static/swagger-ui.css"' in html
    assert "/api/openapi.json" in html
    assert "http" not in html, "Swagger UI must not load anything from another site"
    script = requests.get(live_server.url + "/api/docs/static/swagger-ui-bundle.js", timeout=30)
    assert script.status_code == 200
    assert "javascript" in script.headers["Content-Type"]
    assert "SwaggerUIBundle" in script.text and len(script.content) > 100_000
    css = requests.get(live_server.url + "/api/docs/static/swagger-ui.css", timeout=30)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")


def test_swagger_ui_assets_do_not_leak_files_outside_their_folder(live_server):
    response = requests.get(live_server.url + "/api/docs/static/..%2f..%2f..%2f..%2fetc%2fpasswd", timeout=30)
    assert response.status_code in (403, 404)


def test_two_modules_naming_a_handler_alike_get_distinct_operation_ids():
    from server.openapi import unique_operation_id
    from server.payments.handlers import SummaryHandler as PaymentsSummary
    from server.printing.handlers import SummaryHandler as PrintingSummary

    taken = set()
    assert unique_operation_id("getSummary", PrintingSummary, taken) == "getSummary"
    assert unique_operation_id("getSummary", PaymentsSummary, taken) == "getPaymentsSummary"
    with pytest.raises(ValueError, match="getPaymentsSummary"):
        unique_operation_id("getSummary", PaymentsSummary, taken)


def test_two_modules_naming_a_schema_alike_get_module_qualified_components_not_numbered_ones(document):
    names = set(document["components"]["schemas"])
    assert not [name for name in names if name[-1].isdigit()]
    assert {"Payment", "PaymentsPayment", "Summary", "PaymentsSummary"} <= names


def test_a_third_schema_of_a_taken_qualified_name_is_an_error():
    import marshmallow

    from server.openapi import schema_namer

    def schema_in(module: str):
        return type("PaymentSchema", (marshmallow.Schema,), {"__module__": module})

    name = schema_namer()
    first, second, third = schema_in("server.fiscal.schemas"), schema_in("server.payments.schemas"), \
        schema_in("server.payments.other")
    assert (name(first), name(second), name(first)) == ("Payment", "PaymentsPayment", "Payment")
    with pytest.raises(ValueError, match="PaymentsPayment"):
        name(third)
