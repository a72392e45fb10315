"""The two loops between the intake and the analytics: the relay (outbox -> Kafka) and the consumer
(Kafka -> database). Each runs on a thread of the server (KAFKA_RELAY / KAFKA_CONSUMER on) or alone
(`python -m server relay`, `python -m server consume`). Neither keeps state of its own: the outbox,
the committed offsets and the processed-message marks are the state, so more processes scale out."""
import asyncio
import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor, wait

from server import kafka
from server.analytics import service
from server.db import database, with_connection
from server.settings import settings

log = logging.getLogger("server.analytics")


class Loop:
    """A loop on a thread of its own, with start() and async stop() for the server's background."""

    name = "loop"
    enabled = True

    def __init__(self):
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def enabled_here(self) -> bool:
        return True

    def start(self) -> None:
        if not self.enabled_here():
            return
        self.stopping.clear()
        self.thread = threading.Thread(target=self.run, name=f"analytics-{self.name}", daemon=True)
        self.thread.start()

    async def stop(self) -> None:
        if self.thread is None:
            return
        self.stopping.set()
        self.wake()
        await asyncio.get_running_loop().run_in_executor(None, self.thread.join, 60)
        self.thread = None

    def wake(self) -> None:
        pass

    def run(self) -> None:
        try:
            self.loop()
        finally:
            close_connection()

    def loop(self) -> None:
        raise NotImplementedError

    def run_until_signalled(self) -> None:
        """Run in the foreground until SIGINT or SIGTERM (the commands)."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: (self.stopping.set(), self.wake()))
        log.info("%s running (Kafka: %s)", self.name, settings.kafka_bootstrap_servers or "in-process bus")
        self.run()


class Relay(Loop):
    """Publishes the outbox as soon as an intake commits a row (or every `interval` seconds, for rows
    other processes wrote); backs off while Kafka is unreachable, and the outbox waits meanwhile."""

    name = "relay"

    def __init__(self, interval: float = 0.5):
        super().__init__()
        self.interval = interval

    def enabled_here(self) -> bool:
        return settings.kafka_relay

    def wake(self) -> None:
        service.outbox_ready.set()

    def loop(self) -> None:
        producer, backoff = None, 0.2
        if not settings.kafka_bootstrap_servers:
            resent = with_connection(service.resend_unprocessed)
            if resent:
                log.warning("relay: %d receipts the in-process bus lost at the last stop are published again", resent)
        while not self.stopping.is_set():
            try:
                if producer is None:
                    producer = kafka.make_producer()
                service.outbox_ready.clear()
                published = with_connection(service.publish_outbox, producer)
                backoff = 0.2
                if not published:
                    service.outbox_ready.wait(self.interval)
            except Exception as error:  # noqa: BLE001 -- the relay outlives any one failure
                log.warning("relay: %s; retrying in %.1fs", error, backoff)
                if not isinstance(error, service.RelayFailed) and producer is not None:
                    close_quietly(producer)
                    producer = None
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        if producer is not None:
            close_quietly(producer)


class Consumer(Loop):
    """Group `analytics`: stores each polled batch, then commits its offsets. On any failure the
    consumer is dropped and made again, so it resumes from the last committed offset (and the
    processed-message marks make what it sees again change nothing)."""

    name = "consumer"

    def __init__(self, topic: str | None = None, group: str | None = None, max_records: int = 5000):
        super().__init__()
        self.topic, self.group, self.max_records = topic, group, max_records

    def enabled_here(self) -> bool:
        return settings.kafka_consumer

    def loop(self) -> None:
        consumer, backoff = None, 0.2
        topic = self.topic or settings.kafka_receipts_topic
        group = self.group or settings.kafka_consumer_group
        # A batch is stored on a thread of its own while the next one is polled and parsed here (the
        # database's share of the work, no longer waited for in turn, measured +30%); its offsets are
        # committed once it is stored, and batches are stored one after the other, in order.
        storing = ThreadPoolExecutor(1, thread_name_prefix="analytics-store")
        storage = None  # the batch being stored: (its future, the offsets after it)
        while not self.stopping.is_set():
            try:
                if consumer is None:
                    consumer = kafka.make_consumer([topic], group)
                records = self.poll(consumer)
                if storage is not None:
                    stored, offsets = storage
                    storage = None
                    stored.result()
                    consumer.commit(offsets)
                if records:
                    storage = storing.submit(with_connection, service.store_messages, records), \
                        kafka.offsets_after(records)
                backoff = 0.2
            except Exception as error:  # noqa: BLE001 -- e.g. a rebalance, a join refused (error 42)
                log.warning("consumer: %r; joining again in %.1fs", error, backoff)
                if storage is not None:  # not committed: the next consumer is given that batch again
                    wait([storage[0]])
                    storage = None
                if consumer is not None:
                    close_quietly(consumer)
                    consumer = None
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        if storage is not None and consumer is not None:
            try:
                storage[0].result()
                consumer.commit(storage[1])
            except Exception as error:  # noqa: BLE001 -- stopping: the next consumer is given it again
                log.warning("consumer: the last batch was not committed: %r", error)
        if consumer is not None:
            close_quietly(consumer)
        storing.submit(close_connection).result()
        storing.shutdown()

    def poll(self, consumer) -> list:
        """Up to max_records: what the first poll waited for, then what else is fetched already (a fetch
        answers for one partition at a time; one transaction for several costs far less than several)."""
        polled = consumer.poll(timeout_ms=300, max_records=self.max_records)
        records = [record for batch in polled.values() for record in batch]
        while records and len(records) < self.max_records:
            more = [record for batch in consumer.poll(timeout_ms=0, max_records=self.max_records - len(records))
                    .values() for record in batch]
            if not more:
                break
            records += more
        return records


def close_connection() -> None:
    if not database.is_closed():
        database.close()


def close_quietly(client) -> None:
    try:
        if isinstance(client, (kafka.MemoryConsumer,)) or hasattr(client, "subscription"):
            client.close(autocommit=False)
        else:
            client.close(timeout=5)
    except Exception as error:  # noqa: BLE001
        log.debug("closing %s: %s", type(client).__name__, error)


def command_relay(args) -> None:
    Relay().run_until_signalled()


def command_consume(args) -> None:
    Consumer().run_until_signalled()
