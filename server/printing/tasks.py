"""Printing's Celery tasks: thin and idempotent, they call the rendering logic."""
import atexit
import logging

from celery.signals import worker_process_shutdown, worker_shutdown

from server.printing.pool import close_shared_pool
from server.printing.render import RenderFailed, render_orders, render_pool
from server.printing.service import RENDER_TASK, queue_renders
from server.settings import settings
from server.worker import DatabaseTask, celery_app

log = logging.getLogger("server.printing")

# The render pool is started by a worker process's first render (render.render_pool) and closed with it:
# the worker's warm shutdown (also the embedded server's stop), a prefork child's end, or the interpreter's.
worker_shutdown.connect(close_shared_pool, weak=False)
worker_process_shutdown.connect(close_shared_pool, weak=False)
atexit.register(close_shared_pool)


@celery_app.task(name=RENDER_TASK, bind=True, base=DatabaseTask, max_retries=None)
def render_orders_task(self, order_ids: list[int]) -> int:
    """Render the orders' new checks. The server queues one task for all the orders it took in at
    once (a queue message costs it more than an order does). With the render pool the task hands all
    their checks to the pool together, which spreads them over its processes; without it (the
    wkhtmltopdf service, or RENDER_PROCESSES=0) the task hands every order but the first on in a task
    of its own, so that all worker threads share them, and renders the first. Failed orders are retried
    together with exponential backoff up to RENDER_MAX_RETRIES attempts, after which their checks stay
    `new` with their error."""
    if render_pool() is None:
        order_ids, others = order_ids[:1], order_ids[1:]
        for other in others:
            queue_renders([other])
    answers = render_orders(order_ids)
    retry, attempts = [], 0
    for order_id, answer in answers.items():
        if not isinstance(answer, RenderFailed):
            continue
        if answer.attempts >= settings.render_max_retries:
            log.error("order %s: giving up after %d attempts: %s", order_id, answer.attempts, answer)
        else:
            log.warning("order %s: attempt %d failed: %s", order_id, answer.attempts, answer)
            retry.append(order_id)
            attempts = max(attempts, answer.attempts)
    if retry:
        countdown = settings.render_retry_backoff ** attempts
        log.warning("orders %s: retrying in %.1fs", retry, countdown)
        raise self.retry(args=(retry,), countdown=countdown)
    return sum(answer for answer in answers.values() if not isinstance(answer, RenderFailed))
