"""Fiscal's Celery task: thin and idempotent, it calls the registration logic."""
import logging
import threading

import peewee

from server.fiscal.callbacks import CALLBACK_TASK, deliver, retry_delay
from server.fiscal.service import REGISTER_TASK, finish_with_error, register_receipts
from server.settings import settings
from server.worker import DatabaseTask, celery_app

log = logging.getLogger("server.fiscal")

MAX_RETRIES = 5


@celery_app.task(name=REGISTER_TASK, bind=True, base=DatabaseTask, max_retries=None)
def register_receipt_task(self, receipt_ids: int | list[int]):
    """Register the receipts (one id, or the ids of a batch of requests) on their devices. Running it
    again (a worker lost mid-way, a redelivery) is harmless: the receipts' states are read again under
    the device's row lock. A database failure is retried with backoff; after MAX_RETRIES the receipts
    still `in_process` are `error` with the reason."""
    ids = [receipt_ids] if isinstance(receipt_ids, int) else list(receipt_ids)
    try:
        register_receipts(ids)
    except (peewee.OperationalError, peewee.InterfaceError) as failure:
        if self.request.retries >= MAX_RETRIES:
            log.error("receipts %s: giving up: %s", ids, failure)
            for receipt_id in ids:
                finish_with_error(receipt_id, f"Ошибка базы данных: {failure}")
            return "error"
        raise self.retry(countdown=0.2 * 2 ** self.request.retries) from failure


# A callback waits on a URL the client chose (up to its timeout, at every attempt): only this many of a
# worker's threads may wait so at once, the others stay free for registrations and renders.
callback_slots = threading.BoundedSemaphore(settings.fiscal_callback_slots)
SLOT_WAIT = 0.5


@celery_app.task(name=CALLBACK_TASK, bind=True, base=DatabaseTask, max_retries=None)
def deliver_callback_task(self, receipt_id: int):
    """POST the receipt's report to its callback_url; a failure is tried again after
    FISCAL_CALLBACK_BACKOFF * 2^(n-1) s, up to FISCAL_CALLBACK_ATTEMPTS attempts. With every one of the
    process's FISCAL_CALLBACK_SLOTS taken, the delivery is queued again SLOT_WAIT s later (not an attempt)."""
    if not callback_slots.acquire(blocking=False):
        raise self.retry(countdown=SLOT_WAIT)
    try:
        delivered = deliver(receipt_id)
    finally:
        callback_slots.release()
    if delivered is False:
        raise self.retry(countdown=retry_delay(receipt_id))
