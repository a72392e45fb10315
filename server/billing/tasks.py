"""Billing's Celery task: thin; the run itself resumes after its last committed chunk, so a task
delivered again (its worker died: acks are late) or queued twice does no work twice."""
from server.billing.service import RUN_TASK, process_run
from server.worker import DatabaseTask, celery_app


@celery_app.task(name=RUN_TASK, base=DatabaseTask)
def billing_run_task(run_id: int) -> str:
    return process_run(run_id)
