"""Payments logic: a bank's webhook credits an organization's balance exactly once; unmatched payments
wait for their organization; organizations, payments, the balance log, deliveries and reconciliation.

Integrity lives in the database: the payment's unique `operation_id` decides which of racing
deliveries is the first (`INSERT ... ON CONFLICT DO NOTHING`), the balance only ever moves by
`UPDATE ... SET balance = balance + amount` (never read-modify-write here), and the payment, the
balance, its log row and the delivery are written in one transaction. Work on one INN (a webhook
deciding "unmatched", an organization being created) is serialized by a transaction-scoped advisory
lock on PostgreSQL (SQLite's BEGIN IMMEDIATE serializes every writer), so a payment can never be left
unmatched by an organization created in between: a webhook that finds no organization takes the lock
and looks again (an organization found needs no lock: its row is key-share locked, so it cannot be
deleted meanwhile)."""
import datetime as dt
import json
import logging
import typing
import uuid
from decimal import Decimal

import peewee

from server.db import database, insert_skipping_conflicts, is_sqlite, utcnow
from server.payments import messages
from server.payments.models import (
    BalanceLog, MoneyField, Organization, Payment, Reconciliation, WebhookDelivery,
)

log = logging.getLogger("server.payments")
MONEY = MoneyField()
BODY_KEPT = 4096  # characters of a delivery's raw body kept in its log row
REASON_CREDITED = "webhook"
REASON_ON_CREATION = "unmatched payment credited: organization created"
REASON_ASSIGNED = "unmatched payment assigned by an admin"


class PaymentsError(Exception):
    message = ""

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)


class NoSuchOrganization(PaymentsError):
    message = messages.NO_SUCH_ORGANIZATION


class NoSuchPayment(PaymentsError):
    message = messages.NO_SUCH_PAYMENT


class InnTaken(PaymentsError):
    message = messages.INN_TAKEN


class NotUnmatched(PaymentsError):
    message = messages.NOT_UNMATCHED


class HasPayments(PaymentsError):
    message = messages.HAS_PAYMENTS


def money(value) -> Decimal | None:
    """A money column's value as the database gives it (an aggregate, a RETURNING), as a Decimal."""
    return MONEY.python_value(value)


def lock_inn(inn: str) -> None:
    """Serialize, until this transaction ends, the work on one INN (PostgreSQL; SQLite's writers are
    serialized already)."""
    if not is_sqlite():
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (int(f"77{len(inn)}{inn}"),))


def table(model) -> str:
    return f'"{model._meta.table_name}"'


def add_to_balance(organization_id: int, amount: Decimal) -> Decimal:
    """`UPDATE ... SET balance = balance + amount` in the database itself: the new balance."""
    return add_to_balances({organization_id: amount})[organization_id]


def add_to_balances(amounts: dict[int, Decimal]) -> dict[int, Decimal]:
    """Each organization's balance plus its amount, in one `UPDATE ... SET balance = balance + ...`:
    organization id -> its new balance. On PostgreSQL the rows are first locked in id order, as every
    transaction locks them, so that two cannot deadlock (an UPDATE alone locks in whatever order its
    plan reads the rows)."""
    param = database.param
    ids = sorted(amounts)
    id_list = ", ".join([param] * len(ids))
    if not is_sqlite():
        database.execute_sql(f'SELECT "id" FROM {table(Organization)} WHERE "id" IN ({id_list}) ORDER BY "id" '
                             f'FOR NO KEY UPDATE', ids)
    cases = " ".join([f"WHEN {param} THEN {param}"] * len(ids))
    params = [value for id_ in ids for value in (id_, MONEY.db_value(amounts[id_]))]
    cursor = database.execute_sql(
        f'UPDATE {table(Organization)} SET "balance" = "balance" + CASE "id" {cases} END '
        f'WHERE "id" IN ({id_list}) RETURNING "id", "balance"', params + ids)
    return {id_: money(balance) for id_, balance in cursor.fetchall()}


def credit(organization_id: int, payment_id: int | None, amount: Decimal, reason: str) -> Decimal:
    """Add `amount` to the balance and log it; inside the caller's transaction."""
    balance = add_to_balance(organization_id, amount)
    BalanceLog.insert(organization=organization_id, payment=payment_id, delta=amount, balance_after=balance,
                      reason=reason).execute()
    log.info("balance of organization %s +%s = %s (%s, payment %s)", organization_id, amount, balance,
             reason, payment_id)
    return balance


# --- the webhook ------------------------------------------------------------------------------------


def organization_ids(inns) -> dict[str, int]:
    """INN -> organization id; on PostgreSQL the rows are then key-share locked until the transaction
    ends, so that none is deleted under a payment being credited to it.

    On the webhook's hot path: written as SQL, not built by peewee per call (a measured cost)."""
    inns = sorted(inns)
    sql = (f'SELECT "inn", "id" FROM {table(Organization)} WHERE "inn" IN '
           f'({", ".join([database.param] * len(inns))}) ORDER BY "id"')
    if not is_sqlite():
        sql += " FOR KEY SHARE"
    return dict(database.execute_sql(sql, inns).fetchall())


class Stored(typing.NamedTuple):
    id: int
    amount: Decimal
    payer_inn: str


def stored_payments(operation_ids) -> dict[uuid.UUID, Stored]:
    """operation_id -> the payment stored with it (its id, amount and INN); written as SQL for the
    webhook's hot path, read through the model's fields (the same values on SQLite and PostgreSQL)."""
    field = Payment.operation_id
    params = [field.db_value(operation_id) for operation_id in operation_ids]
    sql = (f'SELECT "operation_id", "id", "amount", "payer_inn" FROM {table(Payment)} WHERE "operation_id" IN '
           f'({", ".join([database.param] * len(params))})')
    return {field.python_value(operation_id): Stored(payment_id, Payment.amount.python_value(amount), payer_inn)
            for operation_id, payment_id, amount, payer_inn in database.execute_sql(sql, params).fetchall()}


def receive_webhook(data: dict, raw: str, remote_ip: str = "") -> dict:
    return receive_webhooks([(data, raw, remote_ip)])[0]


def receive_webhooks(deliveries: list[tuple[dict, str, str]]) -> list[dict]:
    """Take validated webhooks `(data, raw body, address)`, in one transaction (the handler groups those
    that arrive together: one commit for all): for each, `{"outcome", "payment_id", "balance"}`.

    New: stored and credited (`credited`), or kept `unmatched` when no organization has the INN. Seen
    before (or earlier in the same batch) with the same amount and INN: `duplicate`, nothing changes;
    with another amount or INN: `conflict`, nothing changes. Every delivery is logged.

    Set-based: one statement per step, whatever the number of webhooks. Locks are taken in one order
    by every transaction, so that two batches cannot deadlock: the INNs without an organization
    (advisory locks, sorted), the new payments (inserted in operation_id order: the unique index makes a
    racing insert of the same operation wait), then each organization's balance (by id)."""
    now = utcnow()
    results: list[dict | None] = [None] * len(deliveries)
    with database.atomic():
        inns = {data["payer_inn"] for data, _, _ in deliveries}
        organizations = organization_ids(inns)
        missing = sorted(inns - set(organizations))
        if missing:  # they may be being created: wait for that, then look again
            for inn in missing:
                lock_inn(inn)
            organizations.update(organization_ids(missing))

        first_of: dict[uuid.UUID, int] = {}
        for index, (data, _, _) in enumerate(deliveries):
            first_of.setdefault(data["operation_id"], index)
        candidates = sorted(first_of.items(), key=lambda pair: pair[0].hex)
        rows = []
        for _, index in candidates:
            data, raw, _ = deliveries[index]
            organization_id = organizations.get(data["payer_inn"])
            rows.append({"operation_id": data["operation_id"], "amount": data["amount"],
                         "payer_inn": data["payer_inn"], "document_number": data["document_number"],
                         "document_date": data["document_date"], "organization": organization_id,
                         "status": "credited" if organization_id else "unmatched", "payload": raw,
                         "received_at": now, "credited_at": now if organization_id else None})
        inserted = {uuid.UUID(str(value))
                    for value in insert_skipping_conflicts(Payment, rows, returning=Payment.operation_id)}
        stored = stored_payments(list(first_of))

        credits: dict[int, list[int]] = {}  # organization id -> indexes of its new credited payments
        for operation_id, index in candidates:
            if operation_id not in inserted:
                continue
            data = deliveries[index][0]
            organization_id = organizations.get(data["payer_inn"])
            payment_id = stored[operation_id].id
            results[index] = {"outcome": "credited" if organization_id else "unmatched",
                              "payment_id": payment_id, "balance": None, "reason": ""}
            if organization_id:
                credits.setdefault(organization_id, []).append(index)
            else:
                log.warning("payment %s: no organization with INN %s yet, kept unmatched", operation_id,
                            data["payer_inn"])
        for index, (data, _, _) in enumerate(deliveries):
            if results[index] is not None:
                continue
            first = stored[data["operation_id"]]
            if first.amount == data["amount"] and first.payer_inn == data["payer_inn"]:
                results[index] = {"outcome": "duplicate", "payment_id": first.id, "balance": None,
                                  "reason": ""}
            else:
                reason = (f"first received with amount {first.amount} and INN {first.payer_inn}, now amount "
                          f"{data['amount']} and INN {data['payer_inn']}")
                log.error("payment %s: conflicting repeat: %s", data["operation_id"], reason)
                results[index] = {"outcome": "conflict", "payment_id": first.id, "balance": None,
                                  "reason": reason}
        insert_skipping_conflicts(WebhookDelivery, [
            {"received_at": now, "operation_id": str(data["operation_id"]), "payer_inn": data["payer_inn"],
             "amount": str(data["amount"]), "outcome": result["outcome"], "reason": result["reason"],
             "status_code": 409 if result["outcome"] == "conflict" else 200, "payment": result["payment_id"],
             "body": raw[:BODY_KEPT], "remote_ip": remote_ip}
            for (data, raw, remote_ip), result in zip(deliveries, results)], returning=WebhookDelivery.id)
        # the balances last, so that their row locks are held for as short a time as possible
        totals = {organization_id: sum(deliveries[index][0]["amount"] for index in indexes)
                  for organization_id, indexes in credits.items()}
        balances = add_to_balances(totals) if totals else {}
        log_rows = []
        for organization_id in sorted(credits):
            running = balances[organization_id] - totals[organization_id]
            for index in credits[organization_id]:
                amount = deliveries[index][0]["amount"]
                running += amount
                results[index]["balance"] = running
                log_rows.append({"organization": organization_id, "payment": results[index]["payment_id"],
                                 "delta": amount, "balance_after": running, "reason": REASON_CREDITED,
                                 "created_at": now})
                log.info("balance of organization %s +%s = %s (%s, payment %s)", organization_id, amount, running,
                         REASON_CREDITED, results[index]["payment_id"])
        if log_rows:  # (the hot path's inserts skip peewee's per-row query building: server/db.py)
            insert_skipping_conflicts(BalanceLog, log_rows, returning=BalanceLog.id)
    return results


def record_refusal(raw: bytes, status: int, reason: str, remote_ip: str = "") -> None:
    """A delivery refused before it was taken (bad signature, bad body): kept, with why."""
    text = raw[:BODY_KEPT].decode("utf-8", "replace").replace("\x00", "\ufffd")
    fields = {}
    try:
        value = json.loads(raw.decode("utf-8"))
        if isinstance(value, dict):
            fields = {name: str(value.get(name))[:32] for name in ("payer_inn", "amount")
                      if value.get(name) is not None}
            if value.get("operation_id") is not None:
                fields["operation_id"] = str(value["operation_id"])[:64]
    except (ValueError, UnicodeDecodeError, RecursionError):
        pass
    fields = {name: value.replace("\x00", "") for name, value in fields.items()}
    WebhookDelivery.create(outcome="refused", status_code=status, reason=reason[:2000], body=text,
                           remote_ip=remote_ip[:64], **fields)


# --- organizations ----------------------------------------------------------------------------------


def create_organization(data: dict) -> Organization:
    """A new organization; the payments that waited for its INN are credited to it at once."""
    inn = data["inn"]
    with database.atomic():
        lock_inn(inn)
        if Organization.select().where(Organization.inn == inn).exists():
            raise InnTaken()
        try:
            with database.atomic():
                organization = Organization.create(inn=inn, name=data["name"])
        except peewee.IntegrityError:
            raise InnTaken() from None
        credit_unmatched(organization)
    return Organization.get_by_id(organization.id)


def credit_unmatched(organization: Organization) -> int:
    """Credit the unmatched payments of the organization's INN; each is taken by one conditional
    UPDATE, so an admin assigning it at the same moment cannot credit it twice."""
    param = database.param
    now = utcnow()
    cursor = database.execute_sql(
        f'UPDATE {table(Payment)} SET "status" = \'credited\', "organization_id" = {param}, '
        f'"credited_at" = {param} WHERE "payer_inn" = {param} AND "status" = \'unmatched\' '
        f'RETURNING "id", "amount"',
        (organization.id, Payment.credited_at.db_value(now), organization.inn))
    taken = sorted(cursor.fetchall())
    for payment_id, amount in taken:
        credit(organization.id, payment_id, money(amount), REASON_ON_CREATION)
    return len(taken)


def assign_payment(payment_id: int, to: dict) -> Payment:
    """Credit an unmatched payment to an organization an admin chose (`organization` or
    `organization_id`: its id, or its `inn`; a payer's INN may be wrong)."""
    param = database.param
    with database.atomic():
        if "inn" in to:
            organization_id = Organization.select(Organization.id).where(Organization.inn == to["inn"]).scalar()
        else:
            organization_id = to.get("organization") or to.get("organization_id")
            if not Organization.select().where(Organization.id == organization_id).exists():
                organization_id = None
        if organization_id is None:
            raise NoSuchOrganization()
        cursor = database.execute_sql(
            f'UPDATE {table(Payment)} SET "status" = \'credited\', "organization_id" = {param}, '
            f'"credited_at" = {param} WHERE "id" = {param} AND "status" = \'unmatched\' RETURNING "amount"',
            (organization_id, Payment.credited_at.db_value(utcnow()), payment_id))
        taken = cursor.fetchone()
        if taken is None:
            if not Payment.select().where(Payment.id == payment_id).exists():
                raise NoSuchPayment()
            raise NotUnmatched()
        credit(organization_id, payment_id, money(taken[0]), REASON_ASSIGNED)
    return get_payment(payment_id)


def rename_organization(organization: Organization, data: dict) -> Organization:
    Organization.update(name=data["name"]).where(Organization.id == organization.id).execute()
    return Organization.get_by_id(organization.id)


def delete_organization(organization: Organization) -> None:
    with database.atomic():
        if (Payment.select().where(Payment.organization == organization.id).exists()
                or BalanceLog.select().where(BalanceLog.organization == organization.id).exists()):
            raise HasPayments()
        try:
            with database.atomic():
                organization.delete_instance()
        except peewee.IntegrityError:
            raise HasPayments() from None


def balance_of(inn: str) -> Decimal | None:
    """The balance as the database has it now (no cache: a rolled back credit is never shown)."""
    value = Organization.select(Organization.balance).where(Organization.inn == inn).tuples().first()
    return None if value is None else money(value[0])


def get_organization(organization_id: int) -> Organization | None:
    return Organization.get_or_none(Organization.id == organization_id)


def organization_by_inn(inn: str) -> Organization | None:
    return Organization.get_or_none(Organization.inn == inn)


def organizations_query(params: dict):
    query = Organization.select()
    if params.get("search"):
        text = params["search"].strip()
        query = query.where(Organization.inn.contains(text) | Organization.name.contains(text))
    if params.get("inn"):
        query = query.where(Organization.inn == params["inn"])
    return query


# --- payments, the log, deliveries ------------------------------------------------------------------


def get_payment(payment_id: int) -> Payment | None:
    return (Payment.select(Payment, Organization).join(Organization, peewee.JOIN.LEFT_OUTER)
            .where(Payment.id == payment_id).first())


def payments_query(params: dict):
    query = Payment.select(Payment, Organization).join(Organization, peewee.JOIN.LEFT_OUTER)
    inn = params.get("inn") or params.get("payer_inn")
    if inn:
        query = query.where(Payment.payer_inn == inn)
    if params.get("organization"):
        query = query.where(Payment.organization == params["organization"])
    if params.get("status"):
        query = query.where(Payment.status == params["status"])
    if params.get("operation_id"):
        query = query.where(Payment.operation_id == params["operation_id"])
    for name, column, compare in (("received_from", Payment.received_at, "ge"),
                                  ("received_to", Payment.received_at, "le"),
                                  ("document_from", Payment.document_date, "ge"),
                                  ("document_to", Payment.document_date, "le")):
        if params.get(name) is not None:
            query = query.where(column >= params[name] if compare == "ge" else column <= params[name])
    return query


def balance_log_query(organization: Organization):
    def make(params: dict):
        return (BalanceLog.select(BalanceLog, Payment).join(Payment, peewee.JOIN.LEFT_OUTER)
                .where(BalanceLog.organization == organization.id))

    return make


def deliveries_query(params: dict):
    query = WebhookDelivery.select()
    for name in ("outcome", "operation_id", "payer_inn"):
        if params.get(name):
            query = query.where(getattr(WebhookDelivery, name) == params[name])
    if params.get("received_from") is not None:
        query = query.where(WebhookDelivery.received_at >= params["received_from"])
    if params.get("received_to") is not None:
        query = query.where(WebhookDelivery.received_at <= params["received_to"])
    return query


# --- reconciliation ---------------------------------------------------------------------------------


def totals(query) -> dict[int, Decimal]:
    return {organization_id: money(total) for organization_id, total in query.tuples()}


def reconcile() -> Reconciliation:
    """Every organization's balance against the sum of its log and of its credited payments, read in
    one snapshot; a mismatch is logged as an error and kept for the dashboard."""
    with database.atomic():
        if not is_sqlite():
            database.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        logged = totals(BalanceLog.select(BalanceLog.organization, peewee.fn.SUM(BalanceLog.delta))
                        .group_by(BalanceLog.organization))
        paid = totals(Payment.select(Payment.organization, peewee.fn.SUM(Payment.amount))
                      .where(Payment.status == "credited").group_by(Payment.organization))
        organizations = list(Organization.select())
    zero = Decimal("0.00")
    mismatches = []
    for organization in organizations:
        log_total = logged.get(organization.id, zero)
        payments_total = paid.get(organization.id, zero)
        if not organization.balance == log_total == payments_total:
            mismatches.append({"inn": organization.inn, "name": organization.name,
                               "balance": str(organization.balance), "log_total": str(log_total),
                               "payments_total": str(payments_total)})
            log.error("reconciliation: organization %s (%s): balance %s, log %s, credited payments %s",
                      organization.inn, organization.name, organization.balance, log_total, payments_total)
    run = Reconciliation.create(organizations=len(organizations), mismatches=mismatches, ok=not mismatches)
    Reconciliation.delete().where(Reconciliation.checked_at < utcnow() - dt.timedelta(days=30)).execute()
    return run


def last_reconciliation() -> Reconciliation | None:
    return Reconciliation.select().order_by(Reconciliation.id.desc()).first()


def summary() -> dict:
    last = last_reconciliation()
    return {
        "organizations": Organization.select().count(),
        "unmatched": Payment.select().where(Payment.status == "unmatched").count(),
        "conflicts": WebhookDelivery.select().where(WebhookDelivery.outcome == "conflict").count(),
        "refused": WebhookDelivery.select().where(WebhookDelivery.outcome == "refused").count(),
        "reconciliation": reconciliation_view(last),
    }


def reconciliation_view(run: Reconciliation | None) -> dict:
    if run is None:
        return {"checked_at": None, "organizations": 0, "ok": True, "mismatches": []}
    return {"checked_at": run.checked_at, "organizations": run.organizations, "ok": run.ok,
            "mismatches": run.mismatches}
