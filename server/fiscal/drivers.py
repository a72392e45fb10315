"""Cash register drivers ("cash register models"): one registry, each driver with a marshmallow config
schema (the API validates the config with it, the dashboard draws its form from it).

A driver is made for one device row; the logic calls it inside a transaction that holds the device's
row lock, so what a driver does to the device's counters is serialized."""
import datetime as dt
import hashlib
import hmac
from decimal import Decimal

from marshmallow import Schema, fields, validate

from server.db import save_rows, utcnow
from server.fiscal.models import SHIFT_HOURS, TAX_SYSTEMS, CashRegister, Shift
from server.schemas import FullMatch, Int, StrictBool, Text


class DriverError(Exception):
    """The register refused or failed: the receipt is `error` with this text."""


class ShiftExpired(DriverError):
    pass


REGISTRATION_FIELDS = ("registration_number", "registrator_serial", "fn_serial", "ffd_version", "ofd_name",
                       "ofd_inn", "company_name", "company_inn", "operations_address", "operations_place")

DIGITS = lambda n, m: FullMatch(rf"^[0-9]{{{n},{m}}}$")  # noqa: E731


def tax_system_field() -> Int:
    field = Int(minimum=1, maximum=32, strict=True)
    field.validators.append(validate.OneOf(TAX_SYSTEMS))
    return field


class EmulatorConfigSchema(Schema):
    """The emulator's registration data (what every receipt reports) and its behaviour."""

    registration_number = Text(load_default="0000000001000001", validate=DIGITS(10, 20),
                               metadata={"title": "Регистрационный номер ККТ"})
    registrator_serial = Text(load_default="0000000000000001", validate=DIGITS(1, 20),
                              metadata={"title": "Заводской номер ККТ"})
    fn_serial = Text(load_default="9999078900000001", validate=DIGITS(16, 16),
                     metadata={"title": "Номер фискального накопителя"})
    ofd_name = Text(load_default="ООО \"ОФД\"", min_length=1, max_length=255, metadata={"title": "ОФД"})
    ofd_inn = Text(load_default="7704211201", validate=DIGITS(10, 12), metadata={"title": "ИНН ОФД"})
    company_name = Text(load_default="ИП Иванов Иван Иванович", min_length=1, max_length=255,
                        metadata={"title": "Организация"})
    company_inn = Text(load_default="664353523234", validate=DIGITS(10, 12), metadata={"title": "ИНН организации"})
    operations_address = Text(load_default="Ленина 55, Москва", min_length=1, max_length=255,
                              metadata={"title": "Адрес расчётов"})
    operations_place = Text(load_default="http://www.sale.ru", min_length=1, max_length=255,
                            metadata={"title": "Место расчётов"})
    tax_systems = fields.List(tax_system_field(), load_default=lambda: list(TAX_SYSTEMS),
                              validate=validate.Length(min=1, max=6),
                              metadata={"title": "Системы налогообложения", "example": [1, 2]})
    cashier = Text(load_default=None, allow_none=True, max_length=64, metadata={"title": "Кассир"})
    synthetic_sign = StrictBool(load_default=True, validate=validate.Equal(True),
                                metadata={"title": "Фискальный признак синтетический (эмулятор)"})
    fail_with = Text(load_default=None, allow_none=True, max_length=255,
                     metadata={"title": "Имитировать ошибку кассы (текст ошибки)"})


class Driver:
    """The driver interface. `device` is the locked CashRegister row; the methods change it (and its
    shifts) and the caller saves it in the same transaction."""

    name = ""
    title = ""
    config_schema: type[Schema] = Schema

    def __init__(self, device: CashRegister):
        self.device = device
        self.config = device.config or {}

    def registration(self) -> dict:
        return {name: self.config.get(name) for name in REGISTRATION_FIELDS} | {"ffd_version": "105"}

    def tax_systems(self) -> list[int]:
        return list(self.config.get("tax_systems") or [1])

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def current_shift(self) -> Shift | None:
        raise NotImplementedError

    @classmethod
    def current_shifts(cls, devices: list[CashRegister]) -> dict[int, Shift | None]:
        """current_shift of each device of this model, by device id."""
        return {device.id: cls(device).current_shift() for device in devices}

    def open_shift(self) -> Shift:
        raise NotImplementedError

    def close_shift(self) -> Shift:
        raise NotImplementedError

    def x_report(self) -> Shift:
        raise NotImplementedError

    def register(self, receipt) -> dict:
        raise NotImplementedError

    def register_many(self, receipts: list) -> list:
        """Register the receipts in order: for each, its fiscal data (a dict) or the DriverError it
        failed with. A driver's failure leaves no half-counted document (a savepoint per receipt);
        drivers that can do better (one write of the counters for the lot) override it."""
        from server.db import database

        results = []
        for receipt in receipts:
            try:
                with database.atomic():
                    results.append(self.register(receipt))
            except DriverError as error:
                results.append(error)
        return results

    @classmethod
    def register_on_devices(cls, batches: dict[CashRegister, list]) -> dict[int, list]:
        """register_many on each locked device of this model, by device id; drivers that keep their
        counters in the database write them once for all the devices."""
        return {device.id: cls(device).register_many(receipts) for device, receipts in batches.items()}


def shift_expired(shift: Shift, now: dt.datetime | None = None) -> bool:
    return (now or utcnow()) - shift.opened_at >= dt.timedelta(hours=SHIFT_HOURS)


CASH = "0"  # payment_type_int 0: the only payment change can be given from


def empty_totals() -> dict:
    return {"by_type": {}, "by_payment": {}}


def add_to_totals(totals: dict, receipt_type: int, total: Decimal, payments: list[dict]) -> dict:
    by_type = totals.setdefault("by_type", {}).setdefault(str(receipt_type), {"count": 0, "total": "0.00"})
    by_type["count"] += 1
    by_type["total"] = str(Decimal(by_type["total"]) + total)
    paid: dict[str, Decimal] = {}
    for payment in payments:
        key = str(payment["payment_type_int"])
        paid[key] = paid.get(key, Decimal(0)) + Decimal(payment["payment_sum"])
    change = sum(paid.values(), Decimal(0)) - total
    if change > 0:  # given back from the cash paid: the report counts what the receipt kept
        paid[CASH] -= change
    by_payment = totals.setdefault("by_payment", {})
    for key, amount in paid.items():
        by_payment[key] = str(Decimal(by_payment.get(key, "0.00")) + amount)
    return totals


class Emulator(Driver):
    """A register in the database: shift and document counters on the device row, the 24-hour shift
    rule, and a synthetic fiscal sign (HMAC-SHA256 over the document's fields with the device's
    secret, its first four bytes as a number below 2^32)."""

    name = "emulator"
    title = "Эмулятор ККТ"
    config_schema = EmulatorConfigSchema

    def start(self) -> None:
        self.device.state, self.device.error = "running", None

    def stop(self) -> None:
        self.device.state, self.device.error = "stopped", None

    def current_shift(self) -> Shift | None:
        return (Shift.select().where(Shift.device == self.device.id, Shift.closed_at.is_null())
                .order_by(Shift.number.desc()).first())

    @classmethod
    def current_shifts(cls, devices: list[CashRegister]) -> dict[int, Shift | None]:
        shifts = dict.fromkeys((device.id for device in devices), None)
        if shifts:  # one query; the latest open shift of each
            for shift in (Shift.select().where(Shift.device.in_(list(shifts)), Shift.closed_at.is_null())
                          .order_by(Shift.number)):
                shifts[shift.device_id] = shift
        return shifts

    def open_shift(self) -> Shift:
        self.device.last_shift_num += 1
        self.device.save(only=[CashRegister.last_shift_num])
        return Shift.create(device=self.device.id, number=self.device.last_shift_num, opened_at=utcnow(),
                            totals=empty_totals())

    def close_shift(self) -> Shift:
        shift = self.current_shift()
        shift.closed_at = utcnow()
        shift.save(only=[Shift.closed_at])
        return shift

    def x_report(self) -> Shift:
        return self.current_shift()

    def sign(self, fields_: dict) -> str:
        message = "|".join(f"{name}={fields_[name]}" for name in sorted(fields_)).encode()
        digest = hmac.new(self.device.secret.encode(), message, hashlib.sha256).digest()
        return str(int.from_bytes(digest[:4], "big"))

    def register(self, receipt) -> dict:
        return self.register_many([receipt])[0]

    def register_many(self, receipts: list) -> list:
        return self.register_on_devices({self.device: receipts})[self.device.id]

    @classmethod
    def register_on_devices(cls, batches: dict[CashRegister, list]) -> dict[int, list]:
        """On each device every receipt fails alike (a configured failure, an expired shift) or none
        does. The open shifts are read in one query, and the devices' counters and their shifts written
        in one statement each, however many devices."""
        shifts = cls.current_shifts(list(batches))
        results, changed = {}, []
        for device, receipts in batches.items():
            driver, shift = cls(device), shifts[device.id]
            if driver.config.get("fail_with"):
                results[device.id] = [DriverError(driver.config["fail_with"])] * len(receipts)
            elif shift is not None and shift_expired(shift):
                results[device.id] = [ShiftExpired()] * len(receipts)
            else:
                shift = shift or driver.open_shift()
                registration = driver.registration()
                results[device.id] = [driver.document(shift, receipt, registration) for receipt in receipts]
                changed.append((device, shift))
        save_rows([device for device, _ in changed], [CashRegister.last_receipt_num])
        save_rows([shift for _, shift in changed], [Shift.receipts_count, Shift.totals])
        return results

    def document(self, shift: Shift, receipt, registration: dict) -> dict:
        now = utcnow()
        self.device.last_receipt_num += 1
        shift.receipts_count += 1
        shift.totals = add_to_totals(shift.totals or empty_totals(), receipt.receipt_type,
                                     Decimal(receipt.commodities_total_cost), receipt.payments)
        document = {
            "fn": registration["fn_serial"], "i": self.device.last_receipt_num, "t": now.isoformat(),
            "s": str(receipt.commodities_total_cost), "n": receipt.receipt_type, "shift": shift.number,
        }
        return {
            "fiscal_sign": self.sign(document),
            "registration_datetime": now,
            "shift_num": shift.number,
            "receipt_in_shift_num": shift.receipts_count,
            "receipt_num": self.device.last_receipt_num,
            "cashier": self.config.get("cashier") or receipt.cashier,  # the device's own, or who sent it
            "registration": dict(registration),
        }


DRIVERS: dict[str, type[Driver]] = {driver.name: driver for driver in (Emulator,)}


def driver_for(device: CashRegister) -> Driver:
    return DRIVERS[device.model](device)
