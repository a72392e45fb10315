"""Kafka, once for every module: a producer that waits for every in-sync replica (`acks=all`) and
cannot duplicate or reorder on a retry (idempotent, one request in flight), and a consumer factory
whose offsets are committed only when the caller says so.

Production: Apache Kafka at KAFKA_BOOTSTRAP_SERVERS, through kafka-python. Embedded (no bootstrap
servers): `MemoryBus`, an in-process bus with the same interface (send -> future with `get`, `flush`,
`poll` -> {partition: [records]}, `commit`, `close`), which only this process reads.
"""
import collections
import logging
import threading
import time
from dataclasses import dataclass

from server.settings import settings

log = logging.getLogger("server.kafka")


def api_version() -> tuple:
    return tuple(int(part) for part in settings.kafka_api_version.split("."))


def delivery_timeout_ms() -> int:
    """How long a record may wait for its acknowledgement, retries included: then its send fails."""
    return max(30000, 2 * settings.kafka_request_timeout_ms + 5)


def producer_config() -> dict:
    """kafka-python's producer settings: nothing acknowledged before every in-sync replica has it, and
    retries (until the delivery timeout) that neither duplicate (idempotence) nor reorder (one request in
    flight per broker)."""
    return {
        "bootstrap_servers": settings.kafka_bootstrap_servers.split(","),
        "api_version": api_version(),
        "acks": "all",
        "enable_idempotence": True,
        "max_in_flight_requests_per_connection": 1,
        "request_timeout_ms": settings.kafka_request_timeout_ms,
        "delivery_timeout_ms": delivery_timeout_ms(),
        "max_block_ms": settings.kafka_request_timeout_ms,
        "linger_ms": 5,
        "client_id": "receipt-hub-relay",
    }


def consumer_config(group: str) -> dict:
    """kafka-python's consumer settings: offsets committed by the caller only (after its database
    commit), a new group starts at the earliest message, a short session so that a restarted consumer
    gets its partitions back quickly."""
    session = settings.kafka_session_timeout_ms
    return {
        "bootstrap_servers": settings.kafka_bootstrap_servers.split(","),
        "api_version": api_version(),
        "group_id": group,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "session_timeout_ms": session,
        "heartbeat_interval_ms": max(100, session // 3),
        "request_timeout_ms": max(settings.kafka_request_timeout_ms, session + 1000),
        "client_id": f"receipt-hub-{group}",
        # a consumer that fell behind gets thousands of messages a fetch (one transaction stores them)
        "max_poll_records": 5000,
        "max_partition_fetch_bytes": 4 * 1024 * 1024,
        "fetch_max_bytes": 64 * 1024 * 1024,
    }


def make_producer():
    if not settings.kafka_bootstrap_servers:
        return MemoryProducer(bus)
    from kafka import KafkaProducer

    return KafkaProducer(**producer_config())


def make_consumer(topics: list[str], group: str):
    if not settings.kafka_bootstrap_servers:
        return MemoryConsumer(bus, topics, group)
    from kafka import KafkaConsumer

    return KafkaConsumer(*topics, **consumer_config(group))


def offsets_after(records) -> dict:
    """The offsets to commit once `records` are stored: each partition's, past its last record."""
    from kafka.structs import OffsetAndMetadata, TopicPartition as Partition

    last: dict[tuple[str, int], int] = {}
    for record in records:
        key = (record.topic, record.partition)
        last[key] = max(last.get(key, -1), record.offset)
    return {Partition(topic, partition): OffsetAndMetadata(offset + 1, "", -1)
            for (topic, partition), offset in last.items()}


# --- the embedded profile's in-process bus ---------------------------------------------------------

@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


@dataclass(frozen=True)
class TopicPartition:
    topic: str
    partition: int


class Delivered:
    """A send's future, already resolved."""

    def __init__(self, record: Record):
        self.record = record

    def get(self, timeout=None) -> Record:
        return self.record

    def succeeded(self) -> bool:
        return True


class MemoryBus:
    """One partition per topic, kept in memory; each group's committed offset; records every group
    has committed are dropped."""

    def __init__(self):
        self.lock = threading.Condition()
        self.logs: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self.base: dict[str, int] = collections.defaultdict(int)  # offset of logs[topic][0]
        self.committed: dict[tuple[str, str], int] = {}

    def append(self, topic: str, key: bytes | None, value: bytes) -> Record:
        with self.lock:
            offset = self.base[topic] + len(self.logs[topic])
            record = Record(topic, 0, offset, key, value)
            self.logs[topic].append(record)
            self.lock.notify_all()
            return record

    def read(self, topic: str, position: int, limit: int) -> list[Record]:
        log_ = self.logs[topic]
        start = max(0, position - self.base[topic])
        return [log_[i] for i in range(start, min(len(log_), start + limit))]

    def end(self, topic: str) -> int:
        return self.base[topic] + len(self.logs[topic])

    def commit(self, group: str, topic: str, offset: int) -> None:
        with self.lock:
            self.committed[(group, topic)] = offset
            floor = min(o for (g, t), o in self.committed.items() if t == topic)
            while self.logs[topic] and self.base[topic] < floor:
                self.logs[topic].popleft()
                self.base[topic] += 1

    def clear(self) -> None:
        with self.lock:
            self.logs.clear()
            self.base.clear()
            self.committed.clear()


bus = MemoryBus()


class MemoryProducer:
    def __init__(self, memory: MemoryBus):
        self.bus = memory

    def send(self, topic: str, key: bytes | None = None, value: bytes = b"") -> Delivered:
        return Delivered(self.bus.append(topic, key, value))

    def flush(self, timeout=None) -> None:
        pass

    def close(self, timeout=None) -> None:
        pass


class MemoryConsumer:
    def __init__(self, memory: MemoryBus, topics: list[str], group: str):
        self.bus, self.topics, self.group = memory, topics, group
        with memory.lock:
            self.positions = {t: memory.committed.get((group, t), memory.base[t]) for t in topics}

    def poll(self, timeout_ms: int = 0, max_records: int = 500) -> dict:
        deadline = time.monotonic() + timeout_ms / 1000
        with self.bus.lock:
            while True:
                found = {}
                for topic in self.topics:
                    position = max(self.positions[topic], self.bus.base[topic])
                    records = self.bus.read(topic, position, max_records)
                    if records:
                        found[TopicPartition(topic, 0)] = records
                        self.positions[topic] = records[-1].offset + 1
                if found:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    return {}
                self.bus.lock.wait(left)

    def commit(self, offsets: dict | None = None) -> None:
        """Commit `offsets` (as `offsets_after` gives them), or else every position polled to."""
        if offsets is None:
            offsets = {TopicPartition(topic, 0): position for topic, position in self.positions.items()}
        for partition, position in offsets.items():
            self.bus.commit(self.group, partition.topic, getattr(position, "offset", position))

    def close(self, autocommit: bool = False) -> None:
        if autocommit:
            self.commit()
