from concurrent.futures import ThreadPoolExecutor

from server.billing.models import Tariff
from tests.billing.conftest import house_body


def test_tariffs_crud(accountant):
    created = accountant.post("/api/v1/tariffs", json={"kind": "water_cold", "price": "45.55",
                                                       "valid_from": "2026-01-01"})
    assert created.status_code == 201, created.text
    tariff = created.json()
    assert tariff["price"] == "45.5500" and tariff["house"] is None
    house = accountant.post("/api/v1/houses", json=house_body(apartments=0)).json()
    own = accountant.post("/api/v1/tariffs", json={"kind": "water_cold", "price": 40, "valid_from": "2026-01-01",
                                                   "house_id": house["id"]})
    assert own.status_code == 201 and own.json()["house"] == house["id"]
    assert accountant.get("/api/v1/tariffs", params={"house": house["id"]}).json()["total"] == 1
    edited = accountant.patch(f"/api/v1/tariffs/{tariff['id']}", json={"price": "46"})
    assert edited.status_code == 200 and edited.json()["price"] == "46.0000"
    assert accountant.get(f"/api/v1/tariffs/{tariff['id']}").json()["price"] == "46.0000"
    assert accountant.delete(f"/api/v1/tariffs/{tariff['id']}").status_code == 204
    assert accountant.get(f"/api/v1/tariffs/{tariff['id']}").status_code == 404
    assert [t.id for t in Tariff.select()] == [own.json()["id"]]


def test_bad_tariffs_are_refused(accountant):
    for body, field in (({"kind": "gas", "price": 1, "valid_from": "2026-01-01"}, "kind"),
                        ({"kind": "maintenance", "price": -1, "valid_from": "2026-01-01"}, "price"),
                        ({"kind": "maintenance", "price": "1.00001", "valid_from": "2026-01-01"}, "price"),
                        ({"kind": "maintenance", "price": 1.5, "valid_from": "2026-02-30"}, "valid_from"),
                        ({"kind": "maintenance", "price": 1, "valid_from": "2026-01-01", "house": 99999}, "house")):
        response = accountant.post("/api/v1/tariffs", json=body)
        assert response.status_code == 400 and field in response.json()["details"], response.text
    assert Tariff.select().count() == 0


def test_concurrent_creates_of_one_tariff_make_one(accountant, live_server):
    body = {"kind": "maintenance", "price": "31.27", "valid_from": "2026-01-01"}
    with ThreadPoolExecutor(10) as pool:
        statuses = list(pool.map(lambda _: accountant.post("/api/v1/tariffs", json=body).status_code, range(10)))
    assert sorted(statuses) == [201] + [409] * 9
    assert Tariff.select().count() == 1
