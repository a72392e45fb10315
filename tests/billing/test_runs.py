"""Billing runs: started over HTTP, calculated in the background in chunks, resumable, watched."""
import datetime as dt
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import psycopg2
import pytest

from server.billing import service
from server.billing.models import Bill, BillingRun, MeterReading, WaterMeter
from server.db import database
from tests.billing.conftest import general_tariffs, make_house
from tests.conftest import PROFILE, wait_until

OCT = dt.date(2026, 10, 1)


def with_readings(house, months=(9, 10)) -> None:
    meters = [m.id for m in WaterMeter.select(WaterMeter.id)
              .where(WaterMeter.apartment.in_([a.id for a in house.apartments]))]
    rows = [{"meter": m, "month": dt.date(2026, number, 1), "value": Decimal(number * 3 + m % 7)}
            for m in meters for number in months]
    for start in range(0, len(rows), 2000):
        MeterReading.insert_many(rows[start:start + 2000]).execute()


def bills_of(house_id, month=OCT) -> dict:
    return {b.apartment_id: (b.total, b.water_amount, b.maintenance_amount, b.lines)
            for b in Bill.select().where(Bill.house == house_id, Bill.month == month)}


def finished(api, run_id) -> dict:
    return wait_until(lambda: (lambda r: r if r["status"] in ("done", "failed") else None)(
        api.get(f"/api/v1/billing-runs/{run_id}").json()), timeout=60, message="the run to finish")


def test_a_run_is_202_with_its_url_and_its_progress_reaches_100_percent(accountant):
    general_tariffs()
    house = make_house(30)
    with_readings(house)
    response = accountant.post(f"/api/v1/houses/{house.id}/billing-runs", json={"month": "2026-10"})
    assert response.status_code == 202, response.text
    run = response.json()
    assert run["url"] == f"/api/v1/billing-runs/{run['id']}" and response.headers["Location"] == run["url"]
    assert run["status"] in ("pending", "running", "done") and run["total"] == 30 and run["month"] == "2026-10"
    done = finished(accountant, run["id"])
    assert done["status"] == "done", done
    assert (done["processed"], done["percent"], done["error"]) == (30, 100, None)
    assert done["started_at"] and done["finished_at"] and done["created_at"]
    assert len(bills_of(house.id)) == 30
    page = accountant.get(f"/api/v1/houses/{house.id}/bills", params={"month": "2026-10", "limit": 10}).json()
    assert page["total"] == 30 and len(page["items"]) == 10
    assert page["totals"]["bills"] == 30
    assert Decimal(page["totals"]["total"]) == sum(b[0] for b in bills_of(house.id).values())
    csv = accountant.get(f"/api/v1/houses/{house.id}/bills", params={"month": "2026-10", "format": "csv"})
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "apartment_number,month,water_amount,maintenance_amount,total" and len(lines) == 32
    assert lines[-1].endswith(page["totals"]["total"])


def test_a_second_run_without_recalculate_changes_nothing_with_it_the_month_is_replaced(accountant):
    general_tariffs()
    house = make_house(5)
    with_readings(house)
    start = lambda **extra: accountant.post(  # noqa: E731
        f"/api/v1/houses/{house.id}/billing-runs", json={"month": "2026-10", **extra}).json()
    assert finished(accountant, start()["id"])["status"] == "done"
    before = bills_of(house.id)
    ids = sorted(b.id for b in Bill.select())
    Bill.update(total=Decimal("1.00")).where(Bill.apartment == min(before)).execute()  # tampered with
    again = finished(accountant, start()["id"])
    assert again["status"] == "done"
    assert sorted(b.id for b in Bill.select()) == ids
    assert bills_of(house.id)[min(before)][0] == Decimal("1.00")  # left as it was
    assert finished(accountant, start(recalculate=True)["id"])["status"] == "done"
    assert bills_of(house.id) == before
    assert Bill.select().count() == 5


def test_a_run_killed_after_some_chunks_continues_after_the_last_committed_one(db):
    """A crash (not an error the run could record) inside the third chunk: the two committed chunks
    stay with their progress; started again, the run does the rest and the bills are exactly those
    of an uninterrupted run."""
    general_tariffs()
    house = make_house(25)
    with_readings(house, months=(5, 6, 7, 9, 10))
    some = [m.id for m in WaterMeter.select(WaterMeter.id) if m.id % 3 == 0]
    MeterReading.delete().where(MeterReading.month == OCT, MeterReading.meter.in_(some)).execute()
    whole = BillingRun.create(house=house, month=OCT, total=25)
    assert service.process_run(whole.id, chunk_size=10) == "done"
    expected = bills_of(house.id)
    assert any(line["flag"] == "estimated" for b in expected.values() for line in b[3])
    Bill.delete().execute()

    class Killed(BaseException):
        pass

    def crash_in_third(number):
        if number == 3:
            raise Killed()

    run = BillingRun.create(house=house, month=OCT, total=25)
    with pytest.raises(Killed):
        service.process_run(run.id, chunk_size=10, inside_chunk=crash_in_third)
    crashed = BillingRun.get_by_id(run.id)
    assert (crashed.status, crashed.processed) == ("running", 20)
    assert Bill.select().count() == 20
    assert service.process_run(run.id, chunk_size=10) == "done"
    assert BillingRun.get_by_id(run.id).processed == 25
    assert bills_of(house.id) == expected


def test_progress_is_committed_with_the_chunk_bills(db):
    general_tariffs()
    house = make_house(12)
    run = BillingRun.create(house=house, month=OCT, total=12)
    seen = []

    def check(number):
        progress = BillingRun.get_by_id(run.id).processed
        seen.append((progress, Bill.select().where(Bill.run == run.id).count()))

    assert service.process_run(run.id, chunk_size=5, inside_chunk=check) == "done"
    assert seen == [(5, 5), (10, 10), (12, 12)]


def test_an_error_fails_the_run_with_its_reason_and_a_new_start_finishes_the_month(accountant, monkeypatch):
    general_tariffs()
    house = make_house(6)
    run = BillingRun.create(house=house, month=OCT, total=6)

    def broken(number):
        if number == 2:
            raise RuntimeError("disk on fire")

    assert service.process_run(run.id, chunk_size=3, inside_chunk=broken) == "failed"
    failed = accountant.get(f"/api/v1/billing-runs/{run.id}").json()
    assert failed["status"] == "failed" and "disk on fire" in failed["error"] and failed["processed"] == 3
    assert Bill.select().count() == 3
    again = accountant.post(f"/api/v1/houses/{house.id}/billing-runs", json={"month": "2026-10"})
    assert again.status_code == 202 and again.json()["id"] != run.id
    assert finished(accountant, again.json()["id"])["status"] == "done"
    assert Bill.select().count() == 6


def test_a_chunk_costs_a_few_statements_whatever_its_size(db):
    """Set-based: the statements per run grow with the chunks, not with the apartments."""
    general_tariffs()
    small, large = make_house(20, "ул. Малая, 1"), make_house(200, "ул. Большая, 2")
    with_readings(small)
    with_readings(large)

    def statements(house, chunk_size):
        run = BillingRun.create(house=house, month=OCT, total=0)
        counted = []
        handler = logging.Handler()
        # this thread's statements only: the server's background threads (the analytics relay) query too
        this_thread = threading.get_ident()
        handler.emit = lambda record: record.thread == this_thread and counted.append(record)
        logger = logging.getLogger("peewee")
        level = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        try:
            assert service.process_run(run.id, chunk_size=chunk_size) == "done"
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
        return len(counted)

    per_small = statements(small, 10)   # 2 chunks of 10 apartments
    per_large = statements(large, 100)  # 2 chunks of 100 apartments
    assert per_small == per_large, (per_small, per_large)
    assert per_large <= 5 + 2 * 10 + 2, per_large  # start, tariffs; per chunk at most 10; the last, empty one
    more_chunks = statements(make_house(200, "ул. Третья, 3"), 50)  # 4 chunks
    assert more_chunks - per_large <= 2 * 10


def fire_starts(accountant, house, count=20) -> list:
    accountant.get("/api/v1/houses")  # the credentials checked once, not by twenty racing requests
    barrier = threading.Barrier(count)

    def start(_):
        barrier.wait()
        response = accountant.post(f"/api/v1/houses/{house.id}/billing-runs", json={"month": "2026-10"})
        return response.status_code, response.json()["id"]

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(start, range(count)))


@pytest.mark.skipif(PROFILE != "production", reason="holds a PostgreSQL table lock to keep the run running")
def test_twenty_parallel_starts_make_one_run(accountant, live_server):
    """The run is kept from finishing (its bills' table is locked) while twenty starts race: one 202,
    nineteen 200 with the same run."""
    general_tariffs()
    house = make_house(50)
    holder = psycopg2.connect(os.environ["DATABASE_URL"])
    try:
        holder.cursor().execute("LOCK TABLE billing_bill IN EXCLUSIVE MODE")
        answers = fire_starts(accountant, house)
    finally:
        holder.rollback()
        holder.close()
    assert sorted(status for status, _ in answers) == [200] * 19 + [202]
    assert len({run_id for _, run_id in answers}) == 1
    assert BillingRun.select().count() == 1
    assert finished(accountant, answers[0][1])["status"] == "done"


def test_starts_while_a_run_is_running_return_that_run(accountant, live_server):
    house = make_house(5)
    running = BillingRun.create(house=house, month=OCT, status="running", total=5)
    answers = fire_starts(accountant, house)
    assert answers == [(200, running.id)] * 20
    assert BillingRun.select().count() == 1


def test_the_database_refuses_a_second_active_run_for_a_house_and_month(db):
    house = make_house(1)
    BillingRun.create(house=house, month=OCT, status="running")
    BillingRun.create(house=house, month=OCT, status="done")
    with pytest.raises(Exception):
        with database.atomic():
            BillingRun.create(house=house, month=OCT, status="pending")
    BillingRun.create(house=house, month=dt.date(2026, 11, 1), status="pending")


def test_progress_never_runs_ahead_of_saved_bills(accountant):
    general_tariffs()
    house = make_house(1500)
    run = accountant.post(f"/api/v1/houses/{house.id}/billing-runs", json={"month": "2026-10"}).json()
    checks = 0
    while True:
        seen = accountant.get(f"/api/v1/billing-runs/{run['id']}").json()
        saved = Bill.select().where(Bill.run == run["id"]).count()
        assert saved >= seen["processed"], (saved, seen)
        checks += 1
        if seen["status"] in ("done", "failed"):
            break
    assert seen["status"] == "done" and saved == 1500


def test_runs_list_and_wrong_starts(accountant, as_role):
    house = make_house(1)
    assert accountant.post(f"/api/v1/houses/{house.id}/billing-runs", json={"month": "2026-13"}).status_code == 400
    assert accountant.post(f"/api/v1/houses/{house.id}/billing-runs", json={}).status_code == 400
    assert accountant.post(f"/api/v1/houses/{house.id}/billing-runs",
                           json={"month": "2026-10", "recalculate": "yes"}).status_code == 400
    assert accountant.post("/api/v1/houses/999999/billing-runs", json={"month": "2026-10"}).status_code == 404
    assert as_role("cashier").post(f"/api/v1/houses/{house.id}/billing-runs",
                                   json={"month": "2026-10"}).status_code == 403
    assert accountant.get("/api/v1/billing-runs/999999").status_code == 404
    assert BillingRun.select().count() == 0
    run = accountant.post(f"/api/v1/houses/{house.id}/billing-runs", json={"month": "2026-10"}).json()
    failed = finished(accountant, run["id"])  # no tariffs
    assert failed["status"] == "failed" and "maintenance" in failed["error"]
    listed = accountant.get("/api/v1/billing-runs", params={"house": house.id}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == run["id"]
