"""Analytics' Celery task: the hourly recompute the seed asks for."""
import logging

from server.analytics import service
from server.worker import DatabaseTask, celery_app

log = logging.getLogger("server.analytics")

RECOMPUTE_TASK = "analytics.recompute_recent_hours"


@celery_app.task(name=RECOMPUTE_TASK, base=DatabaseTask)
def recompute_recent_hours(recent_hours: int = 3) -> int:
    """Recompute the last hours, and every hour a receipt stored since then (a late one) belongs to,
    from the stored receipts; correct and log any drift. Idempotent."""
    corrected = service.recompute_hours(service.hours_to_recompute(recent_hours))
    if corrected:
        log.warning("analytics: corrected %d hourly figures", corrected)
    return corrected
