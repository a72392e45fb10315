"""Printing's Celery tasks: thin and idempotent, they call the rendering logic."""
import logging

from server.printing.render import RenderFailed, render_order
from server.printing.service import RENDER_TASK, queue_renders
from server.settings import settings
from server.worker import DatabaseTask, celery_app

log = logging.getLogger("server.printing")


@celery_app.task(name=RENDER_TASK, bind=True, base=DatabaseTask, max_retries=None)
def render_orders_task(self, order_ids: list[int]) -> int:
    """Render the orders' new checks. The server queues one task for all the orders it took in at
    once (a queue message costs it more than an order does); the task hands every order but the first
    on in a task of its own, so that all worker threads share them, and renders the first. A failed
    render is retried with exponential backoff up to RENDER_MAX_RETRIES attempts, after which the
    checks stay `new` with their error."""
    order_id, *others = order_ids
    for other in others:
        queue_renders([other])
    try:
        return render_order(order_id)
    except RenderFailed as failure:
        if failure.attempts >= settings.render_max_retries:
            log.error("order %s: giving up after %d attempts: %s", order_id, failure.attempts, failure)
            return 0
        countdown = settings.render_retry_backoff ** failure.attempts
        log.warning("order %s: attempt %d failed, retrying in %.1fs: %s", order_id,
                    failure.attempts, countdown, failure)
        raise self.retry(args=([order_id],), countdown=countdown) from failure
