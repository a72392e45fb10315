"""Group commit: what arrives while a batch is under way goes into the next one, and each caller gets
its own item's answer."""
import asyncio
import threading

import peewee
import pytest

from server.batching import Batcher
from tests.conftest import run_in_new_loop


class Refused(Exception):
    pass


class Recorder:
    """A handle_many that records its batches and can be held inside its first call."""

    def __init__(self, hold_first=False):
        self.batches: list[list] = []
        self.release = threading.Event()
        self.hold_first = hold_first

    def __call__(self, items: list) -> list:
        self.batches.append(list(items))
        if self.hold_first and len(self.batches) == 1:
            self.release.wait(10)
        if "poison" in items and len(items) > 1:
            raise peewee.IntegrityError("the whole batch failed")
        return [Refused(item) if item in ("refused", "poison") else item * 2 for item in items]


async def until(condition):
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


def test_a_quiet_submit_runs_at_once_alone():
    recorder = Recorder()

    async def scenario():
        return await Batcher(recorder).submit(21)

    assert run_in_new_loop(scenario()) == 42
    assert recorder.batches == [[21]]


def submitted_behind_a_held_batch(items: tuple) -> tuple[Recorder, list]:
    """Submit 1, hold its batch, submit `items` meanwhile, release: the recorder, and the answers to
    `items` (an exception where one was raised)."""
    recorder = Recorder(hold_first=True)

    async def scenario():
        batcher = Batcher(recorder)
        first = asyncio.ensure_future(batcher.submit(1))
        await until(lambda: recorder.batches)
        rest = [asyncio.ensure_future(batcher.submit(item)) for item in items]
        await asyncio.sleep(0.05)
        recorder.release.set()
        assert await first == 2
        return await asyncio.gather(*rest, return_exceptions=True)

    return recorder, run_in_new_loop(scenario())


def test_what_arrives_during_a_batch_goes_into_the_next_one_together():
    recorder, answers = submitted_behind_a_held_batch((2, 3, 4))
    assert answers == [4, 6, 8]
    assert recorder.batches == [[1], [2, 3, 4]]


def test_a_refused_item_raises_for_its_caller_alone():
    recorder, (good, refused, other) = submitted_behind_a_held_batch((2, "refused", 3))
    assert (good, other) == (4, 6) and isinstance(refused, Refused)
    assert recorder.batches == [[1], [2, "refused", 3]]


def test_a_batch_that_fails_is_retried_item_by_item():
    recorder, (good, poison, other) = submitted_behind_a_held_batch((2, "poison", 3))
    assert (good, other) == (4, 6) and isinstance(poison, Refused)
    assert recorder.batches == [[1], [2, "poison", 3], [2], ["poison"], [3]]


def test_any_other_failure_fails_the_batch_once_not_item_by_item():
    calls = []

    def handle_many(items):
        calls.append(list(items))
        raise ConnectionError("the queue is unreachable")

    async def scenario():
        batcher = Batcher(handle_many)
        return await asyncio.gather(*(batcher.submit(n) for n in range(5)), return_exceptions=True)

    answers = run_in_new_loop(scenario())
    assert all(isinstance(answer, ConnectionError) for answer in answers)
    assert calls == [[0, 1, 2, 3, 4]]


@pytest.mark.parametrize("in_flight", [1, 2])
def test_no_more_batches_run_at_once_than_allowed(in_flight):
    running, most = 0, 0
    lock = threading.Lock()

    def handle_many(items):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        threading.Event().wait(0.02)
        with lock:
            running -= 1
        return items

    async def scenario():
        batcher = Batcher(handle_many, max_size=3, in_flight=in_flight)
        return await asyncio.gather(*(batcher.submit(n) for n in range(30)))

    assert run_in_new_loop(scenario()) == list(range(30))
    assert most == in_flight
