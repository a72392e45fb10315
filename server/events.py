"""Small "something changed" signals between processes: a worker that rendered a check wakes the
server's long-polling printers; an admin's change to a user clears every server's credential cache.

`publish(topic)` may be called from any thread of any process. With Redis configured (production) the
topic goes through a Redis channel to every server process; on the embedded profile it is delivered in
this process. The server side lets coroutines wait for a topic without holding a thread.
"""
import asyncio
import logging
import threading
from collections import defaultdict

import redis

from server.settings import settings

log = logging.getLogger("server.events")


def channel() -> str:
    return f"{settings.celery_queue}:events"


class Events:
    def __init__(self):
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: dict[str, set[asyncio.Future]] = defaultdict(set)
        self._redis: redis.Redis | None = None
        self._listener: threading.Thread | None = None
        self._stopping = threading.Event()
        self._listeners: list = []

    def _client(self) -> redis.Redis:
        if self._redis is None:
            self._redis = redis.Redis.from_url(settings.redis_url, socket_timeout=5)
        return self._redis

    def publish(self, topic: str) -> None:
        """Tell every process; this one hears it at once, before the caller's next step."""
        self.deliver(topic)
        if settings.redis_url:
            try:
                self._client().publish(channel(), topic)
            except redis.RedisError:
                log.exception("could not publish %s to Redis; only this process heard it", topic)

    def publish_many(self, topics: list[str]) -> None:
        """`publish` each topic, with one round trip to Redis for them all."""
        self.deliver_many(topics)
        if settings.redis_url and topics:
            try:
                pipeline = self._client().pipeline(transaction=False)
                for topic in topics:
                    pipeline.publish(channel(), topic)
                pipeline.execute()
            except redis.RedisError:
                log.exception("could not publish %d topics to Redis; only this process heard them", len(topics))

    def deliver(self, topic: str) -> None:
        self.deliver_many([topic])

    def deliver_many(self, topics: list[str]) -> None:
        """Wake this process's waiters of each topic, with one call into the event loop for them all."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake, topics)

    def _wake(self, topics: list[str]) -> None:
        for topic in topics:
            for listener in self._listeners:
                listener(topic)
            for future in self._waiters.pop(topic, ()):
                if not future.done():
                    future.set_result(topic)

    # Server side: called on the event loop.

    def listen(self, callback) -> None:
        """Call `callback(topic)` on the event loop for every topic published."""
        self._listeners.append(callback)

    def unlisten(self, callback) -> None:
        self._listeners.remove(callback)

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Deliver topics to waiters on `loop`; with Redis, listen to the channel in a thread."""
        self._loop = loop
        self._stopping.clear()
        if settings.redis_url and self._listener is None:
            self._listener = threading.Thread(target=self._listen, name="events", daemon=True)
            self._listener.start()

    def detach(self) -> None:
        self._stopping.set()
        self._loop = None
        self._listener = None

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                pubsub = redis.Redis.from_url(settings.redis_url).pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(channel())
                while not self._stopping.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    topics = []
                    while message:  # those already arrived go to the event loop together
                        topics.append(message["data"].decode())
                        message = pubsub.get_message(timeout=0)
                    if topics:
                        self.deliver_many(topics)
                pubsub.close()
            except redis.RedisError:
                log.exception("lost the Redis events channel; reconnecting")
                self._stopping.wait(1.0)

    def waiter(self, topic: str) -> asyncio.Future:
        """A future that completes at the next `publish(topic)`. Take it before looking at the data."""
        future = asyncio.get_running_loop().create_future()
        self._waiters[topic].add(future)
        return future

    async def wait_for(self, topic: str, read, ready, wait: float, until: asyncio.Future | None = None):
        """`await read()`; when `ready(value)` is false and `wait` > 0, wait up to `wait` seconds for
        `topic` (or until `until` is done: the client went away), holding no thread, and read again.

        The waiter is taken before the first read, so a publish between the read and the wait is not
        missed."""
        woken = self.waiter(topic) if wait else None
        try:
            value = await read()
            if woken is None or ready(value):
                return value
            stops = {woken} if until is None else {woken, until}
            await asyncio.wait(stops, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            return await read() if woken.done() else value
        finally:
            if woken is not None:
                self.forget(topic, woken)

    def forget(self, topic: str, future: asyncio.Future) -> None:
        waiters = self._waiters.get(topic)
        if waiters is not None:
            waiters.discard(future)
            if not waiters:
                self._waiters.pop(topic, None)


events = Events()
