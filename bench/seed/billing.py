"""The billing module's seeding: a house of N apartments with a cold and a hot meter each, six months of
readings before the billed month and the billed month's own, and general tariffs; and a billing run timed
inside the stack, with its SQL statements counted."""
import datetime as dt
import logging
import time

MONTH = dt.date(2026, 10, 1)
HISTORY = [dt.date(2026, m, 1) for m in range(4, 11)]  # April..October


def house(apartments: int, address: str) -> int:
    """The house's id. PostgreSQL: generate_series, a few statements whatever the size; SQLite: batches."""
    from server.billing.models import Apartment, House, MeterReading, Tariff, WaterMeter
    from server.db import database, init_database, is_sqlite

    init_database()
    with database.connection_context(), database.atomic():
        if not Tariff.select().exists():
            for kind, price in (("water_cold", "45.55"), ("water_hot", "205.15"), ("maintenance", "31.27")):
                Tariff.create(kind=kind, price=price, valid_from=dt.date(2026, 1, 1))
        home = House.create(address=address)
        if not is_sqlite():
            a, m, r = (Apartment._meta.table_name, WaterMeter._meta.table_name, MeterReading._meta.table_name)
            database.execute_sql(f"INSERT INTO {a} (house_id, number, area) SELECT %s, n::text, 30 + (n %% 70) "
                                 f"+ (n %% 100) / 100.0 FROM generate_series(1, %s) n", (home.id, apartments))
            database.execute_sql(
                f"INSERT INTO {m} (apartment_id, serial, kind, installed_at, initial_reading) "
                f"SELECT a.id, %s || '-' || a.number || '-' || k, k, DATE '2026-01-01', 0 "
                f"FROM {a} a CROSS JOIN (VALUES ('cold'), ('hot')) kinds(k) WHERE a.house_id = %s",
                (str(home.id), home.id))
            database.execute_sql(
                f"INSERT INTO {r} (meter_id, month, value, created_at) "
                f"SELECT m.id, (DATE '2026-04-01' + (i || ' month')::interval)::date, "
                f"(i + 1) * (2 + m.id %% 5) + (m.id %% 1000) / 1000.0, now() "
                f"FROM {m} m JOIN {a} a ON a.id = m.apartment_id CROSS JOIN generate_series(0, 6) i "
                f"WHERE a.house_id = %s AND NOT (i = 6 AND m.id %% 10 = 0)", (home.id,))
            database.execute_sql(f"ANALYZE {a}; ANALYZE {m}; ANALYZE {r}")
            return home.id
        rows = [{"house": home.id, "number": str(n), "area": f"{30 + n % 70}.{n % 100:02d}"}
                for n in range(1, apartments + 1)]
        for start in range(0, len(rows), 5000):
            Apartment.insert_many(rows[start:start + 5000]).execute()
        ids = [i for i, in Apartment.select(Apartment.id).where(Apartment.house == home.id).tuples()]
        meters = [{"apartment": i, "serial": f"{home.id}-{i}-{k}", "kind": k, "installed_at": dt.date(2026, 1, 1),
                   "initial_reading": 0} for i in ids for k in ("cold", "hot")]
        for start in range(0, len(meters), 5000):
            WaterMeter.insert_many(meters[start:start + 5000]).execute()
        meter_ids = [i for i, in WaterMeter.select(WaterMeter.id).join(Apartment)
                     .where(Apartment.house == home.id).tuples()]
        readings = [{"meter": i, "month": month, "value": (n + 1) * (2 + i % 5)}
                    for i in meter_ids for n, month in enumerate(HISTORY) if not (n == 6 and i % 10 == 0)]
        for start in range(0, len(readings), 5000):
            MeterReading.insert_many(readings[start:start + 5000]).execute()
        return home.id


def run(house_id: int, apartments: int) -> dict:
    """One billing run of the house for October, as the Celery task runs it: seconds and SQL statements."""
    from server.billing import service
    from server.billing.models import Bill, BillingRun
    from server.db import database, init_database
    from server.settings import settings

    init_database()
    statements = []
    handler = logging.Handler()
    handler.emit = statements.append
    logger = logging.getLogger("peewee")
    with database.connection_context():
        billing_run = BillingRun.create(house=house_id, month=MONTH, total=apartments)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        started = time.perf_counter()
        status = service.process_run(billing_run.id)
        seconds = time.perf_counter() - started
        logger.removeHandler(handler)
        bills = Bill.select().where(Bill.run == billing_run.id).count()
        estimated = sum(1 for lines, in Bill.select(Bill.lines).where(Bill.run == billing_run.id).tuples()
                        if any(line["flag"] == "estimated" for line in lines))
    return {"status": status, "seconds": seconds, "statements": len(statements), "bills": bills,
            "estimated": estimated, "chunk_size": settings.billing_chunk_size}
