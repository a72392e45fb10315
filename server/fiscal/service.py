"""Fiscal logic: service groups and their devices, access lists, receipts (accepted here, registered by
a task under the device's row lock), shifts and reports. No Tornado here."""
import hashlib
import json
import logging
import secrets
from decimal import Decimal

import marshmallow
import peewee

from server.accounts.models import User
from server.db import database, insert_rows, is_sqlite, json_default, locked, save_rows
from server.events import events
from server.fiscal import messages
from server.fiscal.callbacks import queue_callbacks
from server.fiscal.drivers import DRIVERS, Driver, DriverError, ShiftExpired, driver_for, shift_expired
from server.fiscal.models import CashRegister, FiscalReceipt, GroupAccess, ServiceGroup, Shift
from server.fiscal.schemas import commodities_total, line_total
from server.worker import QueueUnavailable, enqueue

log = logging.getLogger("server.fiscal")

REGISTER_TASK = "fiscal.register_receipt"
# FFD tag 1054 ("n" of the receipt's QR code): 1 sell, 2 sell refund, 3 purchase, 4 purchase refund.
QR_OPERATION = {1: 1, 2: 2, 7: 1, 8: 2, 4: 3, 5: 4, 9: 3, 10: 4}


class FiscalError(Exception):
    message = ""

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)


class NoSuchGroup(FiscalError):
    message = messages.NO_SUCH_GROUP


class DeviceNotRunning(FiscalError):
    message = messages.DEVICE_NOT_RUNNING


class ShiftExpiredRefusal(FiscalError):
    message = messages.SHIFT_EXPIRED


class ShiftAlreadyOpen(FiscalError):
    message = messages.SHIFT_ALREADY_OPEN


class ShiftNotOpen(FiscalError):
    message = messages.SHIFT_NOT_OPEN


class IdempotencyConflict(FiscalError):
    message = messages.IDEMPOTENCY_CONFLICT


class NotRegistered(FiscalError):
    message = messages.NOT_REGISTERED


class GroupHasReceipts(FiscalError):
    message = messages.GROUP_HAS_RECEIPTS


class NotFailed(FiscalError):
    message = messages.NOT_FAILED


class Invalid(Exception):
    """Bad input the schemas alone cannot see (the device's tax systems, a model's config): a 400 with
    `details` naming the fields."""

    def __init__(self, message: str, details: dict):
        super().__init__(message)
        self.details = details


ACCESS_LIST_ROLES = ("cashier", "admin")  # accounts.md: cashiers work in the groups whose list names them
ACCESS_TOPIC = "fiscal-access"  # `fiscal-access:<group id>`: the group's access list changed


def topic(receipt_id: int) -> str:
    return f"fiscal:receipt:{receipt_id}"


# Service groups, devices and access.

def validate_config(model: str, config: dict) -> dict:
    driver = DRIVERS.get(model)
    if driver is None:
        raise Invalid(messages.NO_SUCH_MODEL, {"model": [messages.NO_SUCH_MODEL]})
    try:
        return driver.config_schema().load(config or {})
    except marshmallow.ValidationError as error:
        raise Invalid("Некорректная конфигурация кассы", flat(error.messages, "config")) from None


def flat(errors, prefix: str) -> dict:
    """marshmallow's nested messages as {"config.tax_systems.0": [...]}."""
    if not isinstance(errors, dict):
        return {prefix: errors if isinstance(errors, list) else [errors]}
    found = {}
    for key, value in errors.items():
        found.update(flat(value, prefix if key == "_schema" else f"{prefix}.{key}"))
    return found


def create_group(data: dict) -> ServiceGroup:
    config = validate_config(data["model"], data.get("config") or {})
    with database.atomic():
        group = ServiceGroup.create(name=data["name"])
        CashRegister.create(group=group, model=data["model"], config=config, secret=secrets.token_hex(32))
    return group


def save_group(group: ServiceGroup, data: dict) -> ServiceGroup:
    with database.atomic():
        device = locked_device(group.id)
        if "model" in data or "config" in data:
            model = data.get("model", device.model)
            config = merged_config(device.config if model == device.model else {}, data.get("config") or {})
            device.model, device.config = model, validate_config(model, config)
            device.save()
        if "name" in data:
            group.name = data["name"]
            group.save(only=[ServiceGroup.name])
    return group


def merged_config(config: dict, changes: dict) -> dict:
    """A PATCH of the config as a JSON merge patch: the keys sent replace theirs, a null removes one
    (its default comes back), the others are kept. Another model starts from an empty config."""
    merged = {**config, **changes}
    return {key: value for key, value in merged.items() if value is not None}


def delete_group(group: ServiceGroup) -> None:
    """Fiscal documents are kept: a group that has receipts is refused (stop its device instead)."""
    with database.atomic():
        # the group's row locked first: a receipt's insert (its foreign key) waits for this transaction,
        # so none can land between the check and the delete
        lock_group(group.id, block_references=True)  # NoSuchGroup: deleted by a request that came first
        if FiscalReceipt.select().where(FiscalReceipt.group == group.id).exists():
            raise GroupHasReceipts()
        group.delete_instance(recursive=True)
    events.publish(f"{ACCESS_TOPIC}:{group.id}")


def find_group(group_id: int) -> ServiceGroup | None:
    return ServiceGroup.get_or_none(ServiceGroup.id == group_id)


def group_member(user: User, group_id: int) -> bool:
    """Whether `user` may use the group's services: an admin, or a user on its access list. Raises
    NoSuchGroup for a group that does not exist (for anyone)."""
    if not ServiceGroup.select().where(ServiceGroup.id == group_id).exists():
        raise NoSuchGroup()
    if user.role == "admin":
        return True
    return GroupAccess.select().where(GroupAccess.group == group_id, GroupAccess.user == user.id).exists()


def device_of(group_id: int, lock: bool = False) -> CashRegister:
    """The group's device; with `lock`, its row locked until the transaction ends (server.db.locked).
    A group and its device are created and deleted together: no device means the group is gone
    (deleted while the request was on its way), not a server error."""
    query = CashRegister.select().where(CashRegister.group == group_id)
    device = (locked(query) if lock else query).first()
    if device is None:
        raise NoSuchGroup()
    return device


def lock_group(group_id: int, block_references: bool = False) -> None:
    """Lock the group's row until the transaction ends (server.db.locked); NoSuchGroup when it is gone."""
    if locked(ServiceGroup.select(ServiceGroup.id).where(ServiceGroup.id == group_id),
              block_references=block_references).first() is None:
        raise NoSuchGroup()


def locked_device(group_id: int) -> CashRegister:
    """The group's device, its row locked, for an admin's change or a shift's: the group's row is
    locked first (FOR NO KEY UPDATE: receipts still go in), in the order a delete of the group locks
    them, so the two wait for each other instead of deadlocking."""
    lock_group(group_id)
    return device_of(group_id, lock=True)


def shift_report(shift: Shift | None) -> dict | None:
    if shift is None:
        return None
    return {"number": shift.number, "opened_at": shift.opened_at, "closed_at": shift.closed_at,
            "is_open": shift.closed_at is None, "expired": shift.closed_at is None and shift_expired(shift),
            "receipts_count": shift.receipts_count, "totals": shift.totals or {"by_type": {}, "by_payment": {}}}


def group_view(group: ServiceGroup) -> dict:
    device = device_of(group.id)
    return {
        "id": group.id, "name": group.name, "created_at": group.created_at, "model": device.model,
        "config": device.config, "state": device.state, "error": device.error, "device_id": device.id,
        "receipt_count": device.last_receipt_num,
        "device": {"id": device.id, "model": device.model, "config": device.config, "state": device.state,
                   "error": device.error},
        "shift": shift_report(driver_for(device).current_shift()),
        "user_ids": [a.user_id for a in GroupAccess.select(GroupAccess.user).where(GroupAccess.group == group.id)
                     .order_by(GroupAccess.user)],
    }


def groups_query(params: dict):
    query = ServiceGroup.select()
    if params.get("search"):
        query = query.where(ServiceGroup.name.contains(params["search"]))
    return query


def groups_page(params: dict) -> tuple[list[dict], int]:
    from server.db import paginate

    rows, total = paginate(groups_query(params), params)
    views = []
    for group in rows:
        try:
            views.append(group_view(group))
        except NoSuchGroup:  # deleted since the page was read: left out
            continue
    return views, total


def access_of(group_id: int) -> dict:
    users = list(User.select().join(GroupAccess, on=(GroupAccess.user == User.id))
                 .where(GroupAccess.group == group_id).order_by(User.id))
    return {"user_ids": [u.id for u in users],
            "users": [{"id": u.id, "username": u.username, "full_name": u.full_name, "role": u.role}
                      for u in users]}


def set_access(group_id: int, user_ids: list[int]) -> dict:
    wanted = sorted(set(user_ids))
    with database.atomic():
        locked_device(group_id)  # one replacement at a time per group
        roles = dict(User.select(User.id, User.role).where(User.id.in_(wanted)).tuples()) if wanted else {}
        missing = [i for i in wanted if i not in roles]
        if missing:
            raise Invalid(messages.UNKNOWN_USERS.format(ids=missing),
                          {"user_ids": [messages.UNKNOWN_USERS.format(ids=missing)]})
        others = [i for i in wanted if roles[i] not in ACCESS_LIST_ROLES]
        if others:  # their role gives them nothing here: refused rather than listed for nothing
            raise Invalid(messages.NOT_CASHIERS.format(ids=others),
                          {"user_ids": [messages.NOT_CASHIERS.format(ids=others)]})
        GroupAccess.delete().where(GroupAccess.group == group_id).execute()
        if wanted:
            GroupAccess.insert_many([{"group": group_id, "user": i} for i in wanted]).execute()
    events.publish(f"{ACCESS_TOPIC}:{group_id}")
    return access_of(group_id)


def set_device_running(group_id: int, running: bool) -> CashRegister:
    with database.atomic():
        device = locked_device(group_id)
        driver = driver_for(device)
        try:
            driver.start() if running else driver.stop()
        except DriverError as error:
            device.state, device.error = "error", str(error)
        device.save(only=[CashRegister.state, CashRegister.error])
    return device


# Receipts.

def body_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=json_default).encode()).hexdigest()


def existing_receipt(group_id: int, key: str | None, order_id: int | None, receipt_type: int):
    if key is not None:
        found = FiscalReceipt.get_or_none(FiscalReceipt.group == group_id, FiscalReceipt.idempotency_key == key)
        if found is not None:
            return found
    if order_id is not None:
        return FiscalReceipt.get_or_none(FiscalReceipt.group == group_id, FiscalReceipt.order_id == order_id,
                                         FiscalReceipt.receipt_type == receipt_type)
    return None


def same_receipt(receipt: FiscalReceipt, digest: str) -> FiscalReceipt:
    if receipt.body_hash != digest:
        raise IdempotencyConflict()
    return receipt


def stored_products(products: list[dict]) -> list[dict]:
    return [{"name": p["name"], "quantity": str(p["quantity"]), "price": str(p["price"]),
             "commodity_type_int": p["commodity_type_int"], "payment_state_int": p["payment_state_int"],
             "quantity_prec": max(0, -Decimal(p["quantity"]).as_tuple().exponent),
             "quantity_unit": p.get("quantity_unit"), "tax_type_int": p.get("tax_type_int", 6),
             "sum": str(line_total(p))} for p in products]


def accept_receipts(items: list[tuple]) -> list:
    """Store valid receipts `in_process` and queue their registration, for a batch of requests
    (group_id, user, body, key): a few queries, one transaction and one queued task for the lot; for
    each, (the receipt, True), or the exception it is refused with. A repeat (the same idempotency key,
    or the same order_id and type in the group) with the same body answers the first receipt (False)
    and registers nothing; with another body, IdempotencyConflict. Two items of the batch that collide
    fail the insert with IntegrityError: the caller (server.batching) then tries each alone, so the
    unique constraints decide between racing requests as for one."""
    results: list = [None] * len(items)
    new: list[tuple[int, FiscalReceipt]] = []
    by_group: dict[int, list[int]] = {}
    for index, (group_id, _, _, _) in enumerate(items):
        by_group.setdefault(group_id, []).append(index)
    digests = [body_hash(body) for _, _, body, _ in items]
    found = existing_receipts(items)
    devices = {d.group_id: d for d in CashRegister.select().where(CashRegister.group.in_(sorted(by_group)))}
    shifts = {}  # each running device's open shift, one query per model
    for model in sorted({d.model for d in devices.values() if d.state == "running"}):
        shifts |= DRIVERS[model].current_shifts([d for d in devices.values()
                                                 if d.state == "running" and d.model == model])
    for group_id, indexes in by_group.items():
        device = devices.get(group_id)
        driver = driver_for(device) if device is not None else None
        for index in indexes:
            _, user, body, key = items[index]
            try:
                if found[index] is not None:
                    results[index] = (same_receipt(found[index], digests[index]), False)
                    continue
                if device is None:
                    raise NoSuchGroup()
                if device.state != "running":
                    raise DeviceNotRunning()
                new.append((index, new_receipt(device, driver, shifts.get(device.id), user, body, key,
                                               digests[index])))
            except (FiscalError, Invalid) as error:
                results[index] = error
    if new:
        try:
            with database.atomic():
                store_receipts([receipt for _, receipt in new])
        except peewee.IntegrityError:
            if len(items) > 1:
                raise
            group_id, _, body, key = items[0]
            found = existing_receipt(group_id, key, body["order_id"], body["receiptType"])
            if found is None:
                if find_group(group_id) is None:  # deleted since its device was read: the foreign key
                    return [NoSuchGroup()]
                raise
            try:
                return [(same_receipt(found, digests[0]), False)]
            except IdempotencyConflict as error:
                return [error]
        for index, receipt in new:
            results[index] = (receipt, True)
        queue_registration([receipt.id for _, receipt in new])  # one task: it drains each device in turn
    return results


def existing_receipts(items: list[tuple]) -> list:
    """existing_receipt for each item (group_id, user, body, key), in one query."""
    keys = {key for _, _, _, key in items if key is not None}
    orders = {body["order_id"] for _, _, body, _ in items if body["order_id"] is not None}
    if not keys and not orders:
        return [None] * len(items)
    condition = None
    if keys:
        condition = FiscalReceipt.idempotency_key.in_(sorted(keys))
    if orders:
        by_order = FiscalReceipt.order_id.in_(sorted(orders))
        condition = by_order if condition is None else condition | by_order
    groups = sorted({group_id for group_id, _, _, _ in items})
    rows = list(FiscalReceipt.select().where(FiscalReceipt.group.in_(groups), condition))
    by_key = {(r.group_id, r.idempotency_key): r for r in rows if r.idempotency_key is not None}
    by_order_type = {(r.group_id, r.order_id, r.receipt_type): r for r in rows if r.order_id is not None}
    found = []
    for group_id, _, body, key in items:
        receipt = by_key.get((group_id, key)) if key is not None else None
        if receipt is None and body["order_id"] is not None:
            receipt = by_order_type.get((group_id, body["order_id"], body["receiptType"]))
        found.append(receipt)
    return found


def new_receipt(device: CashRegister, driver: Driver, shift: Shift | None, user: User | None, body: dict,
                key: str | None, digest: str) -> FiscalReceipt:
    """The receipt to store for a valid body (not yet saved), or the refusal raised."""
    allowed = driver.tax_systems()
    tax_system = body["tax_system"] if body["tax_system"] is not None else allowed[0]
    if tax_system not in allowed:
        raise Invalid(messages.INVALID_RECEIPT, {"tax_system": [f"{messages.TAX_SYSTEM_NOT_ALLOWED}: {allowed}"]})
    if shift is not None and shift_expired(shift):
        raise ShiftExpiredRefusal()
    total = commodities_total(body["products"])
    paid = sum((p["payment_sum"] for p in body["payments"]), Decimal(0))
    correction = None
    if body.get("correction_reason") is not None or body.get("correction_date") is not None:
        correction = {name: body.get(name) for name in ("correction_reason", "correction_date", "doc_number",
                                                        "precept")}
    return FiscalReceipt(
        group=device.group_id, device=device.id, user=user.id if user is not None else None, cashier=cashier_name(user),
        idempotency_key=key, body_hash=digest,
        order_id=body["order_id"], receipt_type=body["receiptType"], email=body["email"],
        phone_number=body["phone_number"], tax_system=tax_system, need_print=body["need_print"],
        products=stored_products(body["products"]),
        payments=[{"payment_sum": str(p["payment_sum"]), "payment_type_int": p["payment_type_int"]}
                  for p in body["payments"]],
        commodities_total_cost=total, payments_total=paid, change=paid - total,
        mistaken_receipt_number=body.get("mistaken_receipt_number"), correction_data=correction,
        callback_url=body.get("callback_url"))


def cashier_name(user: User | None) -> str | None:
    """Who registers the receipt, as it is printed on it (FFD tag 1021, at most 64 characters)."""
    return (user.full_name or user.username)[:64] if user is not None else None


def store_receipts(receipts: list[FiscalReceipt]) -> None:
    """INSERT the receipts (one statement on PostgreSQL; SQLite does not promise RETURNING's order)
    and set their ids. The SQL is not built by peewee: that was ~7% of the server's CPU under
    bench/fiscal.py."""
    batches = [receipts] if not is_sqlite() else [[receipt] for receipt in receipts]
    for batch in batches:
        ids = insert_rows(FiscalReceipt, [receipt.__data__ for receipt in batch], FiscalReceipt.id)
        for receipt, new_id in zip(batch, ids):
            receipt.id = new_id


def queue_registration(receipt_ids: int | list[int]) -> None:
    ids = [receipt_ids] if isinstance(receipt_ids, int) else receipt_ids
    try:
        enqueue(REGISTER_TASK, ids[0] if len(ids) == 1 else ids)
    except QueueUnavailable as error:
        log.error("receipts %s: their registration could not be queued: %s", ids, error)
        for receipt_id in ids:
            finish_with_error(receipt_id, f"Очередь задач недоступна: {error}")


def finish_with_error(receipt_id: int, text: str) -> None:
    FiscalReceipt.update(state="error", error=text[:2000]).where(
        FiscalReceipt.id == receipt_id, FiscalReceipt.state == "in_process").execute()
    events.publish(topic(receipt_id))
    queue_callbacks([receipt_id])


DRAIN_BATCH = 200


def register_receipt(receipt_id: int) -> str | None:
    """Register an `in_process` receipt on its device (see register_receipts); answers its state."""
    return register_receipts([receipt_id]).get(receipt_id)


REGISTRATION_FIELDS = [FiscalReceipt.attempts, FiscalReceipt.state, FiscalReceipt.error, FiscalReceipt.fiscal_sign,
                       FiscalReceipt.registration_datetime, FiscalReceipt.shift_num,
                       FiscalReceipt.receipt_in_shift_num, FiscalReceipt.receipt_num, FiscalReceipt.cashier,
                       FiscalReceipt.registration]


def register_receipts(receipt_ids: list[int]) -> dict[int, str]:
    """Register `in_process` receipts on their devices, under the devices' row locks, together with
    every other receipt of those devices still `in_process` (oldest first, up to DRAIN_BATCH): their
    tasks then find them done. States are read again under the locks, so a task run twice (a worker
    died after committing) registers nothing twice. The counters, the shifts and the receipts' fiscal
    data commit together. Answers {id: state} of the receipts asked about that exist."""
    states = {r.id: (r.state, r.group_id) for r in FiscalReceipt.select(
        FiscalReceipt.id, FiscalReceipt.state, FiscalReceipt.group).where(FiscalReceipt.id.in_(receipt_ids))}
    while True:
        groups = sorted({group for state, group in states.values() if state == "in_process"})
        if not groups:
            break
        done = drain_devices(groups)
        for receipt in done:
            if receipt.id in states:
                states[receipt.id] = (receipt.state, receipt.group_id)
        if len(done) < DRAIN_BATCH:  # else a full batch may have stopped short of ours: drain again
            break
    left = [i for i, (state, _) in states.items() if state == "in_process"]
    if left:  # registered by another task meanwhile (or still waiting for its device)
        for receipt in FiscalReceipt.select(FiscalReceipt.id, FiscalReceipt.state).where(FiscalReceipt.id.in_(left)):
            states[receipt.id] = (receipt.state, states[receipt.id][1])
    return {i: state for i, (state, _) in states.items()}


def locked_devices(group_ids: list[int]) -> list[CashRegister]:
    """locked_device for several groups, in one statement; rows are locked in id order, so two
    transactions that lock overlapping sets cannot deadlock."""
    return list(locked(CashRegister.select().where(CashRegister.group.in_(group_ids)).order_by(CashRegister.id)))


def drain_devices(group_ids: list[int]) -> list[FiscalReceipt]:
    """Register the devices' `in_process` receipts (up to DRAIN_BATCH in all) in one transaction; the
    receipts registered."""
    with database.atomic():
        devices = {device.id: device for device in locked_devices(group_ids)}
        pending = list(FiscalReceipt.select().where(FiscalReceipt.device.in_(list(devices)),
                                                    FiscalReceipt.state == "in_process")
                       .order_by(FiscalReceipt.id).limit(DRAIN_BATCH)) if devices else []
        by_device: dict[int, list[FiscalReceipt]] = {}
        for receipt in pending:
            by_device.setdefault(receipt.device_id, []).append(receipt)
        register_batches({devices[device_id]: receipts for device_id, receipts in by_device.items()})
        if pending:
            save_rows(pending, REGISTRATION_FIELDS)
    if pending:
        events.publish_many([topic(each.id) for each in pending])
        queue_callbacks([each.id for each in pending if each.callback_url])
    return pending


def register_batches(batches: dict[CashRegister, list[FiscalReceipt]]) -> None:
    """Register each locked device's receipts, model by model (a driver may write its devices'
    counters once for them all); the caller saves the receipts."""
    results: dict[int, list] = {}
    running = {device: receipts for device, receipts in batches.items() if device.state == "running"}
    for model in sorted({device.model for device in running}):
        results |= DRIVERS[model].register_on_devices(
            {device: receipts for device, receipts in running.items() if device.model == model})
    for device, receipts in batches.items():
        for receipt, data in zip(receipts, results.get(device.id, [None] * len(receipts))):
            settle(receipt, data, device.state == "running")


def settle(receipt: FiscalReceipt, data: dict | DriverError | None, running: bool) -> None:
    """The receipt's state and fiscal data after its device's answer."""
    receipt.attempts += 1
    if not running:
        receipt.state, receipt.error = "error", messages.DEVICE_NOT_RUNNING
    elif isinstance(data, ShiftExpired):
        receipt.state, receipt.error = "error", messages.SHIFT_EXPIRED
    elif isinstance(data, DriverError):
        receipt.state, receipt.error = "error", messages.DRIVER_FAILED.format(error=data)[:2000]
    else:
        for name, value in data.items():
            setattr(receipt, name, value)
        receipt.state, receipt.error = "success", None


def unfinished_receipts() -> list[int]:
    """Queue again every receipt still `in_process` (the embedded queue lives in the server's memory);
    registering is idempotent, so one queued twice is harmless."""
    ids = [r.id for r in FiscalReceipt.select(FiscalReceipt.id).where(FiscalReceipt.state == "in_process")]
    for receipt_id in ids:
        queue_registration(receipt_id)
    return ids


def retry_receipt(group_id: int, receipt_id: int) -> FiscalReceipt | None:
    """Register a receipt that ended in `error` again (the device was stopped, its shift expired, the
    driver failed): back to `in_process` and queued, its callback to be sent again with the new
    outcome. Of two retries at once one is taken. None when the group has no such receipt; NotFailed
    when it is not in `error`."""
    retried = FiscalReceipt.update(state="in_process", error=None, callback_state=None).where(
        FiscalReceipt.id == receipt_id, FiscalReceipt.group == group_id, FiscalReceipt.state == "error").execute()
    if retried:
        queue_registration(receipt_id)
    receipt = find_receipt(group_id, receipt_id)
    if receipt is not None and not retried:
        raise NotFailed()
    return receipt


def find_receipt(group_id: int, receipt_id: int) -> FiscalReceipt | None:
    return FiscalReceipt.get_or_none(FiscalReceipt.id == receipt_id, FiscalReceipt.group == group_id)


def find_receipts(wanted: list[tuple[int, int]]) -> list[FiscalReceipt | None]:
    """find_receipt for each (group_id, receipt_id), in one query."""
    found = {r.id: r for r in FiscalReceipt.select().where(FiscalReceipt.id.in_(sorted({i for _, i in wanted})))}
    return [receipt if (receipt := found.get(receipt_id)) is not None and receipt.group_id == group_id else None
            for group_id, receipt_id in wanted]


def qr_string(receipt: FiscalReceipt) -> str | None:
    """The federal tax service's QR code of the receipt: t=YYYYMMDDTHHMM&s=&fn=&i=&fp=&n=."""
    if receipt.state != "success":
        return None
    moment = receipt.registration_datetime.strftime("%Y%m%dT%H%M")
    fn = (receipt.registration or {}).get("fn_serial")
    return (f"t={moment}&s={receipt.commodities_total_cost:.2f}&fn={fn}&i={receipt.receipt_num}"
            f"&fp={receipt.fiscal_sign}&n={QR_OPERATION[receipt.receipt_type]}")


def qr_svg(receipt: FiscalReceipt) -> bytes:
    import io

    import qrcode
    import qrcode.image.svg

    text = qr_string(receipt)
    if text is None:
        raise NotRegistered()
    out = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return out.getvalue()


def receipt_report(receipt: FiscalReceipt) -> dict:
    registration = receipt.registration or {}
    return {
        "id": receipt.id, "order_id": receipt.order_id, "user_id": receipt.user_id, "service_id": receipt.group_id,
        "receiptType": receipt.receipt_type, "mistaken_receipt_number": receipt.mistaken_receipt_number,
        "email": receipt.email, "phone_number": receipt.phone_number, "registrator_id": receipt.device_id,
        "fiscal_sign": receipt.fiscal_sign,
        "registration_datetime": receipt.registration_datetime.isoformat() if receipt.registration_datetime else None,
        "cashier": receipt.cashier, "shift_num": receipt.shift_num, "tax_system": receipt.tax_system,
        "correction_data": receipt.correction_data, "receipt_in_shift_num": receipt.receipt_in_shift_num,
        "need_print": receipt.need_print, "receipt_num": receipt.receipt_num,
        "payments_total": f"{Decimal(receipt.payments_total):.2f}",
        "commodities_total_cost": f"{Decimal(receipt.commodities_total_cost):.2f}",
        "change": f"{Decimal(receipt.change):.2f}",
        "commodities": [{k: v for k, v in p.items() if k != "sum"} for p in receipt.products],
        "payments": receipt.payments, "state": receipt.state, "error": receipt.error,
        "registration_number": registration.get("registration_number"),
        "registrator_serial": registration.get("registrator_serial"), "fn_serial": registration.get("fn_serial"),
        "ffd_version": registration.get("ffd_version"), "ofd_name": registration.get("ofd_name"),
        "ffd_inn": registration.get("ofd_inn"), "ofd_inn": registration.get("ofd_inn"),
        "company_name": registration.get("company_name"), "company_inn": registration.get("company_inn"),
        "operations_address": registration.get("operations_address"),
        "operations_place": registration.get("operations_place"),
        "qr": qr_string(receipt), "callback_url": receipt.callback_url,
        "callback_state": receipt.callback_state, "callback_attempts": receipt.callback_attempts or [], "created_at": receipt.created_at.isoformat(),
    }


def receipts_query(group_id: int, params: dict):
    query = FiscalReceipt.select().where(FiscalReceipt.group == group_id)
    if params.get("state"):
        query = query.where(FiscalReceipt.state == params["state"])
    if params.get("receiptType") is not None:
        query = query.where(FiscalReceipt.receipt_type == params["receiptType"])
    if params.get("order_id") is not None:
        query = query.where(FiscalReceipt.order_id == params["order_id"])
    if params.get("from_") is not None:
        query = query.where(FiscalReceipt.created_at >= params["from_"])
    if params.get("to") is not None:
        query = query.where(FiscalReceipt.created_at < params["to"])
    return query


def receipts_page(group_id: int, params: dict) -> tuple[list[dict], int]:
    from server.db import paginate

    rows, total = paginate(receipts_query(group_id, params), params)
    return [receipt_report(r) for r in rows], total


# Shifts.

def running_driver(group_id: int) -> Driver:
    device = locked_device(group_id)
    if device.state != "running":
        raise DeviceNotRunning()
    return driver_for(device)


def open_shift(group_id: int) -> dict:
    with database.atomic():
        driver = running_driver(group_id)
        if driver.current_shift() is not None:
            raise ShiftAlreadyOpen()
        return shift_report(driver.open_shift())


def close_shift(group_id: int) -> dict:
    """Close the shift: its Z report (counts and totals by receipt type and by payment type)."""
    with database.atomic():
        driver = running_driver(group_id)
        if driver.current_shift() is None:
            raise ShiftNotOpen()
        return shift_report(driver.close_shift())


def current_shift(group_id: int) -> dict:
    """The open shift's X report."""
    shift = driver_for(device_of(group_id)).x_report()
    if shift is None:
        raise ShiftNotOpen()
    return shift_report(shift)
