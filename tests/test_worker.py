"""Background work yields the CPU to the server's requests."""
import os
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

from server.settings import settings
from server.worker import DatabaseTask, celery_app, yield_cpu_to_requests


@celery_app.task(base=DatabaseTask, name="tests.report_priority")
def report_priority() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def base_priority() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def lowered_priority() -> int:
    """WORKER_NICE, or the test run's own when that is already lower (a nice value only grows)."""
    return max(settings.worker_nice, base_priority())


def in_a_new_thread(fn):
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(fn).result(timeout=30)


def test_a_worker_thread_and_the_processes_it_starts_run_at_worker_nice():
    def lowered():
        yield_cpu_to_requests()
        yield_cpu_to_requests()  # a second call changes nothing and does not fail
        child = subprocess.run(["nice"], capture_output=True, text=True, check=True).stdout.strip()
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), int(child)

    base = base_priority()
    assert in_a_new_thread(lowered) == (lowered_priority(), lowered_priority())
    assert base_priority() == base  # only that thread


def test_a_task_run_by_a_worker_is_lowered_one_called_in_place_is_not():
    def as_the_worker_runs_it():
        report_priority.push_request(is_eager=False)
        try:
            return report_priority()
        finally:
            report_priority.pop_request()

    assert in_a_new_thread(as_the_worker_runs_it) == lowered_priority()
    assert in_a_new_thread(lambda: report_priority.apply().result) == base_priority()
