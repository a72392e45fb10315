"""Analytics logic: the intake (receipt, event and outbox row in one transaction), the relay that
publishes the outbox, the consumer that stores receipts with their hourly figures, and the figures
read back. No Tornado here."""
import contextlib
import datetime as dt
import decimal
import hashlib
import io
import json
import logging
import re
import threading
from collections import defaultdict

import peewee

from server.analytics import messages
from server.analytics.models import (
    CategoryHour, DeadLetter, IncomingReceipt, Outbox, Place, PlaceHour, ProcessedMessage, Receipt,
    ReceiptEvent, ReceiptItem,
)
from server.analytics.schemas import KOPECK, exact_total, line_amount
from server.db import MAX_STATEMENT_PARAMS, database, dumps, insert_skipping_conflicts, is_sqlite, utcnow
from server.messages import DEFAULT_LANGUAGE, translate
from server.settings import settings

log = logging.getLogger("server.analytics")

RELAY_LOCK = 15_007  # the PostgreSQL advisory lock one relay at a time holds while it publishes
PAYLOAD_LIMIT = 10_000  # characters of a request's body kept in its event
ALL = peewee.SQL("1 = 1")  # a where() with no condition

# Set when an intake commits an outbox row: the relay thread of this process publishes it at once.
outbox_ready = threading.Event()


class Conflict(Exception):
    """The transaction id was taken by a receipt with other content."""

    def __init__(self):
        super().__init__(messages.CONFLICT)


# --- intake ----------------------------------------------------------------------------------------

def message_of(receipt: dict) -> dict:
    """The receipt as it travels through Kafka, and as its content is compared: exact decimals as
    strings, the time in UTC, the fields in one order."""
    return {
        "transaction_id": receipt["transaction_id"],
        "timestamp": receipt["timestamp"].astimezone(dt.timezone.utc).isoformat(),
        "place_id": receipt["place_id"],
        "place_name": receipt["place_name"],
        "items": [{"product_id": item["product_id"], "quantity": str(item["quantity"]),
                   "price": str(item["price"]), "category": item["category"]} for item in receipt["items"]],
        "total_amount": str(receipt["total_amount"]),
        "vat_amount": str(receipt["vat_amount"]),
        "tips_amount": str(receipt["tips_amount"]),
        "payment_method": receipt["payment_method"],
    }


def take_receipt(receipt: dict, raw: str, username: str) -> bool:
    """Accept one valid receipt (see take_receipts): True when new, False when the same content was
    accepted before; Conflict when other content was."""
    result, = take_receipts([(receipt, raw, username)])
    if isinstance(result, Conflict):
        raise result
    return result


def take_receipts(submissions: list[tuple[dict, str, str]]) -> list:
    """Accept valid receipts (receipt, raw body, username), as many as arrived together. Each new one,
    its `accepted` event and its outbox row are committed in one transaction (outbox ids in arrival
    order). Answers, for each: True (new), False (the same content was accepted before: a `duplicate`
    event, nothing forwarded), or a Conflict (other content under that transaction id: a `conflict`
    event). The unique transaction id decides between racing requests, here or in another process."""
    prepared = []
    for receipt, raw, username in submissions:
        text = dumps(message_of(receipt))
        prepared.append((receipt, text, hashlib.sha256(text.encode()).hexdigest(), raw[:PAYLOAD_LIMIT], username))
    now = utcnow()
    first: dict[str, int] = {}
    for i, (receipt, *_) in enumerate(prepared):
        first.setdefault(receipt["transaction_id"], i)
    results: list = [None] * len(prepared)
    with database.atomic():
        rows = [{"transaction_id": prepared[i][0]["transaction_id"], "place_id": prepared[i][0]["place_id"],
                 "content_hash": prepared[i][2], "payload": json.loads(prepared[i][1]), "created_at": now}
                for i in sorted(first.values(), key=lambda i: prepared[i][0]["transaction_id"])]
        taken = set(insert_skipping_conflicts(IncomingReceipt, rows, IncomingReceipt.transaction_id))
        accepted = sorted(i for i in first.values() if prepared[i][0]["transaction_id"] in taken)
        if accepted:
            insert_skipping_conflicts(ReceiptEvent, [
                {"transaction_id": prepared[i][0]["transaction_id"], "status": "accepted", "reason": "",
                 "details": None, "payload": prepared[i][3], "username": prepared[i][4], "created_at": now}
                for i in accepted], ReceiptEvent.id)
            insert_skipping_conflicts(Outbox, [
                {"topic": settings.kafka_receipts_topic, "key": prepared[i][0]["place_id"],
                 "message_id": prepared[i][0]["transaction_id"], "payload": prepared[i][1], "created_at": now,
                 "sent_at": None, "attempts": 0, "last_error": None}
                for i in accepted], Outbox.id)
    for i in accepted:
        results[i] = True
    if accepted:
        outbox_ready.set()
    others = [i for i, result in enumerate(results) if result is None]
    if others:
        earlier = dict(IncomingReceipt.select(IncomingReceipt.transaction_id, IncomingReceipt.content_hash).where(
            IncomingReceipt.transaction_id.in_({prepared[i][0]["transaction_id"] for i in others})).tuples())
        events = []
        for i in others:
            receipt, _, digest, raw, username = prepared[i]
            same = earlier.get(receipt["transaction_id"]) == digest
            results[i] = False if same else Conflict()
            events.append({"transaction_id": receipt["transaction_id"], "status": "duplicate" if same else "conflict",
                           "reason": "" if same else messages.CONFLICT, "details": None, "payload": raw,
                           "username": username, "created_at": now})
        insert_skipping_conflicts(ReceiptEvent, events, ReceiptEvent.id)
    return results


def clean(text) -> str:
    """Text any database keeps: no NUL, no lone surrogates."""
    return str(text).replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def log_rejection(raw: str, reason: str, details: dict | None, username: str) -> None:
    """A request that brought no valid receipt, with why."""
    transaction_id = None
    with contextlib.suppress(ValueError, AttributeError, TypeError, RecursionError):
        found = json.loads(raw).get("transaction_id")
        transaction_id = clean(found)[:100] if found is not None else None
    if details is not None:  # kept in the project's language, as the 400 said them by default
        details = {clean(name): [clean(translate(m, DEFAULT_LANGUAGE))
                                 for m in (found if isinstance(found, list) else [found])]
                   for name, found in details.items()}
    ReceiptEvent.create(transaction_id=transaction_id, status="rejected", reason=clean(reason)[:2000],
                        details=details, payload=clean(raw[:PAYLOAD_LIMIT]), username=username)


# --- relay -----------------------------------------------------------------------------------------

class RelayFailed(Exception):
    pass


def publish_outbox(producer, limit: int = 500, wait: float | None = None) -> int:
    """Publish the oldest unsent outbox rows, in id order, key place_id; mark those Kafka
    acknowledged. Answers how many. Waits for every send to conclude (delivered or failed after the
    producer's delivery timeout), so a row is marked only when Kafka has it, and re-sent only when it
    failed. One relay at a time publishes (an advisory lock on PostgreSQL; one process on SQLite)."""
    from server.kafka import delivery_timeout_ms

    wait = wait if wait is not None else delivery_timeout_ms() / 1000 + 5
    holding = contextlib.nullcontext() if is_sqlite() else database.atomic()
    with holding:
        if not is_sqlite():
            locked, = database.execute_sql("SELECT pg_try_advisory_xact_lock(%s)", (RELAY_LOCK,)).fetchone()
            if not locked:
                return 0
        rows = list(Outbox.select(Outbox.id, Outbox.topic, Outbox.key, Outbox.payload)
                    .where(Outbox.sent_at.is_null()).order_by(Outbox.id).limit(limit))
        if not rows:
            return 0
        sent, failed, error = [], [], None
        for row in rows:
            try:
                future = producer.send(row.topic, key=row.key.encode(), value=row.payload.encode())
            except Exception as refused:  # noqa: BLE001 -- kafka-python raises its own and OSErrors
                failed.append(row.id)
                error = error or refused
                continue
            sent.append((row.id, future))
        delivered = []
        for row_id, future in sent:
            try:
                future.get(timeout=wait)
                delivered.append(row_id)
            except Exception as failure:  # noqa: BLE001
                failed.append(row_id)
                error = error or failure
        now = utcnow()
        if delivered:
            Outbox.update(sent_at=now, last_error=None).where(Outbox.id.in_(delivered)).execute()
        if failed:
            Outbox.update(attempts=Outbox.attempts + 1, last_error=str(error)[:2000] or type(error).__name__).where(
                Outbox.id.in_(failed)).execute()
    if error is not None:
        raise RelayFailed(f"{len(failed)} of {len(rows)} not published: {error!r}")
    return len(delivered)


def resend_unprocessed() -> int:
    """The embedded profile's bus lives in the server's memory: what it held unconsumed when the server
    stopped is gone. Outbox rows sent but never processed are published again (the consumer's marks
    make a repeat harmless). Answers how many."""
    processed = ProcessedMessage.select(ProcessedMessage.id)
    return (Outbox.update(sent_at=None)
            .where(Outbox.sent_at.is_null(False), Outbox.message_id.not_in(processed)).execute())


def outbox_status() -> dict:
    unsent = Outbox.select().where(Outbox.sent_at.is_null())
    oldest = unsent.order_by(Outbox.id).first()
    now = utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "unsent": unsent.count(),
        "oldest_unsent_at": oldest.created_at if oldest else None,
        "lag_seconds": (now - oldest.created_at).total_seconds() if oldest else 0.0,
        "last_error": oldest.last_error if oldest else None,
        "sent": Outbox.select().where(Outbox.sent_at.is_null(False)).count(),
        "dead_letters": DeadLetter.select().count(),
        "receipts_today": Receipt.select().where(Receipt.stored_at >= midnight).count(),
    }


# --- consumer --------------------------------------------------------------------------------------

def hour_of(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)


def _text(data: dict, name: str, limit: int = 100) -> str:
    value = data[name]
    if not isinstance(value, str) or not 0 < len(value) <= limit or "\x00" in value:
        raise ValueError(f"{name}: a string of 1 to {limit} characters")
    return value


PLAIN_DECIMAL = {places: re.compile(rf"[0-9]+(?:\.[0-9]{{1,{places}}})?") for places in (2, 3)}


def _decimal(data: dict, name: str, places: int, positive: bool = False) -> decimal.Decimal:
    value = data[name]
    if type(value) is str and PLAIN_DECIMAL[places].fullmatch(value):  # the relay's form: the quick way
        number = decimal.Decimal(value)
        if positive and not number:
            raise ValueError(f"{name}: a positive decimal, {places} places at most")
        return number
    if isinstance(value, (bool, float)) or not isinstance(value, (str, int, decimal.Decimal)):
        raise ValueError(f"{name}: a decimal")
    number = decimal.Decimal(value)
    if (not number.is_finite() or number < 0 or (positive and number == 0)
            or number != number.quantize(decimal.Decimal(1).scaleb(-places))):
        raise ValueError(f"{name}: {'a positive' if positive else 'a non-negative'} decimal, {places} places at most")
    return number


def parse(value: bytes) -> dict:
    """A message's receipt, held to the intake's rules (the relay publishes what the intake validated,
    in `message_of`'s form); ValueError when it is not one. Written out rather than through the
    marshmallow schema, which would cost the consumer most of its time."""
    try:
        data = json.loads(value.decode("utf-8"), parse_float=decimal.Decimal)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ValueError(f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError("not JSON: not an object")
    try:
        timestamp = dt.datetime.fromisoformat(_text(data, "timestamp", 40))
        if timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=dt.timezone.utc)
        if not isinstance(data["items"], list) or not 0 < len(data["items"]) <= 1000:
            raise ValueError("items: 1 to 1000 items")
        items = []
        for item in data["items"]:
            if not isinstance(item, dict):
                raise ValueError("items: objects")
            items.append({"product_id": _text(item, "product_id"), "category": _text(item, "category"),
                          "quantity": _decimal(item, "quantity", 3, positive=True),
                          "price": _decimal(item, "price", 2)})
        receipt = {
            "transaction_id": _text(data, "transaction_id"), "timestamp": timestamp.astimezone(dt.timezone.utc),
            "place_id": _text(data, "place_id"), "place_name": _text(data, "place_name", 255),
            "items": items, "total_amount": _decimal(data, "total_amount", 2),
            "vat_amount": _decimal(data, "vat_amount", 2), "tips_amount": _decimal(data, "tips_amount", 2),
            "payment_method": _text(data, "payment_method", 50),
        }
    except KeyError as missing:
        raise ValueError(f"not a receipt: {missing.args[0]} is missing") from None
    except (ValueError, TypeError, decimal.InvalidOperation, OverflowError) as error:
        raise ValueError(f"not a receipt: {error}") from None
    if receipt["total_amount"] != exact_total(items):
        raise ValueError(f"not a receipt: total_amount is not {exact_total(items)}")
    return receipt


def store_messages(records) -> dict:
    """Store a batch of consumed messages in one transaction: each new receipt with its place
    (created on first sight), its items, its processed-message mark and its hours' figures. A
    message whose transaction id is marked already changes nothing; one that cannot be parsed goes to
    the dead letters. Answers counts: stored, duplicates, dead."""
    receipts, dead, marks = {}, [], []
    now = naive(utcnow())
    for record in records:
        try:
            receipt = parse(record.value)
        except ValueError as error:
            dead.append({"topic": record.topic, "partition": record.partition, "offset": record.offset,
                         "key": record.key.decode("utf-8", "replace") if record.key else None,
                         "value": record.value.decode("utf-8", "replace").replace("\x00", ""),
                         "error": str(error)[:2000]})
            continue
        if receipt["transaction_id"] not in receipts:
            receipts[receipt["transaction_id"]] = receipt
            marks.append((receipt["transaction_id"], record.topic, record.partition, record.offset, now))
    with database.atomic():
        if dead:
            DeadLetter.insert_many(dead).on_conflict_ignore().execute()
        marks.sort()  # one order for every consumer: concurrent batches never deadlock on the marks
        fresh = {transaction_id for transaction_id, in insert_rows(
            ProcessedMessage, ("id", "topic", "partition", "offset", "processed_at"), marks,
            "ON CONFLICT DO NOTHING", returning="id")} if marks else set()
        stored = [receipts[transaction_id] for transaction_id in sorted(fresh)]
        if stored:
            store_receipts(stored, now)
    for each in dead:
        log.warning("dead letter %s/%s@%s: %s", each["topic"], each["partition"], each["offset"], each["error"])
    return {"stored": len(stored), "duplicates": len(records) - len(dead) - len(stored), "dead": len(dead)}


def naive(moment: dt.datetime) -> dt.datetime:
    """A UTC moment as the UTCDateTimeFields store it (naive UTC)."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def store_receipts(receipts: list[dict], now: dt.datetime | None = None) -> None:
    """Within the caller's transaction: places, receipts, items, and the hours' figures added to, each
    in one multi-row statement (a few for a large batch on SQLite)."""
    now = now or naive(utcnow())
    places = {}
    for receipt in receipts:
        places.setdefault(receipt["place_id"], receipt["place_name"])
    insert_rows(Place, ("id", "name", "created_at"),
                [(place_id, name, now) for place_id, name in sorted(places.items())], "ON CONFLICT DO NOTHING")
    rows, place_hours, category_hours = [], {}, {}
    for r in receipts:
        timestamp = r["timestamp"].replace(tzinfo=None)  # parse() gave it in UTC
        r["_hour"] = hour = timestamp.replace(minute=0, second=0, microsecond=0)
        rows.append((r["transaction_id"], r["place_id"], timestamp, hour, r["total_amount"], r["vat_amount"],
                     r["tips_amount"], r["payment_method"], now))
    ids = dict(insert_rows(Receipt, ("transaction_id", "place", "timestamp", "hour", "total_amount", "vat_amount",
                                     "tips_amount", "payment_method", "stored_at"), rows,
                           "ON CONFLICT DO NOTHING", returning="transaction_id, id"))
    items = []
    for receipt in receipts:
        receipt_id = ids.get(receipt["transaction_id"])
        if receipt_id is None:  # stored before without a mark (cannot happen: the mark is in its transaction)
            continue
        figures = place_hours.get((receipt["place_id"], receipt["_hour"]))
        if figures is None:
            place_hours[(receipt["place_id"], receipt["_hour"])] = [
                1, receipt["total_amount"], receipt["vat_amount"], receipt["tips_amount"]]
        else:
            figures[0] += 1
            figures[1] += receipt["total_amount"]
            figures[2] += receipt["vat_amount"]
            figures[3] += receipt["tips_amount"]
        spent = {}
        for item in receipt["items"]:
            amount = line_amount(item["price"], item["quantity"])
            spent[item["category"]] = spent.get(item["category"], 0) + amount
            items.append((receipt_id, item["product_id"], item["category"], item["quantity"], item["price"], amount))
        for category, amount in spent.items():
            key = (receipt["place_id"], receipt["_hour"], category)
            figures_c = category_hours.get(key)
            if figures_c is None:
                category_hours[key] = [amount, 1]
            else:
                figures_c[0] += amount
                figures_c[1] += 1
    if items:
        copy_rows(ReceiptItem, ("receipt", "product_id", "category", "quantity", "price", "amount"), items)
    upsert_rows(PlaceHour, ("place", "hour"), ("purchases", "total", "vat", "tips"),
                [(*key, *f) for key, f in sorted(place_hours.items())], replace=False)
    upsert_rows(CategoryHour, ("place", "hour", "category"), ("total_spent", "receipts"),
                [(*key, *f) for key, f in sorted(category_hours.items())], replace=False)


def insert_rows(model, names: tuple[str, ...], rows: list[tuple], suffix: str = "",
                returning: str | None = None) -> list[tuple]:
    """INSERT `rows` (tuples of the fields `names`, datetimes naive UTC) in one statement, `suffix`
    (an ON CONFLICT clause) after the VALUES; answers the `returning` columns of the rows inserted.
    PostgreSQL: psycopg2's execute_values, which quotes each row in C, with the values as they are
    (no peewee field conversion, which cost the consumer more than the database); SQLite: each value
    through its field, in statements of at most MAX_STATEMENT_PARAMS parameters."""
    if not rows:
        return []
    fields = [model._meta.fields[name] for name in names]
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    tail = f" RETURNING {returning}" if returning else ""
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES %s {suffix}{tail}'
    if not is_sqlite():
        from psycopg2.extras import execute_values

        cursor = database.cursor()
        found = execute_values(cursor, sql, rows, page_size=len(rows), fetch=bool(returning))
        return found if returning else []
    row_params = "(" + ", ".join(["?"] * len(fields)) + ")"
    per_statement = MAX_STATEMENT_PARAMS // len(fields)
    found = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        cursor = database.execute_sql(sql.replace("%s", ", ".join([row_params] * len(chunk)), 1),
                                      [field.db_value(value) for row in chunk for field, value in zip(fields, row)])
        if returning:
            found += cursor.fetchall()
    return found


COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_rows(model, names: tuple[str, ...], rows: list[tuple]) -> None:
    """insert_rows with no conflict to handle and nothing to answer: on PostgreSQL by COPY (text
    format, written here), which costs both sides a fraction of an INSERT's VALUES."""
    if not rows:
        return
    if is_sqlite():
        insert_rows(model, names, rows)
        return
    columns = ", ".join(f'"{model._meta.fields[name].column_name}"' for name in names)
    text = "".join("\t".join(value.translate(COPY_ESCAPES) if type(value) is str else "\\N" if value is None
                             else str(value) for value in row) + "\n" for row in rows)
    database.cursor().copy_expert(f'COPY "{model._meta.table_name}" ({columns}) FROM STDIN', io.StringIO(text))


def upsert_rows(model, keys: tuple[str, ...], values: tuple[str, ...], rows: list[tuple], replace: bool) -> None:
    """Insert rows (tuples of `keys` then `values`), or on a clash of `keys` add their `values` to the
    row there (`replace`: put them in its place): one statement for all the hours a batch touched."""
    table = model._meta.table_name
    conflict = ", ".join(f'"{model._meta.fields[name].column_name}"' for name in keys)
    updates = ", ".join(
        f'"{c}" = EXCLUDED."{c}"' if replace else f'"{c}" = "{table}"."{c}" + EXCLUDED."{c}"'
        for c in (model._meta.fields[name].column_name for name in values))
    insert_rows(model, (*keys, *values), rows, f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}")


def upsert(model, rows: list[dict], keys: tuple[str, ...], values: tuple[str, ...], replace: bool) -> None:
    """upsert_rows for rows as dicts of field names (datetimes aware or naive UTC)."""
    names = (*keys, *values)
    upsert_rows(model, keys, values, [tuple(naive(row[name]) if isinstance(row[name], dt.datetime) else row[name]
                                            for name in names) for row in rows], replace)


def add_place_hours(rows: list[dict], replace: bool = False) -> None:
    """Upsert hourly figures: added to what is there (the consumer), or put in its place (recompute)."""
    upsert(PlaceHour, rows, ("place", "hour"), ("purchases", "total", "vat", "tips"), replace)


def add_category_hours(rows: list[dict], replace: bool = False) -> None:
    upsert(CategoryHour, rows, ("place", "hour", "category"), ("total_spent", "receipts"), replace)


# --- hourly recompute (Celery beat) ----------------------------------------------------------------

def hours_to_recompute(recent_hours: int = 3, since: dt.datetime | None = None) -> list[dt.datetime]:
    """The last `recent_hours` hours, and every hour a receipt stored since `since` (a late one)
    belongs to."""
    now = utcnow()
    hours = {hour_of(now) - dt.timedelta(hours=n) for n in range(recent_hours)}
    since = since or now - dt.timedelta(hours=recent_hours)
    hours.update(hour for hour, in Receipt.select(Receipt.hour).where(Receipt.stored_at >= since)
                 .distinct().tuples())
    return sorted(hours)


def recompute_hours(hours: list[dt.datetime]) -> int:
    """Recompute those hours' figures from the stored receipts; correct and log the ones that drifted.
    Answers how many rows were corrected."""
    if not hours:
        return 0
    corrected = 0
    with database.atomic():
        if not is_sqlite():  # consumers adding to these hours wait until the corrected figures are in
            database.execute_sql(
                "SELECT 1 FROM analytics_place_hour WHERE hour IN (%s) FOR UPDATE" % ",".join(["%s"] * len(hours)),
                [PlaceHour.hour.db_value(h) for h in hours])
        truth = {(place, hour): (n, total, vat, tips) for place, hour, n, total, vat, tips in (
            Receipt.select(Receipt.place, Receipt.hour, peewee.fn.COUNT(Receipt.id), peewee.fn.SUM(Receipt.total_amount),
                           peewee.fn.SUM(Receipt.vat_amount), peewee.fn.SUM(Receipt.tips_amount))
            .where(Receipt.hour.in_(hours)).group_by(Receipt.place, Receipt.hour).tuples())}
        kept = {(r.place_id, r.hour): (r.purchases, dec(r.total), dec(r.vat), dec(r.tips))
                for r in PlaceHour.select().where(PlaceHour.hour.in_(hours))}
        fixes = []
        for key in truth.keys() | kept.keys():
            right = truth.get(key, (0, 0, 0, 0))
            right = (right[0], *(dec(v) for v in right[1:]))
            if kept.get(key) != right:
                log.warning("analytics drift at %s %s: kept %s, receipts say %s", key[0], key[1].isoformat(),
                            kept.get(key), right)
                fixes.append({"place": key[0], "hour": key[1], "purchases": right[0], "total": right[1],
                              "vat": right[2], "tips": right[3]})
        if fixes:
            add_place_hours(sorted(fixes, key=lambda r: (r["place"], r["hour"])), replace=True)
        corrected += len(fixes)

        truth_c = {(place, hour, category): (spent, n) for place, hour, category, spent, n in (
            ReceiptItem.select(Receipt.place, Receipt.hour, ReceiptItem.category, peewee.fn.SUM(ReceiptItem.amount),
                               peewee.fn.COUNT(peewee.fn.DISTINCT(Receipt.id)))
            .join(Receipt).where(Receipt.hour.in_(hours))
            .group_by(Receipt.place, Receipt.hour, ReceiptItem.category).tuples())}
        kept_c = {(r.place_id, r.hour, r.category): (dec(r.total_spent), r.receipts)
                  for r in CategoryHour.select().where(CategoryHour.hour.in_(hours))}
        fixes = []
        for key in truth_c.keys() | kept_c.keys():
            spent, n = truth_c.get(key, (0, 0))
            right = (dec(spent), n)
            if kept_c.get(key) != right:
                log.warning("analytics drift at %s %s %s: kept %s, receipts say %s", key[0], key[1].isoformat(),
                            key[2], kept_c.get(key), right)
                fixes.append({"place": key[0], "hour": key[1], "category": key[2], "total_spent": right[0],
                              "receipts": right[1]})
        if fixes:
            add_category_hours(sorted(fixes, key=lambda r: (r["place"], r["hour"], r["category"])), replace=True)
        corrected += len(fixes)
    return corrected


# --- reading the figures ---------------------------------------------------------------------------

def dec(value) -> decimal.Decimal:
    """A sum from the database as an exact decimal to kopecks (SQLite's SUM over NUMERIC is a float)."""
    return decimal.Decimal(str(value or 0)).quantize(KOPECK, rounding=decimal.ROUND_HALF_UP)


def average(total, count) -> decimal.Decimal:
    if not count:
        return decimal.Decimal("0.00")
    return (decimal.Decimal(total) / count).quantize(KOPECK, rounding=decimal.ROUND_HALF_UP)


def money_text(value) -> str:
    return str(dec(value))


def period_filter(model, params: dict) -> list:
    conditions = []
    if params.get("from_"):
        conditions.append(model.hour >= hour_of(params["from_"]))
    if params.get("to"):
        conditions.append(model.hour < params["to"])
    if params.get("place_id"):
        conditions.append(model.place == params["place_id"])
    return conditions


def figures(n, total, vat, tips, categories: dict) -> dict:
    return {
        "total_purchases": n,
        "total_amount": money_text(total),
        "average_receipt": str(average(dec(total), n)),
        "taxes_amount": {"total_vat": money_text(vat), "total_tips": money_text(tips)},
        "category_analytics": {
            category: {"total_spent": money_text(spent), "average_receipt": str(average(dec(spent), count)),
                       "receipts": count}
            for category, (spent, count) in sorted(categories.items())},
    }


HOUR = dt.timedelta(hours=1)


def split_period(start: dt.datetime | None, end: dt.datetime | None) -> tuple[tuple | None, list[tuple]]:
    """[start, end) as the whole hours inside it (from, to; None when there are none; either end open
    when the period is) and the parts of an hour left at either end (each inside one hour)."""
    first = None if start is None else hour_of(start) + (HOUR if start != hour_of(start) else dt.timedelta())
    last = None if end is None else hour_of(end)
    if first is not None and last is not None and first > last:
        return None, [(start, end)]  # the whole period inside one hour
    whole = None if first is not None and first == last else (first, last)
    parts = [(a, b) for a, b in ((start, first), (last, end)) if a is not None and b is not None and a < b]
    return whole, parts


def hourly_sums(whole: tuple, place_id: str | None):
    """(place, name, purchases, total, vat, tips) and (place, category, spent, receipts) over whole hours."""
    params = {"from_": whole[0], "to": whole[1], "place_id": place_id}
    places = (PlaceHour.select(PlaceHour.place, Place.name, peewee.fn.SUM(PlaceHour.purchases),
                               peewee.fn.SUM(PlaceHour.total), peewee.fn.SUM(PlaceHour.vat),
                               peewee.fn.SUM(PlaceHour.tips))
              .join(Place).where(*period_filter(PlaceHour, params) or [ALL])
              .group_by(PlaceHour.place, Place.name).tuples())
    categories = (CategoryHour.select(CategoryHour.place, CategoryHour.category,
                                      peewee.fn.SUM(CategoryHour.total_spent), peewee.fn.SUM(CategoryHour.receipts))
                  .where(*period_filter(CategoryHour, params) or [ALL])
                  .group_by(CategoryHour.place, CategoryHour.category).tuples())
    return list(places), list(categories)


def receipt_sums(start: dt.datetime, end: dt.datetime, place_id: str | None):
    """The same two sums over the receipts themselves, for a part of one hour."""
    conditions = [Receipt.hour == hour_of(start), Receipt.timestamp >= start, Receipt.timestamp < end]
    if place_id:
        conditions.append(Receipt.place == place_id)
    places = (Receipt.select(Receipt.place, Place.name, peewee.fn.COUNT(Receipt.id),
                             peewee.fn.SUM(Receipt.total_amount), peewee.fn.SUM(Receipt.vat_amount),
                             peewee.fn.SUM(Receipt.tips_amount))
              .join(Place).where(*conditions).group_by(Receipt.place, Place.name).tuples())
    categories = (ReceiptItem.select(Receipt.place, ReceiptItem.category, peewee.fn.SUM(ReceiptItem.amount),
                                     peewee.fn.COUNT(Receipt.id.distinct()))
                  .join(Receipt).where(*conditions).group_by(Receipt.place, ReceiptItem.category).tuples())
    return list(places), list(categories)


def zero_figures() -> list:
    """[purchases, total, vat, tips]"""
    return [0, decimal.Decimal(0), decimal.Decimal(0), decimal.Decimal(0)]


def zero_category() -> list:
    """[spent, receipts containing it]"""
    return [decimal.Decimal(0), 0]


def added_up(sums: list[tuple]) -> tuple[dict, dict, dict]:
    """The sums of several spans of time, place by place: its name, its zero_figures() and its
    categories' zero_category()."""
    names, per_place = {}, defaultdict(zero_figures)
    categories = defaultdict(lambda: defaultdict(zero_category))
    for place_rows, category_rows in sums:
        for place, name, n, total, vat, tips in place_rows:
            names[place] = name
            for i, value in enumerate((int(n or 0), dec(total), dec(vat), dec(tips))):
                per_place[place][i] += value
        for place, category, spent, count in category_rows:
            categories[place][category][0] += dec(spent)
            categories[place][category][1] += int(count or 0)
    return names, per_place, categories


def analytics(params: dict) -> dict:
    """The seed's structure for each place over [from, to), and the same overall. Whole hours come
    from the hourly figures, the part of an hour at either end from the receipts themselves, so the
    figures equal a direct computation for any period. Averages are a total ÷ its count, half up to
    kopecks."""
    place_id = params.get("place_id")
    whole, parts = split_period(params.get("from_"), params.get("to"))
    sums = [hourly_sums(whole, place_id)] if whole is not None else []
    names, per_place, categories = added_up(sums + [receipt_sums(start, end, place_id) for start, end in parts])
    places, overall, overall_categories = [], zero_figures(), defaultdict(zero_category)
    for place in sorted(per_place):
        places.append({"place_id": place, "place_name": names[place],
                       **figures(*per_place[place], {c: tuple(v) for c, v in categories[place].items()})})
        for i, value in enumerate(per_place[place]):
            overall[i] += value
        for category, (spent, count) in categories[place].items():
            overall_categories[category][0] += spent
            overall_categories[category][1] += count
    return {
        "period": {"from": params["from_"].isoformat() if params.get("from_") else None,
                   "to": params["to"].isoformat() if params.get("to") else None,
                   "place_id": place_id},
        "places": places,
        "overall": figures(*overall, {c: tuple(v) for c, v in overall_categories.items()}),
    }


def hours(params: dict) -> list[dict]:
    """Each place's figures hour by hour over the period (the dashboard's chart)."""
    rows = (PlaceHour.select().where(*period_filter(PlaceHour, params) or [ALL])
            .order_by(PlaceHour.hour, PlaceHour.place).limit(20000))
    return [{"place_id": r.place_id, "hour": r.hour, "purchases": r.purchases, "total": money_text(r.total),
             "vat": money_text(r.vat), "tips": money_text(r.tips)} for r in rows]


def places_query(params: dict):
    """Places with their totals over all time."""
    n = peewee.fn.COALESCE(peewee.fn.SUM(PlaceHour.purchases), 0)
    total = peewee.fn.COALESCE(peewee.fn.SUM(PlaceHour.total), 0)
    query = (Place.select(Place, n.alias("total_purchases"), total.alias("total_amount"))
             .join(PlaceHour, peewee.JOIN.LEFT_OUTER).group_by(Place.id))
    if params.get("search"):
        query = query.where(Place.name.contains(params["search"]) | Place.id.contains(params["search"]))
    if params.get("place_id"):
        query = query.where(Place.id == params["place_id"])
    if params.get("place_name"):
        query = query.where(Place.name.contains(params["place_name"]))
    return query


def with_average(place: Place) -> Place:
    place.total_purchases = int(place.total_purchases or 0)
    place.total_amount = dec(place.total_amount)
    place.average_receipt = average(place.total_amount, place.total_purchases)
    return place


def get_place(place_id: str) -> Place | None:
    place = places_query({}).where(Place.id == place_id).first()
    return with_average(place) if place else None


def events_query(params: dict):
    query = ReceiptEvent.select()
    if params.get("status"):
        query = query.where(ReceiptEvent.status == params["status"])
    if params.get("transaction_id"):
        query = query.where(ReceiptEvent.transaction_id == params["transaction_id"])
    return query


def dead_letters_query(params: dict):
    return DeadLetter.select()
