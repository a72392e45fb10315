"""The figures the API serves equal a direct SQL computation over the stored receipts."""
import datetime as dt
import decimal
import random

import pytest

from server.analytics import service, tasks
from server.analytics.models import CategoryHour, PlaceHour, Receipt
from server.db import database
from tests.analytics.conftest import D, receipt_body
from tests.analytics.test_pipeline import records

START = dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)
CATEGORIES = ["groceries", "electronics", "bakery", "drinks", "toys"]


def generated(count: int, seed: int = 15) -> list[dict]:
    """Receipts spread over 48 hours, 5 places and 5 categories, with fractional quantities."""
    rng = random.Random(seed)
    bodies = []
    for i in range(count):
        items = [{"product_id": f"p{rng.randint(1, 50)}", "quantity": str(rng.choice([1, 2, 3, D("0.5"), D("1.25")])),
                  "price": str(D(rng.randint(0, 100000)) / 100), "category": rng.choice(CATEGORIES)}
                 for _ in range(rng.randint(1, 5))]
        total = sum(D(item["price"]) * D(item["quantity"]) for item in items).quantize(D("0.01"),
                                                                                      decimal.ROUND_HALF_UP)
        moment = START + dt.timedelta(seconds=rng.randint(0, 48 * 3600 - 1))
        bodies.append(receipt_body(
            f"gen-{seed}-{i}", place_id=f"place-{rng.randint(1, 5)}", items=items, total_amount=str(total),
            vat_amount=str((total * D("0.2")).quantize(D("0.01"))), tips_amount=str(D(rng.randint(0, 500)) / 100),
            timestamp=moment.isoformat()))
    return bodies


def direct(start: dt.datetime, end: dt.datetime, place_id: str | None = None) -> dict:
    """One SQL query per figure, over the raw receipts and items."""
    where, params = "r.timestamp >= %s AND r.timestamp < %s", [start.replace(tzinfo=None), end.replace(tzinfo=None)]
    if place_id:
        where += " AND r.place_id = %s"
        params.append(place_id)
    param = database.param
    where = where.replace("%s", param)
    places = {}
    for place, name, n, total, vat, tips in database.execute_sql(
            f"SELECT r.place_id, p.name, COUNT(*), SUM(r.total_amount), SUM(r.vat_amount), SUM(r.tips_amount) "
            f"FROM analytics_receipt r JOIN analytics_place p ON p.id = r.place_id WHERE {where} "
            f"GROUP BY r.place_id, p.name", params).fetchall():
        places[place] = {"place_id": place, "place_name": name,
                         **service.figures(n, service.dec(total), vat, tips, {})}
    for place, category, spent, n in database.execute_sql(
            f"SELECT r.place_id, i.category, SUM(i.amount), COUNT(DISTINCT r.id) FROM analytics_receipt_item i "
            f"JOIN analytics_receipt r ON r.id = i.receipt_id WHERE {where} GROUP BY r.place_id, i.category",
            params).fetchall():
        places[place]["category_analytics"][category] = {
            "total_spent": service.money_text(spent), "average_receipt": str(service.average(service.dec(spent), n)),
            "receipts": n}
    n, total = database.execute_sql(
        f"SELECT COUNT(*), SUM(r.total_amount) FROM analytics_receipt r WHERE {where}", params).fetchone()
    return {"places": [places[p] for p in sorted(places)], "overall_purchases": n,
            "overall_average": str(service.average(service.dec(total), n))}


@pytest.fixture
def stored_receipts():
    bodies = generated(3000)
    on_time, late = bodies[:2700], bodies[2700:]  # the late ones arrive after the others, in old hours
    for start in range(0, len(on_time), 500):
        service.store_messages(records(on_time[start:start + 500]))
    service.store_messages(records(late))
    return bodies


@pytest.mark.parametrize("hours, place_id", [
    ((0, 48), None), ((5, 17), None), ((0, 48), "place-3"), ((30, 31), "place-1"),
    ((5.25, 17.5), None), ((30.1, 30.9), None), ((29.75, 30.25), "place-2"), ((0.5, 1), None), ((47.5, 99), None),
])
def test_analytics_for_a_period_equal_a_direct_sql_computation(stored_receipts, analyst, hours, place_id):
    start, end = START + dt.timedelta(hours=hours[0]), START + dt.timedelta(hours=hours[1])
    params = {"from": start.isoformat(), "to": end.isoformat(), **({"place_id": place_id} if place_id else {})}
    answer = analyst.get("/api/analytics/", params=params)
    assert answer.status_code == 200, answer.text
    body, expected = answer.json(), direct(start, end, place_id)
    assert body["places"] == expected["places"]
    assert body["overall"]["total_purchases"] == expected["overall_purchases"]
    assert body["overall"]["average_receipt"] == expected["overall_average"]
    if hours == (0, 48) and place_id is None:
        assert expected["overall_purchases"] == 3000


def test_the_hourly_recompute_corrects_drift_and_finds_late_receipts(stored_receipts, caplog):
    assert service.recompute_hours(sorted({h for h, in Receipt.select(Receipt.hour).distinct().tuples()})) == 0
    place_hour = PlaceHour.select().order_by(PlaceHour.id).first()
    PlaceHour.update(purchases=PlaceHour.purchases + 7, total=0).where(PlaceHour.id == place_hour.id).execute()
    category = CategoryHour.select().order_by(CategoryHour.id).first()
    CategoryHour.delete().where(CategoryHour.id == category.id).execute()
    # every stored receipt was stored just now: all their hours, however old, are recomputed
    assert place_hour.hour in service.hours_to_recompute(3)
    assert tasks.recompute_recent_hours.apply(args=(3,)).result == 2
    assert "drift" in caplog.text
    start, end = START, START + dt.timedelta(hours=48)
    assert service.analytics({"from_": start, "to": end})["places"] == direct(start, end)["places"]


def test_averages_are_totals_over_counts_not_means_of_means():
    bodies = [receipt_body(f"avg-{i}", items=[{"product_id": "p", "quantity": 1, "price": price,
                                                "category": "c"}], total_amount=price, vat_amount=0)
              for i, price in enumerate(["10.00", "10.00", "10.01"])]
    bodies[2]["timestamp"] = "2024-02-07T13:00:00"  # another hour: a mean of hourly means would say 10.01
    service.store_messages(records(bodies))
    place, = service.analytics({})["places"]
    assert place["average_receipt"] == "10.00"  # 30.01 / 3 = 10.0033, half up
    assert place["category_analytics"]["c"] == {"total_spent": "30.01", "average_receipt": "10.00", "receipts": 3}


def test_reading_needs_analyst_or_admin(as_role, anonymous):
    assert anonymous.get("/api/analytics/").status_code == 401
    for role in ("pos", "cashier"):
        assert as_role(role).get("/api/analytics/").status_code == 403
        assert as_role(role).get("/api/places/").status_code == 403
    for role in ("analyst", "admin"):
        assert as_role(role).get("/api/analytics/").status_code == 200


def test_dates_alone_take_in_the_whole_of_each_day(stored_receipts, analyst):
    """from=2024-03-02&to=2024-03-02 is that day, as people mean it (START is 2024-03-01, midnight UTC)."""
    answer = analyst.get("/api/analytics/", params={"from": "2024-03-02", "to": "2024-03-02"})
    expected = direct(START + dt.timedelta(days=1), START + dt.timedelta(days=2))
    assert answer.status_code == 200, answer.text
    assert answer.json()["places"] == expected["places"] and expected["overall_purchases"] > 0


@pytest.mark.parametrize("start, end", [("2024-03-02T00:00:00", "2024-03-01T00:00:00"), ("2024-03-02", "2024-03-01")])
def test_a_reversed_period_is_400(analyst, start, end):
    answer = analyst.get("/api/analytics/", params={"from": start, "to": end})
    assert answer.status_code == 400 and "to" in answer.json()["details"]


def test_an_empty_period_has_no_purchases(stored_receipts, analyst):
    for moment in (START + dt.timedelta(hours=3), START + dt.timedelta(hours=3, minutes=20)):
        answer = analyst.get("/api/analytics/", params={"from": moment.isoformat(), "to": moment.isoformat()})
        assert answer.status_code == 200, answer.text
        assert answer.json()["places"] == [] and answer.json()["overall"]["total_purchases"] == 0


def test_each_places_average_is_rounded_half_up_from_its_exact_total(analyst):
    """2.01 / 2 = 1.005 -> 1.01 (a float sum would make it 1.00499... -> 1.00)."""
    bodies = [receipt_body(f"half-{n}", place_id="half-up", total_amount=amount, timestamp="2024-05-01T10:00:00Z",
                           items=[{"product_id": "p", "quantity": "1", "price": amount, "category": "c"}],
                           vat_amount="0.00", tips_amount="0.00")
              for n, amount in enumerate(("1.00", "1.01"))]
    service.store_messages(records(bodies))
    answer = analyst.get("/api/analytics/", params={"from": "2024-05-01T10:00:00Z", "to": "2024-05-01T11:00:00Z"})
    [place] = answer.json()["places"]
    assert place["average_receipt"] == answer.json()["overall"]["average_receipt"] == "1.01"
    assert place["category_analytics"]["c"]["average_receipt"] == "1.01"


def test_places_list_with_totals_and_an_unknown_place_is_404(analyst):
    service.store_messages(records([receipt_body("pl-1", place_id="b"), receipt_body("pl-2", place_id="a"),
                                    receipt_body("pl-3", place_id="a")]))
    page = analyst.get("/api/places/").json()
    assert page["total"] == 2
    assert [(p["place_id"], p["total_purchases"], p["total_amount"], p["average_receipt"]) for p in page["items"]] == [
        ("a", 2, "54.94", "27.47"), ("b", 1, "27.47", "27.47")]
    assert analyst.get("/api/places/nowhere/").status_code == 404

    def ids(**params):
        answer = analyst.get("/api/places/", params=params)
        assert answer.status_code == 200, answer.text
        return [p["place_id"] for p in answer.json()["items"]]

    assert ids(place_id="b") == ["b"] and ids(place_id="c") == []  # filters named after the fields
    name = page["items"][0]["place_name"]
    assert "a" in ids(place_name=name[:3])
    assert ids(sort="place_id", order="desc") == ["b", "a"] and ids(sort="place_name") == ids(sort="name")
