"""Taking orders in batches: duplicates found however they race, and asked through the index."""
from server.db import database, insert_skipping_conflicts, is_sqlite
from server.printing import service
from server.printing.models import Check
from tests.conftest import run_in_new_loop
from tests.printing.conftest import order_body


def test_an_order_stored_by_a_racing_request_after_the_check_is_a_duplicate(printers, monkeypatch):
    """The other request (here or in another process) stored the order between this batch's look for
    duplicates and its insert: the unique (order_id, printer) constraint answers for it."""
    service.create_checks([order_body(7001, point_id=1)])
    monkeypatch.setattr(service, "orders_with_checks", lambda order_ids: set())
    queued = []
    monkeypatch.setattr(service, "enqueue", lambda name, order_ids: queued.append(order_ids))
    again, fresh = service.create_checks([order_body(7001, point_id=1), order_body(7002, point_id=1)])
    assert isinstance(again, service.DuplicateOrder) and fresh == 2
    assert queued == [[7002]]
    assert Check.select().where(Check.order_id == 7001).count() == 2


def test_duplicates_are_looked_up_through_the_index_even_without_statistics(printers):
    """30 000 checks, never analyzed (as a busy table between autovacuum runs, or with autovacuum
    off): `order_id IN (...)` is planned as a scan of the whole table there; this is not."""
    kitchen = printers["point1-kitchen-key"]
    rows = [{"printer": kitchen.id, "type": "kitchen", "order": {}, "order_id": n} for n in range(1, 30001)]
    insert_skipping_conflicts(Check, rows, Check.order_id)
    sql, params = service.orders_with_checks_query(set(range(100, 150))).sql()
    explain = "EXPLAIN QUERY PLAN " if is_sqlite() else "EXPLAIN "
    plan = "\n".join(str(row) for row in database.execute_sql(explain + sql, params).fetchall())
    assert "index" in plan.lower(), plan
    assert 'Seq Scan on "check"' not in plan and "SCAN check" not in plan, plan


def test_unfinished_renders_are_queued_again(printers, monkeypatch):
    kitchen = printers["point1-kitchen-key"]
    for order_id, status, attempts in [(8001, "new", 0), (8002, "new", 2), (8003, "new", 3),
                                       (8004, "rendered", 1), (8005, "printed", 1)]:
        Check.create(printer=kitchen, type="kitchen", order=order_body(order_id), order_id=order_id,
                     status=status, render_attempts=attempts)
    queued = []
    monkeypatch.setattr(service, "enqueue", lambda name, order_ids: queued.append(order_ids))
    monkeypatch.setattr(service.settings, "render_max_retries", 3)
    assert service.queue_unfinished_renders() == [8001, 8002]
    assert queued == [[8001, 8002]]


def test_the_embedded_server_queues_unfinished_renders_when_it_starts(monkeypatch):
    from server.printing.handlers import RenderRecovery

    asked = []
    monkeypatch.setattr(service, "queue_unfinished_renders", lambda: asked.append(True))

    async def start_and_stop(broker: str) -> None:
        monkeypatch.setattr(service.settings, "celery_broker_url", broker)
        recovery = RenderRecovery()
        recovery.start()
        await recovery.stop()

    run_in_new_loop(start_and_stop("redis://127.0.0.1:6379/0"))
    assert asked == []
    run_in_new_loop(start_and_stop(""))
    assert asked == [True]
