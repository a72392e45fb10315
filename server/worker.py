"""The Celery app. In production its broker is Redis and `python -m server worker` runs the workers; on
the embedded profile (no CELERY_BROKER_URL) the same tasks go through an in-memory broker to a worker
that runs on threads inside the server process, so they still run after the response is sent."""
import logging
import os
import threading
from pathlib import Path

import kombu.exceptions
from celery import Celery, Task
from celery.beat import EmbeddedService
from celery.signals import worker_process_init, worker_init

from server.db import database, init_database, with_connection
from server.modules import modules
from server.settings import PROJECT_ROOT, settings

log = logging.getLogger("server.worker")

celery_app = Celery("receipt_hub")
celery_app.set_default()
celery_app.conf.update(
    broker_url=settings.celery_broker_url or "memory://localhost/",
    broker_connection_retry_on_startup=True,
    # Only the embedded in-memory broker polls: how long a free worker thread may wait for the next task.
    broker_transport_options={"polling_interval": 0.005},
    task_default_queue=settings.celery_queue,
    task_ignore_result=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    worker_hijack_root_logger=False,
    timezone="UTC",
    beat_schedule_filename=str(PROJECT_ROOT / "var" / "celerybeat-schedule"),
)
# Each module's task module, imported when a worker starts (the module list is read then, not here).
celery_app.autodiscover_tasks(lambda: [module.tasks for module in modules() if module.tasks],
                              related_name=None)


def beat_schedule() -> dict:
    """Every module's periodic tasks."""
    return {name: entry for module in modules() for name, entry in module.beat.items()}


class DatabaseTask(Task):
    """A task that runs with its worker thread's database connection, as background work."""

    abstract = True

    def __call__(self, *args, **kwargs):
        if not self.request.is_eager:
            yield_cpu_to_requests()
        return with_connection(super().__call__, *args, **kwargs)


_thread = threading.local()


def yield_cpu_to_requests() -> None:
    """Lower this worker thread to WORKER_NICE, once: a render must not slow the server's requests
    when they share the cores (always, on the embedded profile). Linux keeps a nice value per thread,
    and the wkhtmltopdf processes a thread starts inherit it."""
    if getattr(_thread, "niced", False):
        return
    _thread.niced = True
    thread_id = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, thread_id) < settings.worker_nice:
            os.setpriority(os.PRIO_PROCESS, thread_id, settings.worker_nice)
    except OSError as error:
        log.warning("could not lower the worker thread's priority: %s", error)


@worker_init.connect
@worker_process_init.connect
def _connect_database(**_):
    if database.obj is None:
        init_database()


class QueueUnavailable(Exception):
    """The broker could not be reached: the task was not queued."""


def enqueue(task_name: str, *args) -> None:
    """Queue a task by name, so that logic modules need not import the task modules."""
    try:
        celery_app.send_task(task_name, args=args)
    except kombu.exceptions.OperationalError as error:
        raise QueueUnavailable(str(error)) from error


class EmbeddedWorker:
    """A Celery worker on threads inside this process, fed by the in-memory broker."""

    def __init__(self, concurrency: int | None = None):
        self.concurrency = concurrency or settings.render_threads
        self._controller = None
        self._thread: threading.Thread | None = None
        self._beat: EmbeddedService | None = None

    def start(self) -> None:
        celery_app.loader.import_default_modules()
        celery_app.conf.beat_schedule = beat_schedule()
        if celery_app.conf.beat_schedule:  # the modules' periodic tasks, on a thread of their own
            Path(celery_app.conf.beat_schedule_filename).parent.mkdir(parents=True, exist_ok=True)
            self._beat = EmbeddedService(celery_app, thread=True,
                                         schedule_filename=celery_app.conf.beat_schedule_filename)
            self._beat.start()
        self._controller = celery_app.WorkController(
            pool_cls="threads", concurrency=self.concurrency, without_heartbeat=True,
            without_mingle=True, without_gossip=True, loglevel=settings.log_level, hostname="embedded@local",
        )
        self._thread = threading.Thread(target=self._controller.start, name="embedded-worker", daemon=True)
        self._thread.start()
        log.info("embedded worker started with %d threads", self.concurrency)

    def stop(self) -> None:
        if self._beat is not None:
            self._beat.stop()
            self._beat = None
        if self._controller is not None:
            self._controller.stop(in_sighandler=False)
            self._thread.join(timeout=10)
            self._controller = None
