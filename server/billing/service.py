"""Billing logic: houses with their apartments and meters, readings, tariffs, bills, and the billing
runs that calculate a house's bills for a month in chunks, resumably. No Tornado here."""
import datetime as dt
import json
import logging
from decimal import Decimal

import peewee

from server.billing import messages
from server.billing.calculation import HISTORY_MONTHS, Meter, add_months, apartment_bill, litres
from server.billing.models import (
    ACTIVE_RUN_STATUSES, TARIFF_KINDS, Apartment, Bill, BillingRun, House, MeterReading, Tariff, WaterMeter,
)
from server.db import database, insert_skipping_conflicts, is_sqlite, locked, paginate, utcnow
from server.events import events
from server.settings import settings
from server.worker import QueueUnavailable, enqueue

log = logging.getLogger("server.billing")

RUN_TASK = "billing.run"
STALE_RUN_SECONDS = 60  # a running run that has not moved for this long is queued again on a new start


class BillingError(Exception):
    """A refusal whose message the client sees as it is."""

    message = ""

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)


class Conflict(BillingError):
    pass


class Invalid(BillingError):
    """Bad input that the schemas could not see (it needs the database); `details` names the fields."""

    def __init__(self, message: str, details: dict | None = None):
        super().__init__(message)
        self.details = details or {}


class NoSuchHouse(BillingError):
    message = messages.NO_SUCH_HOUSE


class AddressTaken(Conflict):
    message = messages.ADDRESS_TAKEN


class HouseHasBills(Conflict):
    message = messages.HOUSE_HAS_BILLS


class TariffTaken(Conflict):
    message = messages.TARIFF_TAKEN


def run_topic(run_id: int) -> str:
    return f"billing-run:{run_id}"


def month_name(month: dt.date) -> str:
    return month.strftime("%Y-%m")


# Houses.

def houses_query(params: dict) -> peewee.Select:
    """Houses with their apartment counts; `search` in the address."""
    count = (Apartment.select(peewee.fn.COUNT(Apartment.id)).where(Apartment.house == House.id))
    query = House.select(House, count.alias("apartment_count"))
    if params.get("search"):
        query = query.where(House.address.contains(params["search"]))
    return query


def create_house(values: dict) -> int:
    """A house with its apartments and their meters, in one transaction (a few statements, whatever the
    number of apartments)."""
    apartments = values.get("apartments", [])
    check_body(apartments)
    with database.atomic():
        try:
            with database.atomic():
                house = House.create(address=values["address"])
        except peewee.IntegrityError:
            raise AddressTaken() from None
        add_apartments(house.id, apartments)
    return house.id


def check_body(apartments: list[dict]) -> None:
    """Apartment numbers and meter serials repeated within one body are refused (400), naming them."""
    numbers = [a["number"] for a in apartments]
    if len(set(numbers)) != len(numbers):
        duplicate = [i for i, n in enumerate(numbers) if n in numbers[:i]]
        raise Invalid(messages.DUPLICATE_APARTMENT, {f"apartments.{i}.number": [messages.DUPLICATE_APARTMENT]
                                                     for i in duplicate})
    serials = [(i, j, meter["serial"]) for i, apartment in enumerate(apartments)
               for j, meter in enumerate(apartment.get("meters", []))]
    seen, repeated = set(), {}
    for i, j, serial in serials:
        if serial in seen:
            repeated[f"apartments.{i}.meters.{j}.serial"] = [messages.DUPLICATE_SERIAL]
        seen.add(serial)
    if repeated:
        raise Invalid(messages.DUPLICATE_SERIAL, repeated)


def add_apartments(house_id: int, apartments: list[dict]) -> None:
    if not apartments:
        return
    rows = [{"house": house_id, "number": a["number"], "area": a["area"]} for a in apartments]
    try:
        with database.atomic():
            ids = insert_skipping_conflicts(Apartment, rows, Apartment.id)
    except peewee.IntegrityError:
        raise Conflict(messages.APARTMENT_TAKEN) from None
    if len(ids) != len(rows):
        raise Conflict(messages.APARTMENT_TAKEN)
    by_number = dict(Apartment.select(Apartment.number, Apartment.id)
                     .where(Apartment.house == house_id, Apartment.id.in_(ids)).tuples())
    meters = [{"apartment": by_number[apartment["number"]], **meter}
              for apartment in apartments for meter in apartment.get("meters", [])]
    add_meters(meters)


def add_meters(meters: list[dict]) -> list[int]:
    if not meters:
        return []
    rows = [{"apartment": m["apartment"], "serial": m["serial"], "kind": m["kind"],
             "installed_at": m.get("installed_at"), "initial_reading": m.get("initial_reading", Decimal(0)),
             "removed_at": m.get("removed_at")} for m in meters]
    with database.atomic():
        ids = insert_skipping_conflicts(WaterMeter, rows, WaterMeter.id)
    if len(ids) != len(rows):
        taken = [s for s, in WaterMeter.select(WaterMeter.serial).where(
            WaterMeter.serial.in_([r["serial"] for r in rows]), WaterMeter.id.not_in(ids)).tuples()]
        raise Conflict(messages.SERIAL_TAKEN.format(serials=", ".join(taken[:10])))
    return ids


def edit_house(house: House, values: dict) -> int:
    check_body(values.get("apartments", []))
    with database.atomic():
        if "address" in values:
            try:
                with database.atomic():
                    House.update(address=values["address"]).where(House.id == house.id).execute()
            except peewee.IntegrityError:
                raise AddressTaken() from None
        add_apartments(house.id, values.get("apartments", []))
    return house.id


def delete_house(house: House) -> None:
    """A house without bills goes with its apartments, meters, readings, tariffs and runs."""
    with database.atomic():
        if Bill.select().where(Bill.house == house.id).exists():
            raise HouseHasBills()
        try:
            with database.atomic():
                deleted = House.delete().where(House.id == house.id).execute()
        except peewee.IntegrityError:  # a bill came in meanwhile
            raise HouseHasBills() from None
    if not deleted:  # another request deleted it first
        raise NoSuchHouse()


def house_detail(house_id: int) -> dict | None:
    """The house, its apartments with their meters (each with its latest reading) and each apartment's
    latest bill: five queries, whatever the size of the house."""
    house = House.get_or_none(House.id == house_id)
    if house is None:
        return None
    apartments = list(Apartment.select().where(Apartment.house == house_id).order_by(Apartment.id))
    house_meters = (WaterMeter.select(WaterMeter.id).join(Apartment).where(Apartment.house == house_id))
    meters = list(WaterMeter.select().join(Apartment).where(Apartment.house == house_id)
                  .order_by(WaterMeter.id))
    latest = (MeterReading.select(MeterReading.meter, peewee.fn.MAX(MeterReading.month).alias("last"))
              .where(MeterReading.meter.in_(house_meters)).group_by(MeterReading.meter).alias("latest"))
    readings = {r.meter_id: r for r in MeterReading.select().join(
        latest, on=((MeterReading.meter == latest.c.meter_id) & (MeterReading.month == latest.c.last)))}
    last_bill = (Bill.select(Bill.apartment, peewee.fn.MAX(Bill.month).alias("last"))
                 .where(Bill.house == house_id).group_by(Bill.apartment).alias("last_bill"))
    bills = {b.apartment_id: b for b in Bill.select().join(
        last_bill, on=((Bill.apartment == last_bill.c.apartment_id) & (Bill.month == last_bill.c.last)))}
    meters_of: dict[int, list] = {}
    for meter in meters:
        meter.latest_reading = readings.get(meter.id)
        meters_of.setdefault(meter.apartment_id, []).append(meter)
    for apartment in apartments:
        apartment.meter_list = meters_of.get(apartment.id, [])
        apartment.latest_bill = bills.get(apartment.id)
    latest_month = max((b.month for b in bills.values()), default=None)
    numbers = {a.id: a.number for a in apartments}
    latest_bills = [b for b in sorted(bills.values(), key=lambda b: b.apartment_id) if b.month == latest_month]
    for bill in latest_bills:
        bill.apartment_number = numbers.get(bill.apartment_id)
    return {"id": house.id, "address": house.address, "created_at": house.created_at,
            "apartment_count": len(apartments), "apartments": apartments,
            "latest_bill_month": latest_month, "latest_bills": latest_bills}


# Apartments and meters.

def edit_apartment(apartment: Apartment, values: dict) -> Apartment:
    for name, value in values.items():
        setattr(apartment, name, value)
    try:
        with database.atomic():
            apartment.save()
    except peewee.IntegrityError:
        raise Conflict(messages.APARTMENT_TAKEN) from None
    return apartment


def add_meter(apartment: Apartment, values: dict) -> WaterMeter:
    (meter_id,) = add_meters([{"apartment": apartment.id, **values}])
    return WaterMeter.get_by_id(meter_id)


def edit_meter(meter: WaterMeter, values: dict) -> WaterMeter:
    """Close a meter (`removed_at`) or correct it."""
    installed = values.get("installed_at", meter.installed_at)
    removed = values.get("removed_at", meter.removed_at)
    if removed is not None and installed is not None and removed < installed:
        raise Invalid(messages.REMOVED_BEFORE_INSTALLED, {"removed_at": [messages.REMOVED_BEFORE_INSTALLED]})
    for name, value in values.items():
        setattr(meter, name, value)
    try:
        with database.atomic():
            meter.save()
    except peewee.IntegrityError:
        raise Conflict(messages.SERIAL_TAKEN.format(serials=meter.serial)) from None
    return meter


# Readings.

def readings_query(params: dict) -> peewee.Select:
    query = MeterReading.select(MeterReading, WaterMeter).join(WaterMeter)
    if "meter_id" in params:
        query = query.where(MeterReading.meter == params["meter_id"])
    if "month" in params:
        query = query.where(MeterReading.month == params["month"])
    if "house" in params:
        query = query.join(Apartment).where(Apartment.house == params["house"])
    return query


def store_readings(rows: list[dict]) -> list[dict]:
    """Store the valid rows among `rows` (each {"meter_id" or "serial", "month", "value"}, already
    checked one by one by the schema) in one transaction; answer, row by row, {"stored": id} or
    {"error": why}. A reading sent again with the same value is answered as stored (its id): a batch
    retried after a lost answer gets the answer it would have had.

    A reading may not be below the meter's reading of an earlier month (nor its initial reading), nor
    above one of a later month: each meter's readings never go down. The meters concerned are locked
    (in id order) for the transaction, so two requests for the same meter are checked one after the
    other; the unique (meter, month) index refuses a month stored twice."""
    results: list[dict] = [{} for _ in rows]
    ids = {r["meter_id"] for r in rows if "meter_id" in r}
    serials = {r["serial"] for r in rows if "serial" in r}
    with database.atomic():
        meters = list(locked(WaterMeter.select().where(WaterMeter.id.in_(sorted(ids))
                                                      | WaterMeter.serial.in_(sorted(serials)))
                             .order_by(WaterMeter.id)))
        by_id = {m.id: m for m in meters}
        by_serial = {m.serial: m for m in meters}
        history: dict[int, dict] = {m.id: {} for m in meters}
        stored_ids: dict[tuple, int] = {}
        if meters:
            for reading_id, meter_id, month, value in (
                    MeterReading.select(MeterReading.id, MeterReading.meter, MeterReading.month, MeterReading.value)
                    .where(MeterReading.meter.in_(list(by_id))).tuples()):
                history[meter_id][month] = value
                stored_ids[(meter_id, month)] = reading_id
        accepted, taken = [], set()
        order = sorted(range(len(rows)), key=lambda i: (rows[i]["month"], i))
        for i in order:
            row = rows[i]
            meter = by_id.get(row["meter_id"]) if "meter_id" in row else by_serial.get(row["serial"])
            key = (meter.id, row["month"]) if meter is not None else None
            if key in stored_ids and key not in taken and history[meter.id][row["month"]] == row["value"]:
                taken.add(key)  # sent again as it is stored: the answer it had
                results[i] = {"stored": stored_ids[key], "meter_id": meter.id}
                continue
            error = reading_problem(meter, row, history, taken)
            if error:
                results[i] = {"error": error}
                continue
            taken.add((meter.id, row["month"]))
            history[meter.id][row["month"]] = row["value"]
            accepted.append((i, meter, row))
        if accepted:
            new = [{"meter": meter.id, "month": row["month"], "value": row["value"]}
                   for _, meter, row in accepted]
            MeterReading.insert_many(new).execute()  # the meters are locked: no one else adds theirs
            got = {(meter_id, month): reading_id for reading_id, meter_id, month in MeterReading.select(
                MeterReading.id, MeterReading.meter, MeterReading.month).where(
                MeterReading.meter.in_(sorted({meter.id for _, meter, _ in accepted})),
                MeterReading.month.in_(sorted({row["month"] for _, _, row in accepted}))).tuples()}
            for i, meter, row in accepted:
                results[i] = {"stored": got[(meter.id, row["month"])], "meter_id": meter.id}
    return results


def reading_problem(meter: WaterMeter | None, row: dict, history: dict, taken: set) -> str | None:
    if meter is None:
        return messages.READING_NO_METER
    month, value = row["month"], row["value"]
    if (meter.id, month) in taken:
        return messages.READING_DUPLICATE_ROW
    readings = history[meter.id]
    if month in readings:
        return messages.READING_EXISTS
    if meter.installed_at is not None and month < meter.installed_at.replace(day=1):
        return messages.READING_BEFORE_INSTALLED
    if meter.removed_at is not None and month > meter.removed_at:
        return messages.READING_AFTER_REMOVED
    if value < meter.initial_reading:
        return messages.READING_BELOW_INITIAL.format(initial=litres(meter.initial_reading))
    earlier = [m for m in readings if m < month]
    if earlier and value < readings[max(earlier)]:
        last = max(earlier)
        return messages.READING_LOWER.format(previous=litres(readings[last]), month=month_name(last))
    later = [m for m in readings if m > month]
    if later and value > readings[min(later)]:
        first = min(later)
        return messages.READING_HIGHER_THAN_NEXT.format(next=litres(readings[first]), month=month_name(first))
    return None


# Tariffs.

def tariffs_query(params: dict) -> peewee.Select:
    query = Tariff.select()
    if "kind" in params:
        query = query.where(Tariff.kind == params["kind"])
    if "house" in params:
        query = query.where(Tariff.house == params["house"])
    return query


def save_tariff(tariff: Tariff, values: dict) -> Tariff:
    for name, value in values.items():
        setattr(tariff, name, value)
    try:
        with database.atomic():
            tariff.save()
    except peewee.IntegrityError:
        raise TariffTaken() from None
    return tariff


def prices_for(house_id: int, month: dt.date) -> dict:
    """Each kind's price for the house and month: the latest `valid_from` on or before the month, the
    house's own tariff before the general one. One query."""
    prices: dict = {}
    query = (Tariff.select(Tariff.kind, Tariff.price, Tariff.house)
             .where(Tariff.valid_from <= month, (Tariff.house == house_id) | Tariff.house.is_null())
             .order_by(Tariff.valid_from.desc(), Tariff.id.desc()))
    for kind, price, house in query.tuples():
        if house is not None and (kind, True) not in prices:
            prices[(kind, True)] = price
        if house is None and (kind, False) not in prices:
            prices[(kind, False)] = price
    return {kind: prices.get((kind, True), prices.get((kind, False))) for kind in TARIFF_KINDS
            if (kind, True) in prices or (kind, False) in prices}


# Bills.

def bills_query(params: dict) -> peewee.Select:
    query = (Bill.select(Bill, Apartment).join(Apartment)
             .where(Bill.house == params["house_id"]))
    if "month" in params:
        query = query.where(Bill.month == params["month"])
    return query


def bill_totals(params: dict) -> dict:
    """The sums of the bills the list shows (all its pages)."""
    query = Bill.select(peewee.fn.COUNT(Bill.id), *(peewee.fn.ROUND(peewee.fn.SUM(column), 2) for column in (
        Bill.water_amount, Bill.maintenance_amount, Bill.total))).where(Bill.house == params["house_id"])
    if "month" in params:
        query = query.where(Bill.month == params["month"])
    count, *sums = query.tuples().first()
    names = ("water_amount", "maintenance_amount", "total")
    return {"bills": count, **{name: Decimal(str(value or 0)).quantize(Decimal("0.01"))
                               for name, value in zip(names, sums)}}


def all_bills(params: dict) -> list[Bill]:
    return list(bills_query(params).order_by(Apartment.id))


# Billing runs.

def runs_query(params: dict) -> peewee.Select:
    query = BillingRun.select(BillingRun, House).join(House)
    for name in ("house", "status", "month"):
        if name in params:
            query = query.where(getattr(BillingRun, name) == params[name])
    if params.get("active"):
        query = query.where(BillingRun.status.in_(ACTIVE_RUN_STATUSES))
    return query


def get_run(run_id: int) -> BillingRun | None:
    return BillingRun.get_or_none(BillingRun.id == run_id)


def start_run(house_id: int, month: dt.date, recalculate: bool = False) -> tuple[BillingRun, bool]:
    """(the run, whether it is new). A house has at most one pending or running run per month: the
    partial unique index refuses a second, so a start racing another gets the one that won."""
    for _ in range(5):
        total = Apartment.select().where(Apartment.house == house_id).count()
        now = utcnow()
        row = {"house": house_id, "month": month, "recalculate": recalculate, "status": "pending",
               "total": total, "processed": 0, "cursor": 0, "created_at": now, "updated_at": now}
        with database.atomic():
            created = insert_skipping_conflicts(BillingRun, [row], BillingRun.id)
        if created:
            run = get_run(created[0])
            queue_run(run)
            return get_run(run.id), True
        run = (BillingRun.select().where(BillingRun.house == house_id, BillingRun.month == month,
                                         BillingRun.status.in_(ACTIVE_RUN_STATUSES)).first())
        if run is not None:
            if (utcnow() - run.updated_at).total_seconds() > STALE_RUN_SECONDS:
                queue_run(run)  # its worker may have died with the task: running it twice is harmless
            return run, False
    raise RuntimeError("could not start or find the billing run")


def queue_run(run: BillingRun) -> None:
    try:
        enqueue(RUN_TASK, run.id)
    except QueueUnavailable as error:
        log.error("billing run %s could not be queued: %s", run.id, error)
        fail_run(run.id, messages.RUN_QUEUE_UNAVAILABLE.format(error=error))


def queue_unfinished_runs() -> list[int]:
    """Queue again the runs still pending or running (the embedded profile's queue lives in the
    server's memory); a run continues after its last committed chunk."""
    ids = [run_id for run_id, in BillingRun.select(BillingRun.id)
           .where(BillingRun.status.in_(ACTIVE_RUN_STATUSES)).tuples()]
    for run_id in ids:
        enqueue(RUN_TASK, run_id)
    return ids


def fail_run(run_id: int, error: str) -> None:
    now = utcnow()
    BillingRun.update(status="failed", error=error[:2000], finished_at=now, updated_at=now).where(
        BillingRun.id == run_id, BillingRun.status.in_(ACTIVE_RUN_STATUSES)).execute()
    events.publish(run_topic(run_id))


def process_run(run_id: int, chunk_size: int | None = None, inside_chunk=None) -> str:
    """Calculate the run's bills, chunk after chunk, from the one after its last committed chunk; answer
    the run's status. `inside_chunk(number)` is called before each chunk commits (tests use it to
    crash a run mid-way)."""
    chunk_size = chunk_size or settings.billing_chunk_size
    now = utcnow()
    started = BillingRun.update(status="running",
                                started_at=peewee.fn.COALESCE(BillingRun.started_at,
                                                              BillingRun.started_at.db_value(now)),
                                updated_at=now).where(
        BillingRun.id == run_id, BillingRun.status.in_(ACTIVE_RUN_STATUSES)).execute()
    if not started:
        run = get_run(run_id)
        return run.status if run else "missing"
    run = get_run(run_id)
    events.publish(run_topic(run_id))
    try:
        prices = prices_for(run.house_id, run.month)
        missing = missing_tariffs(run.house_id, run.month, prices)
        if missing:
            fail_run(run_id, "; ".join(messages.NO_TARIFF.format(kind=kind, month=month_name(run.month))
                                       for kind in missing))
            return "failed"
        number = 0
        while True:
            number += 1
            status = run_chunk(run_id, prices, chunk_size, number, inside_chunk)
            events.publish(run_topic(run_id))
            if status != "running":
                return status
    except Exception as error:  # a bug or a lost database: the run says so, and can be started again
        log.exception("billing run %s failed", run_id)
        fail_run(run_id, messages.RUN_INTERRUPTED.format(error=str(error)[:1000]))
        return "failed"


def missing_tariffs(house_id: int, month: dt.date, prices: dict) -> list[str]:
    query = active_meters(house_id, month).select(WaterMeter.kind).distinct()
    kinds = {f"water_{kind}" for kind, in query.tuples()}
    return sorted(kind for kind in kinds | {"maintenance"} if kind not in prices)


def active_meters(house_id: int, month: dt.date) -> peewee.Select:
    """The house's meters in service during the month: installed before its end, not removed before it."""
    return (WaterMeter.select().join(Apartment)
            .where(Apartment.house == house_id,
                   WaterMeter.installed_at.is_null() | (WaterMeter.installed_at < add_months(month, 1)),
                   WaterMeter.removed_at.is_null() | (WaterMeter.removed_at >= month)))


def run_chunk(run_id: int, prices: dict, chunk_size: int, number: int, inside_chunk=None) -> str:
    """One chunk in one transaction: the run's row locked and read, the next apartments, their meters
    and readings (three queries), the bills inserted in one statement (the month's bills of those
    apartments deleted first when recalculating), and the run's progress. Answers the run's status."""
    with database.atomic():
        run = locked(BillingRun.select().where(BillingRun.id == run_id)).first()
        if run is None or run.status != "running":
            return run.status if run else "missing"
        apartments = list(Apartment.select(Apartment.id, Apartment.area)
                          .where(Apartment.house == run.house_id, Apartment.id > run.cursor)
                          .order_by(Apartment.id).limit(chunk_size).tuples())
        now = utcnow()
        if not apartments:
            BillingRun.update(status="done", finished_at=now, updated_at=now).where(
                BillingRun.id == run_id).execute()
            return "done"
        last = apartments[-1][0]
        rows = chunk_bills(run, apartments, prices, now)
        if run.recalculate:
            Bill.delete().where(Bill.house == run.house_id, Bill.month == run.month,
                                Bill.apartment > run.cursor, Bill.apartment <= last).execute()
        insert_skipping_conflicts(Bill, rows, Bill.id)
        BillingRun.update(processed=BillingRun.processed + len(apartments), cursor=last,
                          updated_at=now).where(BillingRun.id == run_id).execute()
        if inside_chunk is not None:
            inside_chunk(number)
    return "running"


def select_rows(sql: str, params: list, ids: list[int]) -> list[tuple]:
    """Rows of a hot query written in SQL, `{ids}` in it being "column is one of `ids`" as one parameter
    (no statement that grows with the chunk: PostgreSQL's ANY(array), SQLite's json_each)."""
    if is_sqlite():
        condition, value = "IN (SELECT value FROM json_each(?))", json.dumps(ids)
        sql = sql.replace("%s", "?")
    else:
        condition, value = "= ANY(%s)", ids
    return database.execute_sql(sql.format(ids=condition), [value, *params]).fetchall()


def as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value[:10])


def as_decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


METERS_SQL = ("SELECT id, apartment_id, serial, kind, installed_at, initial_reading "
              f'FROM "{WaterMeter._meta.table_name}" '
              "WHERE apartment_id {ids} AND (installed_at IS NULL OR installed_at < %s) "
              "AND (removed_at IS NULL OR removed_at >= %s)")
READINGS_SQL = (f'SELECT meter_id, month, value FROM "{MeterReading._meta.table_name}" '
                "WHERE meter_id {ids} AND month >= %s AND month <= %s")
BEFORE_SQL = (f'SELECT r.meter_id, r.month, r.value FROM "{MeterReading._meta.table_name}" r JOIN '
              f'(SELECT meter_id, MAX(month) AS last FROM "{MeterReading._meta.table_name}" '
              "WHERE meter_id {ids} AND month < %s GROUP BY meter_id) b "
              "ON r.meter_id = b.meter_id AND r.month = b.last")


def chunk_bills(run: BillingRun, apartments: list, prices: dict, now) -> list[dict]:
    """The chunk's bills from four queries at most: its meters in service, their readings of this month
    and the one before; for the meters missing either, the readings of the seven months before and,
    for those with none there, their latest reading before the month. Each names the chunk's rows by
    their ids, so that it costs the chunk's size whatever the house's."""
    month = run.month
    meters: dict[int, Meter] = {}
    meters_of: dict[int, list[Meter]] = {}
    for meter_id, apartment_id, serial, kind, installed_at, initial in select_rows(
            METERS_SQL, [add_months(month, 1), month], [apartment_id for apartment_id, _ in apartments]):
        meter = Meter(meter_id, serial, kind, installed_at and as_date(installed_at), as_decimal(initial), {})
        meters[meter_id] = meter
        meters_of.setdefault(apartment_id, []).append(meter)

    def read(ids: list[int], since: dt.date, until: dt.date) -> None:
        for meter_id, reading_month, value in select_rows(READINGS_SQL, [since, until], ids):
            meters[meter_id].readings[as_date(reading_month)] = as_decimal(value)

    if meters:
        last_month = add_months(month, -1)
        read(list(meters), last_month, month)
        gaps = [m.id for m in meters.values() if month not in m.readings or last_month not in m.readings]
        if gaps:
            read(gaps, add_months(month, -HISTORY_MONTHS - 1), add_months(month, -2))
        older = [m.id for m in meters.values() if not any(r < month for r in m.readings)]
        if older:
            for meter_id, reading_month, value in select_rows(BEFORE_SQL, [month], older):
                meters[meter_id].previous = (as_date(reading_month), as_decimal(value))
    rows = []
    for apartment_id, area in apartments:
        bill = apartment_bill(area, meters_of.get(apartment_id, []), month, prices)
        rows.append({"apartment": apartment_id, "house": run.house_id, "month": month, "run": run.id,
                     "created_at": now, **bill})
    return rows


def paginate_bills(params: dict) -> tuple[list, int]:
    return paginate(bills_query(params), params)
