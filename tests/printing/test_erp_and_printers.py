"""The seed's three endpoints, as the ERP and the printers use them."""
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from server.printing.models import Check, Order, Printer
from server.settings import settings
from tests.conftest import wait_until
from tests.printing.conftest import order_body, pdf_text, statuses

CREATED = {"ok": "Чеки успешно созданы"}
DUPLICATE = {"error": "Для данного заказа уже созданы чеки"}
NO_PRINTERS = {"error": "Для данной точки не настроено ни одного принтера"}
BAD_KEY = {"error": "Ошибка авторизации"}
NO_SUCH_CHECK = {"error": "Данного чека не существует"}
NO_PDF = {"error": "Для данного чека не сгенерирован PDF-файл"}


def rendered(order_id: int, count: int):
    return wait_until(lambda: statuses(order_id).count("rendered") == count, 60,
                      message=f"{count} rendered checks of order {order_id}")


def test_order_creates_one_new_check_per_printer_of_its_point(erp, printers):
    response = erp.post("/create_checks/", json=order_body(1001, point_id=1))
    assert response.status_code == 200
    assert response.json() == CREATED
    checks = list(Check.select().where(Check.order_id == 1001).order_by(Check.type))
    assert [(c.type, c.printer.api_key) for c in checks] == [
        ("client", "point1-client-key"), ("kitchen", "point1-kitchen-key")]
    assert checks[0].order["client"]["name"] == "Иван Петров"


def test_a_check_keeps_the_order_json_as_received_and_renders_it(erp, api, printers):
    sent = {"id": 1010, "point_id": "1", "items": [{"name": "Суп", "quantity": 1, "unit_price": 100},
                                                    {"name": "Хлеб", "quantity": 0.5, "unit_price": "30.5"}],
            "price": 115.25, "note": "без лука"}  # no address, no client, a field of the ERP's own
    assert erp.post("/create_checks/", json=sent).json() == CREATED
    rendered(1010, 2)
    listed = api.get("/api/v1/checks", params={"order_id": 1010}).json()["items"]
    assert [check["order"] for check in listed] == [sent, sent]
    client = Check.get(Check.order_id == 1010, Check.type == "client")
    text = pdf_text(settings.media_root / client.pdf_file)
    assert "Суп" in text and "115.25" in text


def test_checks_are_rendered_in_the_background_into_media_pdf(erp, printers):
    erp.post("/create_checks/", json=order_body(1002, point_id=1)).raise_for_status()
    rendered(1002, 2)
    for check in Check.select().where(Check.order_id == 1002):
        assert check.pdf_file == f"pdf/1002_{check.type}.pdf"
        assert (settings.media_root / check.pdf_file).read_bytes().startswith(b"%PDF")
        assert check.rendered_at is not None and check.render_attempts == 1
    assert not [p for p in (settings.media_root / "pdf").iterdir() if p.name.startswith(".")]


def test_two_kitchen_printers_of_a_point_share_one_file_rendered_once(erp, printers):
    erp.post("/create_checks/", json=order_body(1003, point_id=4)).raise_for_status()
    rendered(1003, 3)
    kitchen = list(Check.select().where(Check.order_id == 1003, Check.type == "kitchen"))
    assert len(kitchen) == 2
    assert {c.pdf_file for c in kitchen} == {"pdf/1003_kitchen.pdf"}
    assert [c.render_attempts for c in kitchen] == [1, 1]


def test_duplicate_order_is_refused_and_creates_nothing(erp, printers):
    erp.post("/create_checks/", json=order_body(1004)).raise_for_status()
    again = erp.post("/create_checks/", json=order_body(1004))
    assert again.status_code == 400
    assert again.json() == DUPLICATE
    assert Check.select().where(Check.order_id == 1004).count() == 2


@pytest.mark.parametrize("point_id", [99, 5])
def test_point_without_active_printers_is_refused(erp, printers, point_id):
    Printer.create(name="Старый", api_key="inactive-printer-key", check_type="client", point_id=5,
                   is_active=False)
    response = erp.post("/create_checks/", json=order_body(1005, point_id=point_id))
    assert response.status_code == 400
    assert response.json() == NO_PRINTERS
    assert Check.select().count() == 0


def test_point_id_may_be_a_numeric_string(erp, printers):
    assert erp.post("/create_checks/", json=order_body(1006, point_id="2")).json() == CREATED


@pytest.mark.parametrize("body, field", [
    ({"point_id": 1, "items": [{"name": "x", "quantity": 1, "unit_price": 1}]}, "id"),
    (order_body(items=[]), "items"),
    (order_body(items=[{"name": "x", "quantity": 0, "unit_price": 1}]), "items.0.quantity"),
    (order_body(items=[{"name": "x", "quantity": 1, "unit_price": -1}]), "items.0.unit_price"),
    (order_body(items=[{"quantity": 1, "unit_price": 1}]), "items.0.name"),
    (order_body(items="pizza"), "items"),
    (order_body(order_id="abc"), "id"),
    (order_body(order_id=1.5), "id"),
    (order_body(point_id="one"), "point_id"),
    (order_body(point_id=True), "point_id"),
    (order_body(order_id=2**70), "id"),
    (order_body(client="Иван"), "client"),
])
def test_invalid_order_gets_400_with_details_and_stores_nothing(erp, printers, body, field):
    response = erp.post("/create_checks/", json=body)
    assert response.status_code == 400
    assert response.json()["error"] == "Некорректный заказ"
    assert field in response.json()["details"]
    assert Check.select().count() == 0


def test_order_with_a_nul_character_is_refused(erp, printers):
    response = erp.post("/create_checks/", json=order_body(address="x\x00y"))
    assert response.status_code == 400 and response.json()["error"]
    assert Check.select().count() == 0


@pytest.mark.parametrize("data, content_type, status", [
    ("{not json", "application/json", 400),
    ("[" * 600000 + "]" * 600000, "application/json", 413),
    ("[" * 5000 + "]" * 5000, "application/json", 400),
    ('"just a string"', "application/json", 400),
    ("id=1", "application/x-www-form-urlencoded", 415),
    ("\xff\xfe", "application/json", 400),
])
def test_body_that_is_not_a_json_order_is_refused(erp, printers, data, content_type, status):
    response = erp.post("/create_checks/", data=data.encode("latin-1"),
                        headers={"Content-Type": content_type})
    assert response.status_code == status
    assert "error" in response.json()
    assert Check.select().count() == 0


def test_huge_order_gets_413(erp, printers):
    body = order_body(1007, comment="x" * (settings.max_body_bytes + 1))
    response = erp.post("/create_checks/", json=body)
    assert response.status_code == 413
    assert Check.select().count() == 0


def test_erp_credentials_are_required(anonymous, as_role, printers):
    response = anonymous.post("/create_checks/", json=order_body(1008))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="receipt-hub"'
    wrong = as_role("erp")
    wrong.auth = ("erp", "wrong password")
    assert wrong.post("/create_checks/", json=order_body(1008)).status_code == 401
    assert as_role("cashier").post("/create_checks/", json=order_body(1008)).status_code == 403
    assert Check.select().count() == 0
    assert as_role("erp").post("/create_checks/", json=order_body(1008)).json() == CREATED


def test_erp_auth_can_be_turned_off(anonymous, printers, monkeypatch):
    monkeypatch.setattr(settings, "printing_erp_auth", False)
    assert anonymous.post("/create_checks/", json=order_body(1009)).json() == CREATED


def test_twenty_identical_orders_at_once_create_one_set_of_checks(live_server, printers):
    body = order_body(1010, point_id=4)

    def post(_):
        return requests.post(live_server.url + "/create_checks/", json=body, auth=("erp", "erp-password"),
                             timeout=30)

    with ThreadPoolExecutor(20) as pool:
        responses = list(pool.map(post, range(20)))
    answers = sorted(r.json().get("ok") or r.json()["error"] for r in responses)
    assert answers.count(CREATED["ok"]) == 1
    assert answers.count(DUPLICATE["error"]) == 19
    assert Check.select().where(Check.order_id == 1010).count() == 3


def test_one_order_id_sent_to_several_points_at_once_is_taken_by_one_point_only(live_server, printers):
    """Each point would print its checks from the same files (pdf/<id>_<type>.pdf): one wins."""

    def post(point_id):
        return requests.post(live_server.url + "/create_checks/", json=order_body(1020, point_id=point_id),
                             auth=("erp", "erp-password"), timeout=30)

    for _ in range(5):
        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(post, [1, 2, 3, 4] * 2))
        assert [r.status_code for r in responses].count(200) == 1, [r.text for r in responses]
        assert {r.json().get("error") for r in responses if r.status_code != 200} == {DUPLICATE["error"]}
        points = {c.printer.point_id for c in Check.select().where(Check.order_id == 1020)}
        assert len(points) == 1
        Check.delete().execute()
        Order.delete().execute()


def test_many_orders_at_once_each_get_their_own_answer(live_server, printers):
    """Orders taken in together (one batch) still answer one by one: new, repeated, without printers."""
    bodies = [order_body(order_id, point_id=1) for order_id in range(1101, 1111)] * 3
    bodies += [order_body(order_id, point_id=99) for order_id in range(1111, 1116)]

    def post(body):
        return requests.post(live_server.url + "/create_checks/", json=body, auth=("erp", "erp-password"),
                             timeout=30)

    with ThreadPoolExecutor(len(bodies)) as pool:
        answers = [r.json().get("ok") or r.json()["error"] for r in pool.map(post, bodies)]
    assert answers.count(CREATED["ok"]) == 10
    assert answers.count(DUPLICATE["error"]) == 20
    assert answers[30:] == [NO_PRINTERS["error"]] * 5
    created = Check.select(Check.order_id).where(Check.order_id.between(1101, 1115))
    assert sorted(c.order_id for c in created) == sorted(list(range(1101, 1111)) * 2)
    wait_until(lambda: Check.select().where(Check.order_id.between(1101, 1110), Check.status == "rendered").count()
               == 20, 90, message="every order's checks rendered")


# The printers' side.

def poll(anonymous, key, **params):
    return anonymous.get("/new_checks/", params={"api_key": key, **params})


def test_unknown_printer_key_gets_401(anonymous, printers):
    for params in ({"api_key": "nope"}, {}):
        response = anonymous.get("/new_checks/", params=params)
        assert (response.status_code, response.json()) == (401, BAD_KEY)
    response = anonymous.get("/check/", params={"api_key": "nope", "check_id": 1})
    assert (response.status_code, response.json()) == (401, BAD_KEY)


def test_printer_sees_only_its_rendered_checks_oldest_first(erp, anonymous, printers):
    for order_id in (2001, 2002):
        erp.post("/create_checks/", json=order_body(order_id, point_id=1)).raise_for_status()
    erp.post("/create_checks/", json=order_body(2003, point_id=2)).raise_for_status()
    for order_id in (2001, 2002):
        rendered(order_id, 2)
    checks = poll(anonymous, "point1-kitchen-key").json()["checks"]
    assert [(c["order_id"], c["type"]) for c in checks] == [(2001, "kitchen"), (2002, "kitchen")]
    assert all(set(c) >= {"id", "order_id", "type", "created_at"} for c in checks)
    wait_until(lambda: Printer.get(Printer.api_key == "point1-kitchen-key").last_seen_at, 5, message="last_seen_at")
    header_poll = anonymous.get("/new_checks/", headers={"X-Api-Key": "point1-client-key"})
    assert [c["order_id"] for c in header_poll.json()["checks"]] == [2001, 2002]


def test_poll_sets_last_seen_at(anonymous, printers):
    assert printers["point2-client-key"].last_seen_at is None
    assert poll(anonymous, "point2-client-key").json() == {"checks": []}
    seen = wait_until(lambda: Printer.get(Printer.api_key == "point2-client-key").last_seen_at, 5,
                      message="last_seen_at written within a second")
    assert abs(time.time() - seen.timestamp()) < 60


def test_download_marks_printed_and_can_be_repeated(erp, anonymous, printers):
    erp.post("/create_checks/", json=order_body(2004, point_id=1)).raise_for_status()
    rendered(2004, 2)
    check = Check.get(Check.order_id == 2004, Check.type == "client")
    params = {"api_key": "point1-client-key", "check_id": check.id}
    first = anonymous.get("/check/", params=params)
    assert first.status_code == 200
    assert first.headers["Content-Type"] == "application/pdf"
    assert first.content.startswith(b"%PDF")
    assert Check.get_by_id(check.id).status == "printed"
    assert Check.get_by_id(check.id).printed_at is not None
    assert poll(anonymous, "point1-client-key").json() == {"checks": []}
    again = anonymous.get("/check/", params=params)
    assert again.status_code == 200 and again.content == first.content


def test_another_printers_check_does_not_exist_for_this_one(erp, anonymous, printers):
    erp.post("/create_checks/", json=order_body(2005, point_id=1)).raise_for_status()
    rendered(2005, 2)
    kitchen = Check.get(Check.order_id == 2005, Check.type == "kitchen")
    for key, check_id in (("point1-client-key", kitchen.id), ("point2-client-key", kitchen.id),
                          ("point1-client-key", 10**9)):
        response = anonymous.get("/check/", params={"api_key": key, "check_id": check_id})
        assert (response.status_code, response.json()) == (400, NO_SUCH_CHECK)
    assert Check.get_by_id(kitchen.id).status == "rendered"


def test_check_without_pdf_yet_is_refused(anonymous, printers):
    printer = printers["point3-client-key"]
    check = Check.create(printer=printer, type="client", order=order_body(2006, 3), order_id=2006)
    response = anonymous.get("/check/", params={"api_key": printer.api_key, "check_id": check.id})
    assert (response.status_code, response.json()) == (400, NO_PDF)
    assert Check.get_by_id(check.id).status == "new"


@pytest.mark.parametrize("params", [{"check_id": "x"}, {}, {"check_id": "1.5"}])
def test_check_download_with_bad_id_is_400(anonymous, printers, params):
    response = anonymous.get("/check/", params={"api_key": "point1-client-key", **params})
    assert response.status_code == 400 and "check_id" in response.json()["details"]


def test_long_poll_answers_as_soon_as_a_check_is_rendered(erp, anonymous, printers):
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        waiting = pool.submit(poll, anonymous, "point3-kitchen-key", wait=30)
        time.sleep(0.5)
        erp.post("/create_checks/", json=order_body(2007, point_id=3)).raise_for_status()
        checks = waiting.result(timeout=40).json()["checks"]
        elapsed = time.monotonic() - started
    assert [c["order_id"] for c in checks] == [2007]
    assert elapsed < 20


def test_waiting_printers_hold_no_database_thread(anonymous, api, printers):
    waiters = settings.db_threads * 3
    with ThreadPoolExecutor(waiters) as pool:
        polls = [pool.submit(poll, anonymous, "point2-kitchen-key", wait=4) for _ in range(waiters)]
        time.sleep(1)
        started = time.monotonic()
        assert api.get("/api/v1/printers").status_code == 200
        assert time.monotonic() - started < 1.5
        assert all(p.result(timeout=30).json() == {"checks": []} for p in polls)


def test_long_poll_gives_the_empty_list_after_wait_seconds(anonymous, printers):
    started = time.monotonic()
    assert poll(anonymous, "point2-kitchen-key", wait=1).json() == {"checks": []}
    assert 0.9 <= time.monotonic() - started < 10
    assert poll(anonymous, "point2-kitchen-key", wait=61).status_code == 400


def test_client_check_pdf_shows_the_order_with_prices(erp, printers):
    erp.post("/create_checks/", json=order_body(3001, point_id=1)).raise_for_status()
    rendered(3001, 2)
    text = pdf_text(settings.media_root / "pdf" / "3001_client.pdf")
    for expected in ("3001", "Пицца Маргарита", "Морс клюквенный", "450.00", "900.00", "99.90",
                     "999.90", "ул. Ленина, 1, кв. 5", "Иван Петров", "+7 900 123-45-67"):
        assert expected in text, expected


def test_kitchen_check_pdf_shows_items_without_prices(erp, printers):
    erp.post("/create_checks/", json=order_body(3002, point_id=1)).raise_for_status()
    rendered(3002, 2)
    text = pdf_text(settings.media_root / "pdf" / "3002_kitchen.pdf")
    for expected in ("3002", r"Пицца Маргарита\s+×\s*2\b", r"Морс клюквенный\s+×\s*1\b"):
        assert re.search(expected, text), expected
    for price in ("450.00", "900.00", "99.90", "999.90", "₽"):
        assert price not in text, price


def test_a_deactivated_printer_stays_refused_when_a_poll_in_flight_had_read_its_key(live_server, api, printers,
                                                                                   monkeypatch):
    """The poll cache does not take back a printer that a poll read before the admin's change."""
    from server.printing import polling

    original, read, release = polling.printer_by_key, threading.Event(), threading.Event()

    def paused(api_key):
        printer = original(api_key)
        if api_key == "point2-kitchen-key":
            read.set()
            release.wait(10)
        return printer

    monkeypatch.setattr(polling, "printer_by_key", paused)
    poll = {"api_key": "point2-kitchen-key"}
    with ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(requests.get, live_server.url + "/new_checks/", params=poll, timeout=30)
        assert read.wait(10)
        assert api.delete(f"/api/v1/printers/{printers['point2-kitchen-key'].id}").status_code == 200
        release.set()
        in_flight.result()
    for _ in range(2):
        assert requests.get(live_server.url + "/new_checks/", params=poll, timeout=30).status_code == 401
