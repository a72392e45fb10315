"""The event channel: every topic published wakes its waiters, in this process and across processes;
and the server process's garbage collector settings."""
import asyncio
import gc

import pytest
import redis

from server.app import YOUNG_GENERATION_THRESHOLD, settle_garbage_collector
from server.events import Events, channel
from server.settings import settings
from tests.conftest import run_in_new_loop

TOPICS = [f"test-burst:{n}" for n in range(200)]


def woken_by(publish) -> set[str]:
    """The topics whose waiters a fresh Events saw woken after `publish(events)`."""
    return run_in_new_loop(_woken_by(publish))


async def _woken_by(publish) -> set[str]:
    events = Events()
    events.attach(asyncio.get_running_loop())
    try:
        waiters = {topic: events.waiter(topic) for topic in TOPICS}
        await asyncio.sleep(0.3)  # the listener thread subscribes to the channel
        publish(events)
        await asyncio.wait(waiters.values(), timeout=10)
        return {topic for topic, waiter in waiters.items() if waiter.done()}
    finally:
        events.detach()


def test_publish_many_wakes_every_topic_in_this_process():
    assert woken_by(lambda events: events.publish_many(TOPICS)) == set(TOPICS)


@pytest.mark.skipif(not settings.redis_url, reason="topics cross processes through Redis (production profile)")
def test_a_burst_published_by_another_process_wakes_every_waiter():
    """A worker publishes a batch's topics at once: the listener takes those already arrived together,
    and none is lost or left for the next message."""
    def from_elsewhere(_events):
        pipeline = redis.Redis.from_url(settings.redis_url).pipeline(transaction=False)
        for topic in TOPICS:
            pipeline.publish(channel(), topic)
        pipeline.execute()

    assert woken_by(from_elsewhere) == set(TOPICS)


def test_a_started_server_freezes_what_start_up_made_and_collects_young_objects_less_often():
    thresholds = gc.get_threshold()
    try:
        settle_garbage_collector()
        assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, *thresholds[1:])
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
