"""Taking orders in batches: duplicates found however they race."""
from server.printing import service
from server.printing.models import Check, Order
from tests.conftest import run_in_new_loop
from tests.printing.conftest import order_body


def test_an_order_id_taken_by_a_racing_request_is_a_duplicate_and_gets_no_checks(printers, monkeypatch):
    """The other request (here or in another process, for this point or another) took the order id
    first: the orders table's key answers for it, and nothing of this one is stored or queued."""
    Order.create(id=7001, point_id=2)
    queued = []
    monkeypatch.setattr(service, "enqueue", lambda name, order_ids: queued.append(order_ids))
    orders = [order_body(7001, point_id=1), order_body(7002, point_id=1), order_body(7002, point_id=3)]
    again, fresh, twice = service.create_checks([(order, order) for order in orders])
    assert isinstance(again, service.DuplicateOrder) and fresh == 2
    assert isinstance(twice, service.DuplicateOrder)
    assert queued == [[7002]]
    assert Check.select().where(Check.order_id == 7001).count() == 0
    assert {c.printer.point_id for c in Check.select().where(Check.order_id == 7002)} == {1}


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
