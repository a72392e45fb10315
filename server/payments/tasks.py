"""Payments' Celery tasks: thin, they call the logic."""
from server.payments import service
from server.worker import DatabaseTask, celery_app

RECONCILE_TASK = "payments.reconcile"


@celery_app.task(name=RECONCILE_TASK, base=DatabaseTask)
def reconcile_task() -> bool:
    """Every organization's balance against its log and its credited payments (beat, hourly)."""
    return service.reconcile().ok
