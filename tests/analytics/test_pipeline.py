"""Outbox -> Kafka -> consumer: nothing lost when Kafka is down, nothing counted twice."""
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from server import kafka
from server.analytics import service
from server.analytics.models import DeadLetter, Outbox, PlaceHour, ProcessedMessage, Receipt, ReceiptItem
from server.analytics.pipeline import Consumer
from server.analytics.schemas import ReceiptSchema
from server.db import dumps
from tests.analytics.conftest import D, receipt_body, stored, unsent
from tests.conftest import run_in_new_loop, wait_until


def message(body: dict) -> bytes:
    return dumps(service.message_of(ReceiptSchema().load(body))).encode()


def records(bodies: list[dict], topic: str = "receipts") -> list[kafka.Record]:
    return [kafka.Record(topic, 0, offset, body["place_id"].encode(), message(body))
            for offset, body in enumerate(bodies)]


def figures() -> tuple:
    return (Receipt.select().count(), ReceiptItem.select().count(),
            [(h.place_id, h.purchases, h.total) for h in PlaceHour.select().order_by(PlaceHour.id)])


def read_topic(topic: str, wanted: set, timeout: float = 20) -> list:
    """Every message of the topic whose transaction id is wanted, read from the start by a new group."""
    consumer = kafka.make_consumer([topic], f"reader-{uuid.uuid4().hex[:8]}")
    found, deadline = [], time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=300).values():
                found.extend(r for r in batch if json.loads(r.value)["transaction_id"] in wanted)
            if len({json.loads(r.value)["transaction_id"] for r in found}) == len(wanted):
                time.sleep(0.5)  # anything sent twice would be right behind
                for batch in consumer.poll(timeout_ms=300).values():
                    found.extend(r for r in batch if json.loads(r.value)["transaction_id"] in wanted)
                return found
    finally:
        consumer.close(autocommit=False)
    raise AssertionError(f"only {len(found)} of {len(wanted)} found on {topic}")


def test_a_posted_receipt_reaches_the_analytics_at_once(pos, analyst):
    assert pos.post("/api/checks/", json=receipt_body("tx-flow", place_id="place-flow")).status_code == 202
    wait_until(lambda: stored("tx-flow"), message="the receipt to be consumed")
    # the relay marks its row sent after Kafka acknowledged it: the consumer may store the receipt first
    wait_until(lambda: unsent() == 0, message="the outbox row to be marked sent")
    place, = analyst.get("/api/analytics/", params={"place_id": "place-flow"}).json()["places"]
    assert place == {
        "place_id": "place-flow", "place_name": "Store ABC", "total_purchases": 1, "total_amount": "27.47",
        "average_receipt": "27.47", "taxes_amount": {"total_vat": "2.47", "total_tips": "3.00"},
        "category_analytics": {
            "electronics": {"total_spent": "5.49", "average_receipt": "5.49", "receipts": 1},
            "groceries": {"total_spent": "21.98", "average_receipt": "21.98", "receipts": 1}}}
    assert analyst.get("/api/places/place-flow/").json()["total_purchases"] == 1


def test_kafka_down_the_intake_still_accepts_and_the_outbox_drains_in_order_when_back(kafka_cluster, pos):
    ids = [f"tx-down-{i}" for i in range(12)]
    kafka_cluster.down()
    try:
        for transaction_id in ids:
            assert pos.post("/api/checks/", json=receipt_body(transaction_id, place_id="place-down")).status_code == 202
        time.sleep(1)
        assert unsent() == len(ids), "nothing can be published while Kafka is down"
        assert not any(stored(t) for t in ids)
    finally:
        kafka_cluster.up()
    wait_until(lambda: unsent() == 0, timeout=60, message="the outbox to drain")
    wait_until(lambda: all(stored(t) for t in ids), timeout=60, message="every receipt to be consumed")
    published = read_topic("receipts", set(ids))
    assert [json.loads(r.value)["transaction_id"] for r in sorted(published, key=lambda r: r.offset)] == ids
    assert {r.key for r in published} == {b"place-down"}
    assert Receipt.select().where(Receipt.transaction_id.in_(ids)).count() == len(ids)


def test_the_relay_marks_nothing_sent_that_kafka_did_not_take():
    Outbox.create(topic="receipts", key="p", payload="{}")

    class Refusing:
        def send(self, *args, **kwargs):
            raise OSError("broker unreachable")

    try:
        service.publish_outbox(Refusing())
    except service.RelayFailed as failure:
        assert "broker unreachable" in str(failure)
    row = Outbox.get()
    assert row.sent_at is None and row.attempts == 1 and "unreachable" in row.last_error


def test_a_message_delivered_twice_is_stored_once():
    batch = records([receipt_body("tx-twice"), receipt_body("tx-twice"), receipt_body("tx-once")])
    assert service.store_messages(batch) == {"stored": 2, "duplicates": 1, "dead": 0}
    before = figures()
    assert service.store_messages(batch) == {"stored": 0, "duplicates": 3, "dead": 0}
    assert figures() == before
    assert before[0] == 2 and before[2] == [("place-1", 2, D("54.94"))]


def test_consumers_racing_over_the_same_messages_store_each_once():
    batch = records([receipt_body(f"tx-race-{i}", place_id=f"place-{i % 3}") for i in range(60)])
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: run_with_connection(service.store_messages, batch), range(4)))
    assert sum(r["stored"] for r in results) == 60
    assert Receipt.select().count() == 60 and ProcessedMessage.select().count() == 60
    assert sum(h.purchases for h in PlaceHour.select()) == 60


def run_with_connection(fn, *args):
    from server.db import database, with_connection

    try:
        return with_connection(fn, *args)
    finally:
        database.close()


def test_a_message_that_cannot_be_parsed_goes_to_the_dead_letters_and_is_skipped():
    good = records([receipt_body("tx-good")])[0]
    bad = [kafka.Record("receipts", 0, 7, b"k", b"{not json"),
           kafka.Record("receipts", 0, 8, None, b'{"transaction_id": "x"}'),
           kafka.Record("receipts", 0, 9, None, b"\xff\xfe")]
    assert service.store_messages([bad[0], good, *bad[1:]]) == {"stored": 1, "duplicates": 0, "dead": 3}
    assert service.store_messages(bad) == {"stored": 0, "duplicates": 0, "dead": 3}
    letters = list(DeadLetter.select().order_by(DeadLetter.offset))
    assert [d.offset for d in letters] == [7, 8, 9]
    assert "not JSON" in letters[0].error and "not a receipt" in letters[1].error
    assert stored("tx-good")


def produce(topic: str, values: list[bytes], key: bytes = b"place-1") -> None:
    producer = kafka.make_producer()
    for value in values:
        producer.send(topic, key=key, value=value).get(10)
    producer.close()


def test_over_kafka_a_consumer_killed_between_the_db_commit_and_the_offset_commit_stores_nothing_twice(
        kafka_cluster):
    topic, group = f"killed-{uuid.uuid4().hex[:8]}", f"group-{uuid.uuid4().hex[:8]}"
    kafka_cluster.create_topic(topic, 1)
    produce(topic, [message(receipt_body(f"tx-k{i}")) for i in range(5)])

    def poll_all(consumer, count):
        got, deadline = [], time.monotonic() + 20
        while len(got) < count and time.monotonic() < deadline:
            got.extend(r for batch in consumer.poll(timeout_ms=300).values() for r in batch)
        return got

    first = kafka.make_consumer([topic], group)
    batch = poll_all(first, 5)
    assert service.store_messages(batch)["stored"] == 5  # the database committed ...
    first.close(autocommit=False)  # ... and the process died before the offset commit
    before = figures()

    second = kafka.make_consumer([topic], group)
    again = poll_all(second, 5)
    assert [r.offset for r in again] == [r.offset for r in batch]  # Kafka delivers them again
    assert service.store_messages(again) == {"stored": 0, "duplicates": 5, "dead": 0}
    second.commit()
    second.close(autocommit=False)
    assert figures() == before


def test_over_kafka_the_consumer_loop_stores_once_skips_dead_letters_and_commits(kafka_cluster):
    topic, group = f"loop-{uuid.uuid4().hex[:8]}", f"group-{uuid.uuid4().hex[:8]}"
    kafka_cluster.create_topic(topic, 2)
    twice = message(receipt_body("tx-loop"))
    produce(topic, [twice, b"garbage", twice, message(receipt_body("tx-loop-2"))])
    consumer = Consumer(topic=topic, group=group)
    consumer.start()
    try:
        wait_until(lambda: stored("tx-loop") and stored("tx-loop-2") and DeadLetter.select().count() == 1,
                   message="the consumer to store the messages")
    finally:
        run_in_new_loop(consumer.stop())
    assert Receipt.select().count() == 2 and sum(h.purchases for h in PlaceHour.select()) == 2
    from kafka import TopicPartition

    reader = kafka.make_consumer([topic], group)  # the group committed past every message
    assert sum(reader.committed(TopicPartition(topic, p)) or 0 for p in (0, 1)) == 4
    reader.close(autocommit=False)


def test_over_kafka_a_batch_whose_store_failed_is_not_committed_and_is_stored_on_the_next_join(
        kafka_cluster, monkeypatch):
    """The loop stores a batch on another thread while it polls the next: a failed store commits no
    offset, and the batch comes back whole."""
    topic, group = f"fail-{uuid.uuid4().hex[:8]}", f"group-{uuid.uuid4().hex[:8]}"
    kafka_cluster.create_topic(topic, 1)
    produce(topic, [message(receipt_body(f"tx-f{i}")) for i in range(3)])
    real_store, calls = service.store_messages, []

    def failing_once(batch):
        calls.append(len(batch))
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return real_store(batch)

    monkeypatch.setattr(service, "store_messages", failing_once)
    consumer = Consumer(topic=topic, group=group)
    consumer.start()
    try:
        wait_until(lambda: all(stored(f"tx-f{i}") for i in range(3)), message="the consumer to store them")
    finally:
        run_in_new_loop(consumer.stop())
    assert len(calls) >= 2 and Receipt.select().count() == 3
    from kafka import TopicPartition

    reader = kafka.make_consumer([topic], group)
    assert reader.committed(TopicPartition(topic, 0)) == 3
    reader.close(autocommit=False)


def test_the_offsets_committed_after_a_batch_are_past_each_partitions_last_record():
    batch = [kafka.Record("t", 0, 7, None, b""), kafka.Record("t", 1, 3, None, b""), kafka.Record("t", 0, 9, None, b"")]
    offsets = {(tp.topic, tp.partition): meta.offset for tp, meta in kafka.offsets_after(batch).items()}
    assert offsets == {("t", 0): 10, ("t", 1): 4}


def test_on_the_embedded_bus_what_was_sent_but_never_consumed_is_published_again():
    service.store_messages(records([receipt_body("tx-done")]))
    now = service.utcnow()
    Outbox.create(topic="receipts", key="place-1", message_id="tx-done", payload="{}", sent_at=now)
    lost = Outbox.create(topic="receipts", key="place-1", message_id="tx-lost", payload="{}", sent_at=now)
    assert service.resend_unprocessed() == 1
    assert Outbox.get_by_id(lost.id).sent_at is None


def test_python_m_server_consume_and_relay_run_alone_and_stop_on_sigterm(kafka_cluster):
    import os
    import signal
    import subprocess
    import sys

    from server.settings import PROJECT_ROOT

    topic = f"alone-{uuid.uuid4().hex[:8]}"
    kafka_cluster.create_topic(topic, 1)
    env = {**os.environ, "KAFKA_RECEIPTS_TOPIC": topic, "KAFKA_CONSUMER_GROUP": f"g-{topic}"}
    Outbox.create(topic=topic, key="place-1", message_id="tx-alone", payload=message(receipt_body("tx-alone")).decode())
    processes = [subprocess.Popen([sys.executable, "-m", "server", command], cwd=PROJECT_ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for command in ("relay", "consume")]
    try:
        wait_until(lambda: stored("tx-alone"), timeout=60, message="the receipt to go through relay and consumer")
        assert unsent() == 0
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(30) for process in processes]
    assert codes == [0, 0], [p.stderr.read()[-2000:] for p in processes]


def test_item_texts_with_tabs_backslashes_and_new_lines_are_stored_exactly():
    """Items go in by COPY on PostgreSQL: its text format's special characters survive the trip."""
    body = receipt_body("tx-odd-texts")
    body["items"][0].update(product_id="a\tb\\c\nd\re \\N", category="cat\\egory\t1")
    body["items"][1].update(product_id="\\N", category="здесь \"quoted\"")
    assert service.store_messages(records([body]))["stored"] == 1
    query = ReceiptItem.select().join(Receipt).where(Receipt.transaction_id == "tx-odd-texts")
    stored_items = sorted((i.product_id, i.category, i.quantity, i.price, i.amount) for i in query)
    assert stored_items == sorted([("a\tb\\c\nd\re \\N", "cat\\egory\t1", D("2.000"), D("10.99"), D("21.98")),
                                   ("\\N", "здесь \"quoted\"", D("1.000"), D("5.49"), D("5.49"))])
