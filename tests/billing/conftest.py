import datetime as dt

import pytest

from server.billing.models import Apartment, House, Tariff, WaterMeter


def serial_prefix(address: str) -> str:
    return "".join(ch for ch in address if ch.isalnum())


def house_body(address: str = "ул. Ленина, 1", apartments: int = 2, meters: bool = True) -> dict:
    prefix = serial_prefix(address)
    return {"address": address, "apartments": [
        {"number": str(n), "area": "54.35", "meters": [
            {"serial": f"{prefix}-{n}-C", "kind": "cold", "installed_at": "2026-01-10", "initial_reading": "0"},
            {"serial": f"{prefix}-{n}-H", "kind": "hot", "installed_at": "2026-01-10", "initial_reading": "0"},
        ] if meters else []} for n in range(1, apartments + 1)]}


def general_tariffs(cold="45.55", hot="205.15", maintenance="31.27", valid_from=dt.date(2026, 1, 1)) -> None:
    for kind, price in (("water_cold", cold), ("water_hot", hot), ("maintenance", maintenance)):
        Tariff.create(kind=kind, price=price, valid_from=valid_from)


def make_house(apartments: int, address: str = "ул. Большая, 1", meters_each: int = 2) -> House:
    """A house made straight in the database (large ones, quickly)."""
    house = House.create(address=address)
    Apartment.insert_many([{"house": house.id, "number": str(n), "area": "50.00"}
                           for n in range(1, apartments + 1)]).execute()
    ids = [a.id for a in Apartment.select(Apartment.id).where(Apartment.house == house.id)]
    kinds = ("cold", "hot")[:meters_each]
    rows = [{"apartment": a, "serial": f"{house.id}-{a}-{k}", "kind": k, "installed_at": dt.date(2026, 1, 1),
             "initial_reading": 0} for a in ids for k in kinds]
    for start in range(0, len(rows), 2000):
        WaterMeter.insert_many(rows[start:start + 2000]).execute()
    return house


@pytest.fixture
def accountant(as_role):
    return as_role("accountant")
