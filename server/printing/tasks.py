"""Printing's Celery tasks: thin and idempotent, they call the rendering logic."""
import logging

from server.printing.render import RenderFailed, render_checks
from server.printing.service import RENDER_TASK
from server.settings import settings
from server.worker import DatabaseTask, celery_app

log = logging.getLogger("server.printing")


@celery_app.task(name=RENDER_TASK, bind=True, base=DatabaseTask, max_retries=None)
def render_checks_task(self, order_id: int, check_type: str) -> int:
    """Render an order's checks of one type; retried with exponential backoff up to
    RENDER_MAX_RETRIES attempts, after which the checks stay `new` with their error."""
    try:
        return render_checks(order_id, check_type)
    except RenderFailed as failure:
        if failure.attempts >= settings.render_max_retries:
            log.error("order %s %s check: giving up after %d attempts: %s", order_id, check_type,
                      failure.attempts, failure)
            return 0
        countdown = settings.render_retry_backoff ** failure.attempts
        log.warning("order %s %s check: attempt %d failed, retrying in %.1fs: %s", order_id, check_type,
                    failure.attempts, countdown, failure)
        raise self.retry(countdown=countdown) from failure
