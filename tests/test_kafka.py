"""The shared Kafka plumbing against a real wire-protocol broker, and the embedded in-process bus."""
import time
import uuid

from server import kafka
from server.settings import settings


def drain(consumer, count: int, timeout: float = 20) -> list:
    records, deadline = [], time.monotonic() + timeout
    while len(records) < count and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=200).values():
            records.extend(batch)
    return records


def test_the_producer_waits_for_all_replicas_and_the_consumer_resumes_from_its_commit(kafka_cluster):
    topic, group = f"plumbing-{uuid.uuid4().hex[:8]}", f"group-{uuid.uuid4().hex[:8]}"
    kafka_cluster.create_topic(topic, 2)
    assert kafka.producer_config()["acks"] == "all" and kafka.producer_config()["enable_idempotence"]
    producer = kafka.make_producer()
    for i in range(6):
        producer.send(topic, key=b"place-%d" % (i % 2), value=b"%d" % i).get(10)
    producer.close()

    first = kafka.make_consumer([topic], group)
    assert sorted(int(r.value) for r in drain(first, 6)) == list(range(6))
    first.commit()
    first.close(autocommit=False)

    producer = kafka.make_producer()
    producer.send(topic, key=b"place-0", value=b"6").get(10)
    producer.close()
    second = kafka.make_consumer([topic], group)
    assert [int(r.value) for r in drain(second, 1)] == [6]
    second.close(autocommit=False)


def test_the_in_process_bus_has_the_same_interface(monkeypatch):
    monkeypatch.setattr(settings, "kafka_bootstrap_servers", "")
    bus = kafka.MemoryBus()
    monkeypatch.setattr(kafka, "bus", bus)
    producer = kafka.make_producer()
    for i in range(3):
        assert producer.send("t", key=b"k", value=b"%d" % i).get(1).offset == i
    consumer = kafka.make_consumer(["t"], "g")
    assert [r.value for r in drain(consumer, 3, 1)] == [b"0", b"1", b"2"]
    consumer.close(autocommit=False)  # not committed: a new consumer reads them again
    again = kafka.make_consumer(["t"], "g")
    assert len(drain(again, 3, 1)) == 3
    again.commit()
    producer.send("t", key=b"k", value=b"3")
    assert [r.value for r in drain(kafka.make_consumer(["t"], "g"), 1, 1)] == [b"3"]
    assert bus.base["t"] == 3  # what every group committed is dropped
