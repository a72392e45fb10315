"""The HTTP layer below the handlers, tried as a hostile client would: bodies refused from their headers,
half-sent requests dropped, state changes from other sites refused, nothing that names the software,
no secrets in the log, and bad input that once gave 500s or invalid JSON."""
import asyncio
import json
import logging
import socket
import threading
import time

import pytest
import requests

from server.accounts.models import User
from server.printing.models import Printer
from server.settings import settings
from tests.conftest import PASSWORDS, free_port
from tests.printing.conftest import order_body

ADMIN = ("admin", PASSWORDS["admin"])


def raw_request(port: int, head: str, body: bytes = b"", wait: float = 5.0) -> bytes:
    """Send the request's head (and `body`), then read what comes back until the server closes or
    `wait` passes."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head.encode() + body)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer and b'"error"' in answer:
                    break
        except socket.timeout:
            pass
        return answer


def basic(credentials) -> str:
    import base64

    return "Basic " + base64.b64encode(":".join(credentials).encode()).decode()


def test_a_body_announced_too_big_is_refused_from_the_headers_before_it_is_sent(live_server):
    head = (f"POST /api/v1/printers HTTP/1.1\r\nHost: x\r\nAuthorization: {basic(ADMIN)}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {settings.max_body_bytes + 1}\r\n\r\n")
    started = time.monotonic()
    answer = raw_request(live_server.port, head)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 3


def test_without_credentials_the_body_is_not_read(live_server):
    head = ("POST /api/v1/printers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 500000\r\n\r\n")
    answer = raw_request(live_server.port, head)  # the body never comes
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]


def test_a_chunked_body_past_the_limit_is_refused_and_not_kept(api, live_server):
    chunk = b"a" * 65536
    chunks = (chunk for _ in range(settings.max_body_bytes // len(chunk) + 2))
    response = requests.post(live_server.url + "/api/v1/printers", data=chunks, auth=ADMIN, timeout=30,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_half_sent_requests_and_idle_connections_are_dropped(monkeypatch, api):
    """A server with short timeouts (the settings), in a loop of its own."""
    from server.app import listen, make_app

    monkeypatch.setattr(settings, "http_body_timeout", 1.0)
    monkeypatch.setattr(settings, "http_idle_timeout", 1.0)
    port, loop, ready = free_port(), asyncio.new_event_loop(), threading.Event()

    def serve():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(asyncio.sleep(0))
        server = listen(make_app(), port, "127.0.0.1")
        ready.set()
        loop.run_forever()
        server.stop()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(5)
    try:
        for partial in ("GET /api/v1/me HTTP/1.1\r\nHost: x\r\n",  # headers never finished
                        f"POST /api/v1/printers HTTP/1.1\r\nHost: x\r\nAuthorization: {basic(ADMIN)}\r\n"
                        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"na"):  # body half-sent
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(partial.encode())
                started = time.monotonic()
                while sock.recv(65536):
                    pass
                assert time.monotonic() - started < 5, partial
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


@pytest.mark.parametrize("headers, status", [
    ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
    ({"Content-Type": "multipart/form-data; boundary=x"}, 415),
    ({"Content-Type": "text/plain"}, 415),
    ({"Origin": "http://evil.example"}, 403),
    ({"Origin": "null"}, 403),
    ({"Sec-Fetch-Site": "cross-site"}, 403),
])
def test_a_state_change_from_another_site_or_a_form_is_refused(live_server, printers, headers, status):
    printer = printers["point1-kitchen-key"]
    for path in (f"/api/v1/printers/{printer.id}/regenerate_key", "/api/v1/auth/token"):
        response = requests.post(live_server.url + path, auth=ADMIN, headers=headers, timeout=30)
        assert response.status_code == status, (path, response.text)
    assert Printer.get_by_id(printer.id).api_key == "point1-kitchen-key"


def test_a_connection_stays_usable_after_an_answer_and_says_when_it_will_not(live_server, printers):
    """A request refused from its headers is answered before its body is read, and Tornado then closes
    the connection: the answer must say `Connection: close`, and every other answer (a 404 included)
    leaves the connection open for the next request."""
    printer = printers["point1-kitchen-key"]
    with requests.Session() as session:
        for _ in range(3):
            assert session.get(live_server.url + "/api/v1/nothing-here", auth=ADMIN, timeout=30).status_code == 404
            assert session.get(live_server.url + "/api/v1/me", auth=ADMIN, timeout=30).status_code == 200
        refused = session.post(f"{live_server.url}/api/v1/printers/{printer.id}/regenerate_key", auth=ADMIN,
                               headers={"Content-Type": "text/plain"}, timeout=30)
        assert refused.status_code == 415 and refused.headers["Connection"] == "close"
        assert session.get(live_server.url + "/api/v1/me", auth=ADMIN, timeout=30).status_code == 200


def test_a_state_change_from_this_site_or_a_program_goes_through(live_server, printers):
    printer = printers["point1-kitchen-key"]
    url = f"{live_server.url}/api/v1/printers/{printer.id}/regenerate_key"
    same_site = {"Origin": live_server.url, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}
    assert requests.post(url, auth=ADMIN, headers=same_site, timeout=30).status_code == 200
    assert requests.post(url, auth=ADMIN, timeout=30).status_code == 200  # no body, no Content-Type


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/openapi.json", "/admin/", "/api/docs/", "/nowhere",
                                  "/api/docs/static/swagger-ui.css", "/new_checks/?api_key=x"])
def test_no_answer_names_the_server_software(live_server, path):
    response = requests.get(live_server.url + path, auth=ADMIN, timeout=30)
    assert "Server" not in response.headers, response.headers


def test_api_keys_in_the_query_are_not_written_to_the_access_log(anonymous, printers, caplog):
    caplog.set_level(logging.INFO, logger="tornado.access")
    anonymous.get("/new_checks/", params={"api_key": "point1-kitchen-key", "wait": 0})
    anonymous.get("/check/", params={"api_key": "point1-kitchen-key", "check_id": 1})
    lines = [record.getMessage() for record in caplog.records if record.name == "tornado.access"]
    assert any("/new_checks/?api_key=***&wait=0" in line for line in lines), lines
    assert not any("point1-kitchen-key" in line for line in lines), lines


@pytest.mark.parametrize("field, value", [("id", "1e999"), ("id", "-1e999"), ("point_id", "1e999"),
                                          ("point_id", "-1e999"), ("id", "1e308")])
def test_numbers_beyond_a_float_in_integer_fields_name_the_field(live_server, printers, field, value):
    body = json.dumps(order_body(3001, point_id=1)).replace(f'"{field}": {3001 if field == "id" else 1}',
                                                            f'"{field}": {value}', 1)
    response = requests.post(live_server.url + "/create_checks/", data=body, auth=ADMIN, timeout=30,
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and field in response.json()["details"], response.text


def test_whatever_an_order_brings_is_answered_as_valid_json(api, printers):
    body = json.dumps(order_body(3002, point_id=1)).replace('"id": 3002', '"id": 3002, "huge": 1e999, "tiny": -1e999')
    assert api.post("/create_checks/", data=body, headers={"Content-Type": "application/json"}).status_code == 200
    listed = api.get("/api/v1/checks", params={"order_id": 3002})
    assert "Infinity" not in listed.text
    assert json.loads(listed.text, parse_constant=lambda name: pytest.fail(name))["total"] == 2


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_dates_at_the_edges_of_the_calendar_are_refused_not_crashed_on(api, moment):
    for name in ("created_from", "created_to"):
        response = api.get("/api/v1/checks", params={name: moment})
        assert response.status_code == 400 and name in response.json()["details"], response.text


@pytest.mark.parametrize("path", ["/admin/assets/%00", "/admin/assets/a%00b.js", "/api/docs/static/%00.css"])
def test_a_nul_byte_in_an_asset_path_is_not_found(live_server, path):
    assert requests.get(live_server.url + path, timeout=30).status_code == 404


def test_a_nul_byte_in_a_dashboard_path_is_the_dashboard_not_an_error(live_server):
    assert requests.get(live_server.url + "/admin/%00", timeout=30).status_code in (200, 503)


@pytest.mark.parametrize("username", ["admin\n", "cashier\n", "new-user\r\n", " admin"])
def test_a_username_with_a_trailing_newline_or_space_is_refused(api, username):
    response = api.post("/api/v1/users", json={"username": username, "password": "secret-1", "role": "erp"})
    assert response.status_code == 400 and "username" in response.json()["details"]
    assert not User.select().where(User.username == username).exists()


@pytest.mark.parametrize("api_key", ["good-key-123\n", "good key 123"])
def test_a_printer_key_with_a_newline_is_refused(api, api_key):
    response = api.post("/api/v1/printers", json={"name": "x", "check_type": "client", "point_id": 1,
                                                  "api_key": api_key})
    assert response.status_code == 400 and "api_key" in response.json()["details"]


@pytest.mark.parametrize("price", ["-0.001", "-0.004", -0.001, "-0"])
def test_a_negative_price_that_rounds_to_zero_is_refused(api, printers, price):
    body = order_body(3003, point_id=1)
    body["items"][0]["unit_price"] = price
    response = api.post("/create_checks/", json=body)
    if price == "-0":
        assert response.status_code == 200  # minus zero is zero
    else:
        assert response.status_code == 400 and "items.0.unit_price" in response.json()["details"]


def test_percent_and_underscore_in_a_search_are_plain_characters(api, printers):
    api.post("/api/v1/printers", json={"name": "Бар 100% вкуса", "check_type": "client", "point_id": 9})
    assert api.get("/api/v1/printers", params={"search": "%"}).json()["total"] == 1
    assert api.get("/api/v1/printers", params={"search": "_"}).json()["total"] == 0
    assert api.get("/api/v1/users", params={"search": "%"}).json()["total"] == 0
    assert api.get("/api/v1/users", params={"search": "_"}).json()["total"] == 0


@pytest.mark.parametrize("path", ["/", "/admin", "/admin/", "/admin/assets/none.js", "/api/docs/", "/api/v1/swagger/",
                                  "/api/docs/static/swagger-ui.css", "/webhook/bank/simulator/",
                                  "/swagger/webhook/bank/imitation/"])
def test_a_page_answers_a_method_it_does_not_take_with_a_json_405(live_server, path):
    response = requests.post(live_server.url + path, json={}, timeout=30, allow_redirects=False)
    assert response.status_code == 405, (path, response.status_code)
    assert response.headers["Content-Type"].startswith("application/json") and response.json()["error"]
    assert "GET" in response.headers["Allow"]
