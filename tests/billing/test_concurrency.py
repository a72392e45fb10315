"""Every write path raced: concurrent requests at the running server change things once."""
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from server.billing.models import Apartment, Bill, BillingRun, House, WaterMeter
from server.settings import PROJECT_ROOT
from tests.billing.conftest import general_tariffs, house_body, make_house
from tests.conftest import wait_until


def race(count, call):
    barrier = threading.Barrier(count)

    def one(i):
        barrier.wait()
        return call(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_concurrent_deletes_of_a_house_delete_it_once(accountant, live_server):
    house = accountant.post("/api/v1/houses", json=house_body(apartments=3)).json()
    accountant.get("/api/v1/houses")
    statuses = race(10, lambda _: accountant.delete(f"/api/v1/houses/{house['id']}").status_code)
    assert sorted(statuses) == [204] + [404] * 9
    assert House.select().count() == 0 and WaterMeter.select().count() == 0


def test_concurrent_edits_adding_one_apartment_number_add_it_once(accountant, live_server):
    house = accountant.post("/api/v1/houses", json=house_body(apartments=1)).json()

    def add(i):
        return accountant.patch(f"/api/v1/houses/{house['id']}", json={"apartments": [
            {"number": "99", "area": "30.5", "meters": [{"serial": f"RACE-{i}", "kind": "cold",
                                                         "installed_at": "2026-01-01"}]}]}).status_code

    statuses = race(10, add)
    assert sorted(statuses) == [200] + [409] * 9
    assert Apartment.select().where(Apartment.number == "99").count() == 1
    assert WaterMeter.select().where(WaterMeter.serial.startswith("RACE-")).count() == 1


def test_concurrent_meter_installs_with_one_serial_install_one(accountant, live_server):
    apartment = accountant.post("/api/v1/houses", json=house_body(apartments=1)).json()["apartments"][0]
    body = {"serial": "ONE-SERIAL", "kind": "hot", "installed_at": "2026-05-01", "initial_reading": "3"}
    statuses = race(10, lambda _: accountant.post(f"/api/v1/apartments/{apartment['id']}/meters",
                                                  json=body).status_code)
    assert sorted(statuses) == [201] + [409] * 9
    assert WaterMeter.select().where(WaterMeter.serial == "ONE-SERIAL").count() == 1


def test_concurrent_tariff_edits_to_one_start_date_keep_one_tariff_per_date(accountant, live_server):
    ids = [accountant.post("/api/v1/tariffs", json={"kind": "maintenance", "price": "30",
                                                    "valid_from": f"2026-0{m}-01"}).json()["id"] for m in range(1, 7)]
    statuses = race(6, lambda i: accountant.patch(f"/api/v1/tariffs/{ids[i]}",
                                                  json={"valid_from": "2026-09-01"}).status_code)
    assert sorted(statuses) == [200] + [409] * 5


def test_a_house_delete_racing_its_run_never_leaves_bills_without_a_house(accountant, live_server):
    general_tariffs()
    house = make_house(300)
    accountant.get("/api/v1/houses")
    calls = [lambda: accountant.post(f"/api/v1/houses/{house.id}/billing-runs", json={"month": "2026-10"}),
             lambda: accountant.delete(f"/api/v1/houses/{house.id}")]
    answers = race(2, lambda i: calls[i]())
    wait_until(lambda: not BillingRun.select().where(BillingRun.status.in_(("pending", "running"))).exists(),
               message="the run to end")
    if House.select().where(House.id == house.id).exists():
        assert answers[1].status_code == 409 or Bill.select().count() == 0
    else:
        assert Bill.select().count() == 0


def test_a_run_killed_with_sigkill_continues_after_its_last_committed_chunk(db):
    """A real crash: the run's process is killed with SIGKILL after some chunks; the run started again
    finishes with one bill per apartment, and its progress matched its bills all along."""
    general_tariffs()
    house = make_house(60)
    run = BillingRun.create(house=house, month="2026-10-01", total=60)
    script = (
        "import time\n"
        "from server.db import init_database, database\n"
        "from server.billing import service\n"
        "init_database()\n"
        "with database.connection_context():\n"
        f"    service.process_run({run.id}, chunk_size=5, inside_chunk=lambda n: time.sleep(0.15))\n"
    )
    worker = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=os.environ.copy())
    try:
        wait_until(lambda: BillingRun.get_by_id(run.id).processed >= 15, timeout=30, interval=0.02,
                   message="some chunks")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    killed = BillingRun.get_by_id(run.id)
    assert killed.status == "running" and 15 <= killed.processed < 60
    assert Bill.select().where(Bill.run == run.id).count() == killed.processed
    from server.billing import service
    assert service.process_run(run.id, chunk_size=5) == "done"
    assert BillingRun.get_by_id(run.id).processed == 60
    assert sorted(b.apartment_id for b in Bill.select()) == sorted(a.id for a in house.apartments)


def test_a_run_can_be_long_polled_until_it_moves(accountant):
    house = make_house(1)
    run = BillingRun.create(house=house, month="2026-10-01", status="running", total=1)
    started = time.monotonic()
    answer = accountant.get(f"/api/v1/billing-runs/{run.id}", params={"wait": 1, "processed": 0}).json()
    assert time.monotonic() - started >= 0.9 and answer["processed"] == 0
    assert accountant.get(f"/api/v1/billing-runs/{run.id}", params={"wait": 5, "processed": 7}).json()["id"] == run.id
