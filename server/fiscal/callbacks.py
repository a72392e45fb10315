"""Callbacks: a receipt's `callback_url` is POSTed the receipt's report once it leaves `in_process`
(as ATOL Online's service.callback_url), signed as our webhooks are (server.signing), retried with
backoff; every attempt is kept on the receipt. Unless FISCAL_CALLBACK_INTERNAL is on, a URL whose
host is or resolves to an internal address is refused: a client must not make the server POST into
its own network (the address is checked when the attempt is made, not pinned for the connection)."""
import ipaddress
import socket
import urllib.error
import urllib.parse
import urllib.request

from server.db import database, dumps, utcnow
from server.fiscal.models import FiscalReceipt
from server.settings import settings
from server.signing import HEADER, sign
from server.worker import QueueUnavailable, enqueue

CALLBACK_TASK = "fiscal.deliver_callback"
TIMEOUT = 10


def queue_callbacks(receipt_ids: list[int]) -> None:
    if not receipt_ids:
        return
    ids = [r.id for r in FiscalReceipt.select(FiscalReceipt.id).where(
        FiscalReceipt.id.in_(receipt_ids), FiscalReceipt.callback_url.is_null(False),
        FiscalReceipt.state != "in_process", FiscalReceipt.callback_state.is_null())]
    if not ids:
        return
    FiscalReceipt.update(callback_state="pending").where(FiscalReceipt.id.in_(ids)).execute()
    for receipt_id in ids:
        try:
            enqueue(CALLBACK_TASK, receipt_id)
        except QueueUnavailable as error:
            record_attempt(receipt_id, None, f"queue unavailable: {error}", final=True)


def internal_address(url: str) -> str | None:
    """The first address of the URL's host that is not a public one, or None when all are public."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for *_, address in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP):
        ip = ipaddress.ip_address(address[0].split("%", 1)[0])
        if not ip.is_global or ip.is_multicast:
            return str(ip)
    return None


def post_report(url: str, body: bytes) -> int:
    headers = {"Content-Type": "application/json"}
    if settings.fiscal_callback_secret:
        headers[HEADER] = sign(body, [settings.fiscal_callback_secret])
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def record_attempt(receipt_id: int, status: int | None, error: str | None, final: bool) -> None:
    with database.atomic():
        receipt = FiscalReceipt.get_by_id(receipt_id)
        receipt.callback_attempts = [*(receipt.callback_attempts or []),
                                     {"at": utcnow().isoformat(), "status": status, "error": error}]
        if status is not None and 200 <= status < 300:
            receipt.callback_state = "delivered"
        elif final:
            receipt.callback_state = "failed"
        receipt.save(only=[FiscalReceipt.callback_attempts, FiscalReceipt.callback_state])


def deliver(receipt_id: int) -> bool | None:
    """One attempt: True delivered, False failed (try again), None nothing to do."""
    from server.fiscal.service import receipt_report

    receipt = FiscalReceipt.get_or_none(FiscalReceipt.id == receipt_id)
    if receipt is None or receipt.callback_state != "pending":
        return None
    body = dumps(receipt_report(receipt)).encode()
    attempts = len(receipt.callback_attempts or []) + 1
    final = attempts >= settings.fiscal_callback_attempts
    try:
        internal = None if settings.fiscal_callback_internal else internal_address(receipt.callback_url)
        if internal is not None:
            record_attempt(receipt_id, None, f"refused: {internal} is an internal address "
                                             "(FISCAL_CALLBACK_INTERNAL is off)", final=True)
            return None
        status, error = post_report(receipt.callback_url, body), None
    except (OSError, ValueError) as failure:
        status, error = None, str(failure)[:500]
    if status is not None and not 200 <= status < 300:
        error = f"HTTP {status}"
    record_attempt(receipt_id, status, error, final)
    if error is None:
        return True
    return None if final else False


def retry_delay(receipt_id: int) -> float:
    attempts = len(FiscalReceipt.get_by_id(receipt_id).callback_attempts or [])
    return settings.fiscal_callback_backoff * 2 ** max(attempts - 1, 0)

