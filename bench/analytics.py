"""Analytics, on PostgreSQL with a Kafka wire-protocol broker (librdkafka's mock cluster, started here):

1. intake: distinct receipts per second through `POST /api/checks/` (Basic auth as the admin; the relay
   publishes to Kafka meanwhile), against a bare Tornado handler that parses the same bodies (the ceiling);
   in the two layouts .env.example offers: the relay in a process of its own (`python -m server relay`,
   KAFKA_RELAY=off: the production layout, as the consumer) and the relay on a thread of the server;
2. consumer: receipts per second from a filled topic into the database by one `python -m server consume`;
3. query: `GET /api/analytics/` for a month over --receipts stored receipts (seeded by SQL, hourly figures
   built from them), against the same figures computed by one SQL query over the raw receipts.

    .venv/bin/python bench/analytics.py [--duration 10] [--connections 32] [--fill 20000] [--receipts 1000000]
    .venv/bin/python bench/analytics.py --only consumer --fill 20000      (part 2 alone, ~30 s)
    .venv/bin/python bench/analytics.py --only intake                     (part 1 alone)

Targets (issue 15): intake >= 25% of the ceiling (the production layout); consumer >= 5,000 receipts/s; the query under 200 ms
and at least 10 times faster than the raw query.
"""
import json
import statistics
import time
from pathlib import Path
import urllib.parse

import harness
from harness.cpu import CLK_TCK, group_cpu_seconds
from harness.processes import PYTHON

from server.analytics.models import CategoryHour, Place, PlaceHour, Receipt, ReceiptItem
from tests.kafka_mock import MockCluster

TARGET_RATIO, TARGET_CONSUMER, TARGET_QUERY_MS, TARGET_SPEEDUP = 0.25, 5000, 200, 10
MONTH = ("2024-03-01T00:00:00+00:00", "2024-04-01T00:00:00+00:00")


def receipt(transaction_id: str, place: int, hour: int) -> dict:
    return {"transaction_id": transaction_id, "timestamp": f"2024-03-{1 + hour // 24:02d}T{hour % 24:02d}:15:00",
            "items": [{"product_id": "p1", "quantity": 2, "price": "10.99", "category": "groceries"},
                      {"product_id": "p2", "quantity": 1, "price": "5.49", "category": "electronics"}],
            "total_amount": "27.47", "vat_amount": "2.47", "tips_amount": "3.00", "payment_method": "card",
            "place_id": f"place-{place}", "place_name": f"Store {place}"}


def request_factory(prefix: str):
    marker = "TX-MARKER-0000"
    template = json.dumps(receipt(marker, 1, 10)).encode()
    before, after = template.split(marker.encode())
    auth = harness.basic_auth()

    def make(seq: int) -> bytes:
        body = before + f"{prefix}-{seq}".encode() + after
        return (b"POST /api/checks/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + auth.encode()
                + b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode()
                + b"\r\n\r\n" + body)

    return make


def fill_topic(bootstrap: str, topic: str, count: int) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, api_version=(2, 3, 0), acks="all", linger_ms=20,
                             batch_size=256 * 1024)
    for i in range(count):
        body = receipt(f"fill-{i}", i % 20, 700 + i * 4 // count)  # a live stream: the last hours, in order
        body["timestamp"] += "+00:00"
        producer.send(topic, key=body["place_id"].encode(), value=json.dumps(body).encode())
    producer.flush(120)
    producer.close()


def seed_receipts(stack, count: int) -> None:
    """`count` receipts over 50 places and the 720 hours of March 2024, two items each (categories of 8), and
    their hourly figures built from them by SQL."""
    r, i, p = Receipt._meta.table_name, ReceiptItem._meta.table_name, Place._meta.table_name
    stack.query(f"INSERT INTO {p} (id, name, created_at) SELECT 'seed-' || n, 'Seed ' || n, now() "
                f"FROM generate_series(0, 49) n ON CONFLICT DO NOTHING; SELECT 1")
    stack.query(f"""INSERT INTO {r} (transaction_id, place_id, timestamp, hour, total_amount, vat_amount,
        tips_amount, payment_method, stored_at)
        SELECT 'seed-tx-' || n, 'seed-' || (n % 50), t, date_trunc('hour', t), 2 * (n % 1000) / 100.0 + 5.49,
               (n % 300) / 100.0, (n % 7), 'card', now()
        FROM (SELECT n, TIMESTAMP '2024-03-01' + (n % 2678400) * INTERVAL '1 second' AS t
              FROM generate_series(1, {count}) n) s; SELECT 1""")
    stack.query(f"""INSERT INTO {i} (receipt_id, product_id, category, quantity, price, amount)
        SELECT id, 'a', 'cat-' || (id % 8), 2, (id % 1000) / 100.0, 2 * (id % 1000) / 100.0 FROM {r}
        WHERE transaction_id LIKE 'seed-tx-%'
        UNION ALL
        SELECT id, 'b', 'cat-' || ((id + 3) % 8), 1, 5.49, 5.49 FROM {r} WHERE transaction_id LIKE 'seed-tx-%'
; SELECT 1""")
    stack.query(f"""INSERT INTO {PlaceHour._meta.table_name} (place_id, hour, purchases, total, vat, tips)
        SELECT place_id, hour, COUNT(*), SUM(total_amount), SUM(vat_amount), SUM(tips_amount) FROM {r}
        WHERE transaction_id LIKE 'seed-tx-%' GROUP BY place_id, hour
        ON CONFLICT (place_id, hour) DO UPDATE SET purchases = EXCLUDED.purchases; SELECT 1""")
    stack.query(f"""INSERT INTO {CategoryHour._meta.table_name} (place_id, hour, category, total_spent, receipts)
        SELECT r.place_id, r.hour, i.category, SUM(i.amount), COUNT(DISTINCT r.id) FROM {i} i JOIN {r} r
        ON r.id = i.receipt_id WHERE r.transaction_id LIKE 'seed-tx-%' GROUP BY r.place_id, r.hour, i.category
        ON CONFLICT (place_id, hour, category) DO UPDATE SET receipts = EXCLUDED.receipts; SELECT 1""")
    stack.query(f"ANALYZE {r}; ANALYZE {i}; SELECT 1")


def raw_query(stack) -> float:
    """The month's figures per place and category by one SQL query over the raw receipts; its seconds."""
    r, i = Receipt._meta.table_name, ReceiptItem._meta.table_name
    start = time.perf_counter()
    stack.query(f"""WITH period AS (SELECT * FROM {r} WHERE timestamp >= '2024-03-01' AND timestamp < '2024-04-01')
        SELECT place_id, NULL AS category, COUNT(*), SUM(total_amount), SUM(vat_amount), SUM(tips_amount)
        FROM period GROUP BY place_id
        UNION ALL
        SELECT p.place_id, i.category, COUNT(DISTINCT p.id), SUM(i.amount), NULL, NULL
        FROM period p JOIN {i} i ON i.receipt_id = p.id GROUP BY p.place_id, i.category""")
    return time.perf_counter() - start


def main() -> int:
    parser = harness.argument_parser(__doc__)
    harness.add_load_arguments(parser)
    parser.add_argument("--fill", type=int, default=20000, help="messages in the topic the consumer drains")
    parser.add_argument("--receipts", type=int, default=1_000_000, help="stored receipts the query runs over")
    parser.add_argument("--only", choices=("intake", "consumer"), help="run that part alone")
    parser.add_argument("--cprofile", metavar="FILE", help="run the consumer under cProfile, its stats to FILE")
    parser.set_defaults(profile="production")
    args = parser.parse_args()
    if args.profile != "production":
        parser.error("the analytics benchmark runs on PostgreSQL with a broker: --profile production")
    options = harness.load_options(args)
    cluster = MockCluster({"receipts": 3, "bench-fill": 3})
    env = {"KAFKA_BOOTSTRAP_SERVERS": cluster.bootstrap_servers, "KAFKA_CONSUMER": "off"}
    harness.warn_if_busy()
    try:
        with harness.Stack(args.profile, "analytics", env=env) as stack:
            intakes, bare, consumer_rate = {}, None, None
            if args.only in (None, "intake"):
                intakes, bare = intake(stack, options)
            if args.only in (None, "consumer"):  # 2. consumer
                consumer_rate, cpu_per_receipt = drain(stack, cluster, args.fill, args.cprofile)

            # 3. query over many receipts
            if args.only is None:
                seeding, raw, api, purchases = query(stack, args.receipts)
    finally:
        cluster.close()

    met, failed = [], False
    for layout, (real, accepted, unsent) in intakes.items():
        print(harness.describe_ratio(f"intake (production, {layout})", real, bare, args.connections,
                                     unit="receipts/s"))
        print(f"  check: {real.answered_ok} answered 2xx, {accepted} in the outbox, {unsent} not yet published "
              f"when the load stopped + 60 s")
        if layout == PRODUCTION_LAYOUT:
            met.append(real.rate / bare.rate >= TARGET_RATIO)
            print(f"  target: >= {TARGET_RATIO:.0%} of ceiling {'met' if met[-1] else 'MISSED'}")
        failed = failed or real.bad() or real.errors or bare.bad() or unsent
    if consumer_rate is None:
        return 1 if failed or (args.strict and not all(met)) else 0
    print(f"consumer: {args.fill} messages from a filled topic (3 partitions) into the database by one process: "
          f"{consumer_rate:,.0f} receipts/s")
    print(f"  CPU per receipt: consumer {cpu_per_receipt[0] * 1e6:,.0f} us, its PostgreSQL backend "
          f"{cpu_per_receipt[1] * 1e6:,.0f} us")
    met.append(consumer_rate >= TARGET_CONSUMER)
    print(f"  target: >= {TARGET_CONSUMER:,}/s {'met' if met[-1] else 'MISSED'}")
    failed = failed or consumer_rate == 0
    if args.only is None:
        print(f"query: GET /api/analytics/ for March 2024 over {purchases:,} receipts (seeded in {seeding:.1f} s): "
              f"median {api * 1000:.1f} ms; one SQL query over the raw receipts: {raw * 1000:.1f} ms "
              f"({raw / api:.1f}x)")
        met.append(api * 1000 < TARGET_QUERY_MS and raw / api >= TARGET_SPEEDUP)
        print(f"  target: < {TARGET_QUERY_MS} ms and >= {TARGET_SPEEDUP}x faster {'met' if met[-1] else 'MISSED'}")
        failed = failed or purchases != args.receipts + args.fill
    return 1 if failed or (args.strict and not all(met)) else 0


PRODUCTION_LAYOUT = "relay in its own process"
LAYOUTS = {PRODUCTION_LAYOUT: "off", "relay on a thread of the server": "on"}  # -> KAFKA_RELAY


def intake(stack, options):
    """Part 1: ({layout: (load result, its receipts in the outbox, of them unpublished)}, the ceiling's
    load result)."""
    results = {}
    for number, (layout, relay_setting) in enumerate(LAYOUTS.items()):
        stack.start_server(env={"KAFKA_RELAY": relay_setting})
        relay = stack.spawn(f"relay-{number}", [PYTHON, "-m", "server", "relay"]) if relay_setting == "off" else None
        auth = {"Authorization": harness.basic_auth()}
        status, body = harness.http_post_json(stack.url + "/api/checks/", receipt(f"warm-up-{number}", 1, 1), auth)
        if status != 202:
            raise SystemExit(f"POST /api/checks/ answered {status}: {body[:300]!r}")
        watch = stack.server_groups() | ({"relay": relay.pid} if relay else {})
        real = harness.load(stack.url, request_factory(f"load{number}"), watch=watch, **options)
        mine = f"FROM analytics_outbox WHERE message_id LIKE 'load{number}-%'"
        deadline = time.monotonic() + 60
        while stack.query(f"SELECT COUNT(*) {mine} AND sent_at IS NULL")[0][0] and time.monotonic() < deadline:
            time.sleep(0.2)
        (accepted, unsent), = stack.query(f"SELECT COUNT(*), COUNT(*) - COUNT(sent_at) {mine}")
        results[layout] = real, accepted, unsent
        stack.stop_server_and_worker()
        if relay:
            relay.stop()
    ceiling = harness.BareServer(stack, "/api/checks/", echo_ok="accepted")
    bare = harness.load(ceiling.url, request_factory("bare"), watch={"bare": ceiling.process.pid}, **options)
    ceiling.stop()
    return results, bare


def drain(stack, cluster, fill: int, cprofile: str | None = None) -> tuple[float, tuple[float, float]]:
    """Part 2: receipts per second from a filled topic into the database by one consumer process, and
    CPU seconds per receipt (from its first stored receipt to its last) of the consumer and of its
    PostgreSQL backend."""
    fill_topic(cluster.bootstrap_servers, "bench-fill", fill)
    profiling = ["-m", "cProfile", "-o", cprofile] if cprofile else []
    consumer = stack.spawn("consumer", [PYTHON, *profiling, "-m", "server", "consume"],
                           env={"KAFKA_RECEIPTS_TOPIC": "bench-fill", "KAFKA_CONSUMER_GROUP": "bench"})
    count_sql = f"SELECT COUNT(*) FROM {Receipt._meta.table_name} WHERE transaction_id LIKE 'fill-%'"
    first = done = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        stored, = stack.query(count_sql)[0]
        now = time.monotonic()
        if stored and first is None:
            first = (now, stored)
            backends = [pid for pid, in stack.query(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")]
            cpu0 = group_cpu_seconds(consumer.pid), sum(process_cpu_seconds(pid) for pid in backends)
        if stored >= fill:
            done = now
            cpu = (group_cpu_seconds(consumer.pid) - cpu0[0],
                   sum(process_cpu_seconds(pid) for pid in backends) - cpu0[1])
            break
        time.sleep(0.05)
    consumer.stop()
    consumer_rate = (fill - first[1]) / (done - first[0]) if done and done > first[0] else 0.0
    cpu_per_receipt = tuple(c / (fill - first[1]) for c in cpu) if done and fill > first[1] else (0.0, 0.0)
    return consumer_rate, cpu_per_receipt


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of one process (a PostgreSQL backend); 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def query(stack, receipts: int):
    """Part 3: (seconds seeding, the raw query's seconds, the API's median seconds, purchases it counted)."""
    auth = {"Authorization": harness.basic_auth()}
    seeding = time.perf_counter()
    seed_receipts(stack, receipts)
    seeding = time.perf_counter() - seeding
    raw = min(raw_query(stack) for _ in range(3))
    stack.start_server()
    url = stack.url + "/api/analytics/?" + urllib.parse.urlencode({"from": MONTH[0], "to": MONTH[1]})
    times = []
    for _ in range(7):
        start = time.perf_counter()
        status, body = harness.http_get(url, auth)
        times.append(time.perf_counter() - start)
        assert status == 200, body[:300]
    api = statistics.median(times[1:])
    purchases = json.loads(body)["overall"]["total_purchases"]
    return seeding, raw, api, purchases


if __name__ == "__main__":
    harness.run_main(main)
