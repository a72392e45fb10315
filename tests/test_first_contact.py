"""What a newcomer meets first (issue 10): `/`, the startup log, errors in the client's language."""
import importlib
import logging
import re

import pytest
import requests

from server.admin import WHERE
from server.events import events


def test_a_browser_at_the_root_goes_to_the_dashboard(live_server):
    response = requests.get(live_server.url + "/", headers={"Accept": "text/html,application/xhtml+xml"},
                            allow_redirects=False, timeout=30)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_an_api_client_at_the_root_learns_where_things_are(live_server):
    response = requests.get(live_server.url + "/", headers={"Accept": "application/json"}, timeout=30)
    assert response.status_code == 200
    assert response.json() == {"name": "Receipt Hub", "dashboard": "/admin/", "api_docs": "/api/docs/",
                               "openapi": "/api/openapi.json"}


def test_the_startup_log_says_where_the_dashboard_and_the_api_docs_are(caplog):
    from server.app import Server
    from tests.conftest import free_port, run_in_new_loop

    server = Server("127.0.0.1", free_port())

    async def start_and_stop():
        await server.start()
        await server.stop()

    attached = events._loop  # the session's live server: this second server's stop detaches the events
    try:
        with caplog.at_level(logging.INFO, logger="server"):
            run_in_new_loop(start_and_stop())
    finally:
        if attached is not None:
            events.attach(attached)
    text = caplog.text
    for path in WHERE.values():
        assert f"http://127.0.0.1:{server.port}{path}" in text


BAD_ORDER = {"id": "x", "point_id": 1, "items": [{"name": "Суп", "quantity": 0, "unit_price": "1"}]}


def test_field_errors_are_in_russian_like_the_error(api, printers):
    response = api.post("/create_checks/", json=BAD_ORDER)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Некорректный заказ"
    assert body["details"]["id"] == ["Ожидается целое число."]
    assert body["details"]["items.0.quantity"] == ["Должно быть больше 0 и не больше 100000."]
    assert response.headers["Content-Language"] == "ru"


def test_field_errors_are_in_english_for_a_client_that_asks(api, printers):
    response = api.post("/create_checks/", json=BAD_ORDER, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Invalid order"
    assert body["details"]["id"] == ["Not a valid integer."]
    assert body["details"]["items.0.quantity"] == ["Must be greater than 0 and less than or equal to 100000."]
    assert response.headers["Content-Language"] == "en"


def test_the_project_own_field_messages_have_english_too(api):
    moment = "9999-12-31T23:59:59-05:00"
    ru = api.get("/api/v1/checks", params={"created_from": moment})
    en = api.get("/api/v1/checks", params={"created_from": moment}, headers={"Accept-Language": "en"})
    assert ru.json()["details"]["created_from"] == ["Дата вне допустимого диапазона."]
    assert en.json()["details"]["created_from"] == ["Date out of range."]


def test_every_marshmallow_message_has_a_russian_translation():
    import inspect

    from marshmallow import fields, validate

    from server import messages

    texts = set()
    for name in dir(fields):
        field = getattr(fields, name)
        if inspect.isclass(field) and issubclass(field, fields.Field):
            texts.update(v for v in field.default_error_messages.values() if "{" not in v)
    for validator in (validate.Length, validate.OneOf, validate.Regexp, validate.Email):
        texts.update(v for k, v in vars(validator).items() if k.startswith("message") and isinstance(v, str)
                     and "{" not in v)
    untranslated = sorted(t for t in texts if messages.translate(t, "ru") == t)
    assert not untranslated


def test_the_seed_messages_are_kept_in_every_language(anonymous, printers):
    response = anonymous.get("/new_checks/", params={"api_key": "wrong-key-123"},
                             headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.json() == {"error": "Ошибка авторизации"}


def test_the_readme_error_example_is_what_the_server_answers(api, printers):
    response = api.post("/create_checks/", json={"id": "x", "point_id": 1, "items": []},
                        headers={"Accept-Language": "en"})
    assert response.json() == {"error": "Invalid order", "details": {
        "id": ["Not a valid integer."], "items": ["Length must be between 1 and 500."]}}


def test_the_openapi_document_tells_the_package_version_and_only_the_installed_modules(live_server):
    import configparser

    from server.modules import MODULES
    from server.settings import PROJECT_ROOT

    info = requests.get(live_server.url + "/api/openapi.json", timeout=30).json()["info"]
    config = configparser.ConfigParser()
    config.read(PROJECT_ROOT / "setup.cfg")
    assert info["version"] == config["metadata"]["version"]
    listed = info["description"].split("Modules: ", 1)[1].split(".", 1)[0]
    assert sorted(name.strip() for name in listed.split(",")) == sorted(MODULES)


MODULE_MESSAGES = ["server.accounts.messages", "server.fiscal.messages", "server.payments.messages",
                   "server.analytics.messages", "server.billing.messages"]
NOT_FOR_CLIENTS = {"NO_SECRET"}  # a refusal to start, in the server's log


@pytest.mark.parametrize("module", MODULE_MESSAGES)
def test_every_russian_message_a_module_answers_has_its_english(module):
    from server.messages import translate

    texts = {name: value for name, value in vars(importlib.import_module(module)).items()
             if name.isupper() and isinstance(value, str) and re.search("[а-яА-ЯёЁ]", value)
             and name not in NOT_FOR_CLIENTS}
    untranslated = [name for name, text in texts.items() if re.search("[а-яА-ЯёЁ]", translate(text, "en"))]
    assert not untranslated, f"{module}: no English for {untranslated}"


def test_a_modules_error_is_english_for_a_client_that_asks_for_it(api):
    answer = api.get("/api/v1/service-groups/999999", headers={"Accept-Language": "en"})
    assert answer.status_code == 404 and answer.json()["error"] == "Cash register service not found"
    assert answer.headers["Content-Language"] == "en"
    assert api.get("/api/v1/service-groups/999999").json()["error"] == "Кассовый сервис не найден"
