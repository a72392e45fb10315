"""Concurrent requests at the running server: numbers never repeat or skip, a key registers once."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from server.accounts.models import User
from server.db import database, with_connection
from server.fiscal import service
from server.fiscal.models import CashRegister, FiscalReceipt
from server.fiscal.schemas import ReceiptSchema
from tests.conftest import PROFILE
from tests.fiscal.conftest import receipt_body, receipts_url, stored_receipts, wait_done


def test_fifty_parallel_receipts_on_one_device_get_distinct_consecutive_numbers(cashier, group):
    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda i: cashier.post(receipts_url(group), json=receipt_body(order_id=i)),
                                range(50)))
    assert [a.status_code for a in answers] == [200] * 50
    assert len({a.json()["id"] for a in answers}) == 50
    reports = [wait_done(cashier, a.json()["location"]) for a in answers]
    assert {r["state"] for r in reports} == {"success"}
    assert sorted(r["receipt_num"] for r in reports) == list(range(1, 51))
    assert sorted(r["receipt_in_shift_num"] for r in reports) == list(range(1, 51))
    assert {r["shift_num"] for r in reports} == {1}
    assert CashRegister.get_by_id(group["device_id"]).last_receipt_num == 50


def test_one_idempotency_key_sent_ten_times_at_once_registers_once(cashier, group):
    headers = {"Idempotency-Key": "same-key"}
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: cashier.post(receipts_url(group), json=receipt_body(), headers=headers),
                                range(10)))
    assert [a.status_code for a in answers] == [200] * 10
    assert len({a.json()["id"] for a in answers}) == 1
    assert wait_done(cashier, answers[0].json()["location"])["receipt_num"] == 1
    assert stored_receipts() == 1
    assert CashRegister.get_by_id(group["device_id"]).last_receipt_num == 1


def test_one_order_sent_ten_times_at_once_with_two_bodies_stores_one_receipt(cashier, group):
    bodies = [receipt_body(order_id=9, email=f"{i % 2}@mail.ru") for i in range(10)]
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda body: cashier.post(receipts_url(group), json=body), bodies))
    assert sorted({a.status_code for a in answers}) == [200, 409]
    assert len({a.json()["id"] for a in answers if a.status_code == 200}) == 1
    assert stored_receipts() == 1


def test_registrations_run_at_once_on_many_threads_never_repeat_or_skip_a_number(group):
    """Beside the queue's workers: twenty threads register ten receipts, each receipt twice at once."""
    device = CashRegister.get_by_id(group["device_id"])
    ids = [FiscalReceipt.create(group=group["id"], device=device, body_hash=str(i), receipt_type=1, tax_system=1,
                                products=[], payments=[{"payment_sum": "1.00", "payment_type_int": 1}],
                                commodities_total_cost="1.00", payments_total="1.00").id for i in range(10)]
    with ThreadPoolExecutor(20) as pool:
        states = list(pool.map(lambda i: with_connection(service.register_receipt, i), ids + ids))
    assert set(states) == {"success"}
    numbers = sorted(r.receipt_num for r in FiscalReceipt.select())
    assert numbers == list(range(1, 11))
    assert CashRegister.get_by_id(device.id).last_receipt_num == 10


def test_a_group_deleted_while_receipts_arrive_loses_none_of_those_it_accepted(api, cashier, group):
    """The delete and ten receipts at once: either the delete wins (every receipt is refused: nothing
    accepted is deleted) or a receipt does (the delete is 409 and every accepted receipt is kept)."""
    url = f"/api/v1/service-groups/{group['id']}"
    with ThreadPoolExecutor(11) as pool:
        posts = [pool.submit(cashier.post, receipts_url(group), json=receipt_body(order_id=i)) for i in range(10)]
        deleted = pool.submit(api.delete, url)
        answers = [post.result() for post in posts]
    accepted = [a for a in answers if a.status_code == 200]
    assert {a.status_code for a in answers} <= {200, 404}, [a.text for a in answers]
    if deleted.result().status_code == 200:
        assert not accepted and api.get(url).status_code == 404
    else:
        assert deleted.result().status_code == 409 and accepted
        assert stored_receipts() == len(accepted)
        assert {wait_done(cashier, a.json()["location"])["state"] for a in accepted} == {"success"}


@pytest.mark.skipif(PROFILE != "production", reason="SQLite's one write lock serializes every write; the row locks are PostgreSQL's")
def test_receipts_are_accepted_while_a_registration_holds_the_device(cashier, group):
    """The registration's device lock holds off other registrations, not the receipts' inserts (their
    foreign key to the device): taken FOR UPDATE it did, and an intake batch touching two devices
    could deadlock with it (PostgreSQL's one-second deadlock check, then a failed transaction)."""
    locked, release = threading.Event(), threading.Event()

    def hold_device():
        with database.atomic():
            service.locked_devices([group["id"]])
            locked.set()
            release.wait(10)

    user = User.get(User.username == "cashier")
    with ThreadPoolExecutor(2) as pool:
        holder = pool.submit(with_connection, hold_device)
        assert locked.wait(5)
        accepted = pool.submit(with_connection, service.accept_receipts,
                               [(group["id"], user, ReceiptSchema().load(receipt_body(order_id=7)), None)])
        try:
            (receipt, new), = accepted.result(timeout=5)
        finally:
            release.set()
        holder.result()
    assert new and FiscalReceipt.get_by_id(receipt.id).state in ("in_process", "success")


def test_requests_racing_a_group_delete_are_answered_404_and_one_delete_wins(api):
    """Five deletes of one group at once beside reads, renames, access changes and device switches of
    it: one delete is 200, the others 404 (the group was gone when they got to it), and nothing is a
    500; the list, read meanwhile, leaves a group out rather than failing on it."""
    for round_ in range(3):
        created = api.post("/api/v1/service-groups", json={"name": f"Удаляемый {round_}", "model": "emulator"})
        url = f"/api/v1/service-groups/{created.json()['id']}"
        calls = [(api.delete, url, {})] * 5 + [(api.patch, url, {"json": {"name": "Новое"}})] * 5 + [
            (api.get, url, {}), (api.get, "/api/v1/service-groups?limit=500", {}),
            (api.post, url + "/device/start", {}), (api.post, url + "/device/stop", {}),
            (api.put, url + "/access", {"json": {"user_ids": []}}), (api.get, url + "/access", {})] * 2
        with ThreadPoolExecutor(len(calls)) as pool:
            answers = list(pool.map(lambda call: call[0](call[1], **call[2]), calls))
        assert {a.status_code for a in answers} <= {200, 404}, [(a.status_code, a.text) for a in answers]
        assert [a.status_code for a in answers[:5]].count(200) == 1
        assert api.get(url).status_code == 404
