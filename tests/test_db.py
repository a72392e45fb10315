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


def test_a_search_ignores_case_beyond_ascii_and_keeps_wildcards_plain(api):
    """SQLite's own LIKE folds only A-Z; PostgreSQL's ILIKE folds Cyrillic too: both must."""
    for name in ("Сбербанк", 'ООО "Ромашка"', "Скидка 50%_всем"):
        assert api.post("/api/v1/service-groups", json={"name": name, "model": "emulator"}).status_code == 201
    for search, found in (("сбер", ["Сбербанк"]), ("РОМАШ", ['ООО "Ромашка"']), ("50%_", ["Скидка 50%_всем"]),
                          ("%", ["Скидка 50%_всем"]), ("ёж", [])):
        answer = api.get("/api/v1/service-groups", params={"search": search}).json()
        assert [group["name"] for group in answer["items"]] == found, search
