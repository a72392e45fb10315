"""The bill of one apartment for a month, from plain values: no database here.

Water, per meter: tariff of its kind × (this month's reading − the one before). Without this month's
reading, the meter's average monthly consumption over up to the last six months is billed (Government
Decree 354, p. 59), flagged `estimated`; with no history at all, zero, flagged `no_reading`. A reading
below the one before is billed as zero and flagged `negative` (the readings API refuses such readings;
this only guards data that came around it). Upkeep: maintenance tariff × area. Each line is rounded half
up to kopecks; the total is the sum of the rounded lines."""
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

KOPECK = Decimal("0.01")
LITRE = Decimal("0.001")
ZERO = Decimal("0")
HISTORY_MONTHS = 6


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def kopecks(amount: Decimal) -> Decimal:
    return amount.quantize(KOPECK, rounding=ROUND_HALF_UP)


def litres(volume: Decimal) -> str:
    """A volume in m³ as written everywhere: three decimals."""
    return str(Decimal(volume).quantize(LITRE))


PRICE = Decimal("0.0001")


@dataclass
class Meter:
    id: int
    serial: str
    kind: str  # cold | hot
    installed_at: dt.date | None  # None: not known, counting from its initial reading before any reading
    initial_reading: Decimal
    readings: dict  # month -> value, the months this calculation needs
    previous: tuple | None = None  # (month, value) of the latest reading before the month, if known


def meter_line(meter: Meter, month: dt.date, price: Decimal) -> dict:
    """A meter's line of the bill for `month`."""
    current = meter.readings.get(month)
    earlier = sorted((m, v) for m, v in meter.readings.items() if m < month)
    if earlier:
        previous = earlier[-1]
    elif meter.previous is not None:
        previous = meter.previous
    else:
        previous = (first_of_month(meter.installed_at) if meter.installed_at else None, meter.initial_reading)
    line = {"meter_id": meter.id, "serial": meter.serial, "kind": meter.kind,
            "previous": litres(previous[1]), "current": None, "tariff": str(price.quantize(PRICE)),
            "flag": None}
    if current is not None:
        consumption = current - previous[1]
        line["current"] = litres(current)
        if consumption < 0:
            consumption, line["flag"] = ZERO, "negative"
    else:
        consumption = average_consumption(meter, month)
        line["flag"] = "no_reading" if consumption is None else "estimated"
        consumption = consumption or ZERO
    line["consumption"] = litres(consumption)
    line["amount"] = str(kopecks(price * consumption))
    return line


def average_consumption(meter: Meter, month: dt.date) -> Decimal | None:
    """The average monthly consumption over up to the last six months before `month`, from the meter's
    readings and its initial reading; None without two points. When the six months hold only the latest
    point, the average runs from the point before them.

    A month's reading closes that month, so the initial reading stands where the month before the
    installation closed: the installation month's bill is its reading less the initial one (meter_line),
    and the average counts that month too (keyed on the installation month itself, the month's reading
    overwrote it and that month's consumption was lost)."""
    points = {}
    if meter.installed_at:
        points[add_months(first_of_month(meter.installed_at), -1)] = meter.initial_reading
    if meter.previous is not None:
        points[meter.previous[0]] = meter.previous[1]
    points.update((m, v) for m, v in meter.readings.items() if m < month)
    if len(points) < 2:
        return None
    last_month = max(points)
    since = add_months(last_month, -HISTORY_MONTHS)
    first_month = min(m for m in points if m >= since)
    if first_month == last_month:  # no other point in the six months: from the one before them
        first_month = max(m for m in points if m < since)
    span = months_between(first_month, last_month)
    if span <= 0:
        return None
    average = (points[last_month] - points[first_month]) / span
    return max(average, ZERO).quantize(LITRE, rounding=ROUND_HALF_UP)


def apartment_bill(area: Decimal, meters: list[Meter], month: dt.date, prices: dict) -> dict:
    """{"water_amount", "maintenance_amount", "total", "lines"} for one apartment; `prices` maps a
    tariff kind (water_cold, water_hot, maintenance) to its price for the month."""
    lines = [meter_line(meter, month, prices[f"water_{meter.kind}"])
             for meter in sorted(meters, key=lambda m: m.id)]
    water = sum((Decimal(line["amount"]) for line in lines), ZERO)
    maintenance = kopecks(prices["maintenance"] * area)
    lines.append({"kind": "maintenance", "area": str(area.quantize(KOPECK)),
                  "tariff": str(prices["maintenance"].quantize(PRICE)),
                  "amount": str(maintenance), "flag": None})
    return {"water_amount": water, "maintenance_amount": maintenance, "total": water + maintenance,
            "lines": lines}
