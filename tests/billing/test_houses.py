from concurrent.futures import ThreadPoolExecutor

import pytest

from server.billing.models import Apartment, Bill, House, WaterMeter
from tests.billing.conftest import house_body


def test_a_house_is_created_with_its_apartments_and_meters_in_one_body(accountant):
    response = accountant.post("/api/v1/houses", json=house_body(apartments=3))
    assert response.status_code == 201, response.text
    house = response.json()
    assert response.headers["Location"] == f"/api/v1/houses/{house['id']}"
    assert house["address"] == "ул. Ленина, 1"
    assert house["apartment_count"] == 3
    assert [a["number"] for a in house["apartments"]] == ["1", "2", "3"]
    assert house["apartments"][0]["area"] == "54.35"
    meter = house["apartments"][0]["meters"][0]
    assert meter["kind"] == "cold" and meter["initial_reading"] == "0.000" and meter["latest_reading"] is None
    assert WaterMeter.select().count() == 6


def test_a_house_reads_with_latest_readings_and_latest_bills(accountant):
    house = accountant.post("/api/v1/houses", json=house_body(apartments=1)).json()
    meter_id = house["apartments"][0]["meters"][0]["id"]
    rows = [{"meter_id": meter_id, "month": "2026-02", "value": "3.5"},
            {"meter_id": meter_id, "month": "2026-03", "value": "7.25"}]
    assert accountant.post("/api/v1/readings", json={"readings": rows}).json()["stored"] == 2
    Bill.create(apartment=house["apartments"][0]["id"], house=house["id"], month="2026-03-01",
                water_amount="1.00", maintenance_amount="2.00", total="3.00", lines=[])
    read = accountant.get(f"/api/v1/houses/{house['id']}").json()
    apartment = read["apartments"][0]
    assert apartment["meters"][0]["latest_reading"]["month"] == "2026-03"
    assert apartment["meters"][0]["latest_reading"]["value"] == "7.250"
    assert apartment["latest_bill"]["total"] == "3.00"
    assert read["latest_bill_month"] == "2026-03"
    assert [(b["apartment_number"], b["month"], b["total"]) for b in read["latest_bills"]] == [("1", "2026-03", "3.00")]


def test_houses_list_with_apartment_counts_and_edit(accountant):
    first = accountant.post("/api/v1/houses", json=house_body("ул. А, 1", apartments=2)).json()
    accountant.post("/api/v1/houses", json=house_body("ул. Б, 2", apartments=0))
    listed = accountant.get("/api/v1/houses", params={"sort": "address"}).json()
    assert listed["total"] == 2
    assert [(h["address"], h["apartment_count"]) for h in listed["items"]] == [("ул. А, 1", 2), ("ул. Б, 2", 0)]
    edited = accountant.patch(f"/api/v1/houses/{first['id']}", json={
        "address": "ул. А, 1к2", "apartments": [{"number": "3", "area": 40}]})
    assert edited.status_code == 200, edited.text
    assert edited.json()["address"] == "ул. А, 1к2" and edited.json()["apartment_count"] == 3
    taken = accountant.patch(f"/api/v1/houses/{first['id']}", json={"address": "ул. Б, 2"})
    assert taken.status_code == 409 and taken.json()["error"]


@pytest.mark.parametrize("body, field", [
    ({}, "address"),
    ({"address": ""}, "address"),
    ({"address": "x", "apartments": [{"number": "1", "area": 0}]}, "apartments.0.area"),
    ({"address": "x", "apartments": [{"number": "1", "area": "-5"}]}, "apartments.0.area"),
    ({"address": "x", "apartments": [{"number": "1", "area": "10.123"}]}, "apartments.0.area"),
    ({"address": "x", "apartments": [{"number": "1", "area": "NaN"}]}, "apartments.0.area"),
    ({"address": "x", "apartments": [{"number": "1", "area": True}]}, "apartments.0.area"),
    ({"address": "x", "apartments": [{"number": "1", "area": 1, "meters": [{"serial": "s", "kind": "warm",
                                                                          "installed_at": "2026-01-01"}]}]},
     "apartments.0.meters.0.kind"),
    ({"address": "x", "apartments": [{"number": "1", "area": 1}, {"number": "1", "area": 2}]}, "apartments.1.number"),
    ({"address": "x", "apartments": [
        {"number": "1", "area": 1, "meters": [{"serial": "s", "kind": "cold", "installed_at": "2026-01-01"}]},
        {"number": "2", "area": 1, "meters": [{"serial": "s", "kind": "hot", "installed_at": "2026-01-01"}]}]},
     "apartments.1.meters.0.serial"),
])
def test_a_bad_house_is_refused_naming_the_field_and_nothing_is_stored(accountant, body, field):
    response = accountant.post("/api/v1/houses", json=body)
    assert response.status_code == 400, response.text
    assert field in response.json()["details"], response.json()
    assert House.select().count() == 0 and Apartment.select().count() == 0


def test_a_taken_address_or_serial_is_409_and_stores_nothing_more(accountant):
    assert accountant.post("/api/v1/houses", json=house_body("ул. А, 1")).status_code == 201
    again = accountant.post("/api/v1/houses", json=house_body("ул. А, 1"))
    assert again.status_code == 409 and again.json()["error"] == "Дом с таким адресом уже существует"
    body = house_body("ул. Б, 1")
    body["apartments"][1]["meters"][0]["serial"] = "улА1-1-C"
    clash = accountant.post("/api/v1/houses", json=body)
    assert clash.status_code == 409 and "улА1-1-C" in clash.json()["error"]
    assert House.select().count() == 1 and Apartment.select().count() == 2


def test_a_house_with_bills_cannot_be_deleted_one_without_goes_with_its_apartments(accountant):
    kept = accountant.post("/api/v1/houses", json=house_body("ул. А, 1", apartments=1)).json()
    gone = accountant.post("/api/v1/houses", json=house_body("ул. Б, 1", apartments=1)).json()
    Bill.create(apartment=kept["apartments"][0]["id"], house=kept["id"], month="2026-03-01",
                water_amount="1.00", maintenance_amount="2.00", total="3.00", lines=[])
    refused = accountant.delete(f"/api/v1/houses/{kept['id']}")
    assert refused.status_code == 409 and refused.json()["error"] == "У дома есть начисления: его нельзя удалить"
    assert accountant.delete(f"/api/v1/houses/{gone['id']}").status_code == 204
    assert accountant.get(f"/api/v1/houses/{gone['id']}").status_code == 404
    assert [h.id for h in House.select()] == [kept["id"]]
    assert Apartment.select().count() == 1 and WaterMeter.select().count() == 2


def test_houses_are_for_accountants_and_admins(as_role, anonymous):
    assert anonymous.get("/api/v1/houses").status_code == 401
    assert as_role("cashier").get("/api/v1/houses").status_code == 403
    assert as_role("cashier").post("/api/v1/houses", json=house_body()).status_code == 403
    assert House.select().count() == 0


def test_concurrent_creates_of_one_address_make_one_house(accountant, live_server):
    def create(_):
        return accountant.post("/api/v1/houses", json=house_body("ул. Гонки, 1", apartments=20)).status_code

    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(create, range(10)))
    assert sorted(statuses) == [201] + [409] * 9
    assert House.select().count() == 1 and Apartment.select().count() == 20 and WaterMeter.select().count() == 40


def test_an_apartment_is_edited_and_meters_are_read_and_installed_without_a_date(accountant):
    house = accountant.post("/api/v1/houses", json={"address": "ул. Новая, 3", "apartments": [
        {"number": "1", "area": 33.3, "meters": [{"serial": "NODATE-1", "kind": "cold"}]}]})
    assert house.status_code == 201, house.text
    apartment = house.json()["apartments"][0]
    assert apartment["meters"][0]["installed_at"] is None
    edited = accountant.patch(f"/api/v1/apartments/{apartment['id']}", json={"area": "35.05"})
    assert edited.status_code == 200 and edited.json()["area"] == "35.05"
    meter = accountant.get(f"/api/v1/meters/{apartment['meters'][0]['id']}").json()
    assert meter["serial"] == "NODATE-1" and meter["apartment"] == apartment["id"]
    stored = accountant.post("/api/v1/readings", json={"readings": [
        {"serial": "NODATE-1", "month": "2020-01", "value": 4}]}).json()
    assert stored["stored"] == 1
    assert accountant.patch(f"/api/v1/apartments/{apartment['id']}", json={"area": 0}).status_code == 400
