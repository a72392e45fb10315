from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from server.billing.models import MeterReading
from tests.billing.conftest import house_body


def a_house(api, apartments: int = 1) -> dict:
    return api.post("/api/v1/houses", json=house_body(apartments=apartments)).json()


def values(meter_id: int) -> dict:
    return {r.month.strftime("%Y-%m"): str(r.value.quantize(Decimal("0.001"))) for r in
            MeterReading.select().where(MeterReading.meter == meter_id).order_by(MeterReading.month)}


def test_bulk_readings_store_the_good_rows_and_say_why_the_others_were_not(accountant):
    house = a_house(accountant)
    cold, hot = house["apartments"][0]["meters"]
    rows = [
        {"meter_id": cold["id"], "month": "2026-02", "value": "5.5"},
        {"serial": hot["serial"], "month": "2026-02", "value": 2},
        {"meter_id": cold["id"], "month": "2026-03", "value": "4"},          # lower than February
        {"meter_id": 999999, "month": "2026-03", "value": "4"},              # no such meter
        {"meter_id": cold["id"], "month": "2026-13", "value": "4"},          # bad month
        {"meter_id": cold["id"], "month": "2026-04", "value": "-1"},         # negative
        {"serial": hot["serial"], "month": "2026-02", "value": 3},           # the same month twice
        {"meter_id": cold["id"], "serial": cold["serial"], "month": "2026-05", "value": 9},
        {"meter_id": cold["id"], "month": "2025-12", "value": "0"},          # before it was installed
        {"meter_id": cold["id"], "month": "2026-04", "value": "6.125"},
    ]
    response = accountant.post("/api/v1/readings", json={"readings": rows})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["stored"] == 3 and answer["refused"] == 7
    statuses = [r["status"] for r in answer["results"]]
    assert statuses == ["stored", "stored"] + ["refused"] * 7 + ["stored"]
    errors = [r.get("error") for r in answer["results"]]
    assert errors[2] == "Показание меньше предыдущего (5.500 за 2026-02)"
    assert errors[3] == "Счётчик не найден"
    assert "month" in answer["results"][4]["details"]
    assert answer["results"][5]["details"]["value"][0].startswith("Должно быть от 0")  # Russian, as errors are
    assert errors[6] == "Показание этого счётчика за этот месяц повторяется в запросе"
    assert errors[8] == "Счётчик установлен позже этого месяца"
    assert [r["row"] for r in answer["results"]] == list(range(10))
    assert values(cold["id"]) == {"2026-02": "5.500", "2026-04": "6.125"}
    assert values(hot["id"]) == {"2026-02": "2.000"}


def test_a_reading_between_two_months_must_fit_between_them_and_a_month_is_stored_once(accountant):
    meter = a_house(accountant)["apartments"][0]["meters"][0]["id"]
    post = lambda month, value: accountant.post(  # noqa: E731
        "/api/v1/readings", json={"readings": [{"meter_id": meter, "month": month, "value": value}]}).json()["results"][0]
    assert post("2026-02", "10")["status"] == "stored"
    assert post("2026-04", "20")["status"] == "stored"
    assert post("2026-03", "25")["error"] == "Показание больше следующего (20.000 за 2026-04)"
    first = post("2026-03", "15")
    assert first["status"] == "stored"
    assert post("2026-03", "15") == first  # sent again (a retry): the same answer, nothing twice
    assert post("2026-03", "16")["error"] == "Показание за этот месяц уже внесено"
    assert values(meter) == {"2026-02": "10.000", "2026-03": "15.000", "2026-04": "20.000"}


def test_a_batch_with_nothing_stored_is_a_400_naming_each_row(accountant):
    meter = a_house(accountant)["apartments"][0]["meters"][0]["id"]
    accountant.post("/api/v1/readings", json={"readings": [{"meter_id": meter, "month": "2026-02", "value": "10"}]})
    lower = accountant.post("/api/v1/readings", json={"readings": [{"meter_id": meter, "month": "2026-03",
                                                                      "value": "9"}]})
    assert lower.status_code == 400
    answer = lower.json()
    assert answer["error"] == "Ни одно показание не сохранено" and answer["stored"] == 0
    assert answer["details"] == {"readings.0": ["Показание меньше предыдущего (10.000 за 2026-02)"]}
    assert values(meter) == {"2026-02": "10.000"}


def test_a_replaced_meter_starts_again_from_its_initial_reading(accountant):
    house = a_house(accountant)
    apartment = house["apartments"][0]
    old = apartment["meters"][0]
    assert accountant.post("/api/v1/readings", json={"readings": [
        {"meter_id": old["id"], "month": "2026-02", "value": "950"}]}).json()["stored"] == 1
    closed = accountant.patch(f"/api/v1/meters/{old['id']}", json={"removed_at": "2026-03-15"})
    assert closed.status_code == 200 and closed.json()["removed_at"] == "2026-03-15"
    new = accountant.post(f"/api/v1/apartments/{apartment['id']}/meters", json={
        "serial": "NEW-1", "kind": "cold", "installed_at": "2026-03-15", "initial_reading": "1.5"})
    assert new.status_code == 201, new.text
    answer = accountant.post("/api/v1/readings", json={"readings": [
        {"serial": "NEW-1", "month": "2026-04", "value": "3"},
        {"serial": "NEW-1", "month": "2026-05", "value": "2"},
        {"meter_id": old["id"], "month": "2026-04", "value": "960"}]}).json()
    assert [r["status"] for r in answer["results"]] == ["stored", "refused", "refused"]
    assert answer["results"][1]["error"] == "Показание меньше предыдущего (3.000 за 2026-04)"
    assert answer["results"][2]["error"] == "Счётчик снят раньше этого месяца"


def test_a_reading_list_filters_by_house_and_month(accountant):
    house = a_house(accountant, apartments=2)
    meters = [m["id"] for a in house["apartments"] for m in a["meters"]]
    accountant.post("/api/v1/readings", json={"readings": [
        {"meter_id": m, "month": "2026-03", "value": "1"} for m in meters]})
    listed = accountant.get("/api/v1/readings", params={"house": house["id"], "month": "2026-03"}).json()
    assert listed["total"] == 4 and listed["items"][0]["month"] == "2026-03"
    assert accountant.get("/api/v1/readings", params={"month": "2026-04"}).json()["total"] == 0


def test_bad_reading_bodies_are_400_and_store_nothing(accountant):
    for body in ({}, {"readings": []}, {"readings": "x"}, 5, [], {"readings": [{}] * 5001},
                 {"readings": [{"meter_id": 1, "month": "2026-10", "value": 1}, "not a row"]}):
        response = accountant.post("/api/v1/readings", json=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"]
    assert MeterReading.select().count() == 0


def test_concurrent_bulk_readings_store_each_month_once_and_never_go_down(accountant, live_server):
    """Twenty requests race for one meter's months with values that clash: whatever the order, one
    reading per month, and the stored readings never go down."""
    meter = a_house(accountant)["apartments"][0]["meters"][0]["id"]

    def post(i):
        rows = [{"meter_id": meter, "month": f"2026-{m:02d}", "value": str(m * 10 + (i % 5))} for m in (3, 4, 5)]
        if i % 2:
            rows.reverse()
        return accountant.post("/api/v1/readings", json={"readings": rows}).json()

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(post, range(20)))
    readings = list(MeterReading.select().where(MeterReading.meter == meter).order_by(MeterReading.month))
    stored = [r.value for r in readings]
    assert len(stored) == 3 and stored == sorted(stored)
    # a request that sent a month's stored value is told it is stored (the same id); the others, refused
    answered = {r["id"] for a in answers for r in a["results"] if r["status"] == "stored"}
    assert answered == {r.id for r in readings}


def test_a_batch_refused_in_english_for_a_client_that_prefers_it(accountant):
    meter = a_house(accountant)["apartments"][0]["meters"][0]["id"]
    refused = accountant.post("/api/v1/readings", headers={"Accept-Language": "en"},
                              json={"readings": [{"meter_id": meter, "month": "2026-02", "value": "-1"},
                                                 {"meter_id": 999999, "month": "2026-02", "value": "1"}]})
    assert refused.status_code == 400 and refused.headers["Content-Language"] == "en"
    answer = refused.json()
    assert answer["error"] == "No reading was stored" and answer["details"]["readings.1"] == ["Meter not found"]
    assert [r["error"] for r in answer["results"]] == ["Invalid row", "Meter not found"]
    assert answer["results"][0]["details"]["value"][0].startswith("Must be greater than or equal to 0")
