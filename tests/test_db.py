"""The database helpers every module shares."""
from server import db
from server.printing.models import Check


def check_row(order_id: int, printer) -> dict:
    return {"printer": printer.id, "type": printer.check_type, "order": {"id": order_id},
            "order_id": order_id}


def test_insert_skipping_conflicts_answers_what_it_inserted_and_fills_the_defaults(printers):
    kitchen, client = printers["point1-kitchen-key"], printers["point1-client-key"]
    assert db.insert_skipping_conflicts(Check, [check_row(1, kitchen)], Check.order_id) == [1]
    inserted = db.insert_skipping_conflicts(
        Check, [check_row(1, kitchen), check_row(1, client), check_row(2, kitchen)], Check.order_id)
    assert sorted(inserted) == [1, 2]
    stored = Check.get(Check.order_id == 2)
    assert (stored.status, stored.render_attempts, stored.order) == ("new", 0, {"id": 2})
    assert stored.created_at is not None
    assert Check.select().count() == 3


def test_insert_skipping_conflicts_splits_what_one_statement_cannot_take(printers, monkeypatch):
    kitchen = printers["point1-kitchen-key"]
    monkeypatch.setattr(db, "MAX_STATEMENT_PARAMS", 20)  # two rows a statement
    db.insert_skipping_conflicts(Check, [check_row(3, kitchen)], Check.order_id)
    rows = [check_row(order_id, kitchen) for order_id in range(1, 8)]
    assert sorted(db.insert_skipping_conflicts(Check, rows, Check.order_id)) == [1, 2, 4, 5, 6, 7]
    assert sorted(c.order_id for c in Check.select()) == list(range(1, 8))
