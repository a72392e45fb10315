"""The render pool (issue 14): long-lived `wkhtmltopdf --read-args-from-stdin` processes, real PDFs read
back with pdftotext, failures that stay with their own job, processes killed, hung, retired, and gone when
the worker or the server that started them stops."""
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from server.printing import pool as pool_module
from server.printing import render
from server.printing.models import Check
from server.printing.pool import RenderPool
from server.settings import PROJECT_ROOT, settings
from tests.conftest import PROFILE, free_port, wait_until
from tests.printing.conftest import order_body, pdf_text

OPTIONS = {"encoding": "UTF-8", "quiet": "", "javascript-delay": "0"}
SLOW = {**OPTIONS, "javascript-delay": "6000"}  # wkhtmltopdf waits this long on every page


def page(text: str) -> str:
    return f"<html><head><meta charset='utf-8'></head><body><h1>{text}</h1></body></html>"


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wkhtmltopdf_under(ancestor: int) -> list[int]:
    """The live wkhtmltopdf processes that descend from `ancestor`."""
    parents, names = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    name, rest = stat.read().rsplit(")", 1)
            except OSError:
                continue
            parents[int(entry)], names[int(entry)] = int(rest.split()[1]), name.split("(", 1)[1]
    found = []
    for pid, name in names.items():
        up = parents.get(pid)
        while up and up != ancestor:
            up = parents.get(up)
        if up == ancestor and name.startswith("wkhtmltopdf") and alive(pid):
            found.append(pid)
    return found


@pytest.fixture
def pool():
    started = RenderPool("wkhtmltopdf", 1, timeout=20)
    yield started
    started.close()


def test_a_pool_renders_real_pdfs_one_process_after_another(pool, tmp_path):
    futures = [pool.submit(page(f"Заказ {n}"), OPTIONS, tmp_path / f".{n}.part") for n in range(6)]
    outputs = [future.result(60) for future in futures]
    assert [pdf_text(output).strip() for output in outputs] == [f"Заказ {n}" for n in range(6)]
    assert pool.replaced == 0 and len(pool.pids()) == 1


def test_a_failing_job_does_not_fail_the_jobs_queued_behind_it(pool, tmp_path):
    before = pool.submit(page("before"), OPTIONS, tmp_path / ".before.part")
    # An argument wkhtmltopdf refuses: it prints `Unknown long argument` and exits, with the lines behind.
    failing = pool.submit(page("failing"), {**OPTIONS, "no-such-option": ""}, tmp_path / ".failing.part")
    behind = [pool.submit(page(f"behind {n}"), OPTIONS, tmp_path / f".behind{n}.part") for n in range(4)]
    assert pdf_text(before.result(60)).strip() == "before"
    with pytest.raises(OSError, match="Unknown long argument --no-such-option"):
        failing.result(60)
    assert [pdf_text(f.result(60)).strip() for f in behind] == [f"behind {n}" for n in range(4)]
    assert pool.replaced == 2  # the failing job took down a process, and the one it was retried on
    assert not (tmp_path / ".failing.part").exists()


def test_a_hung_process_is_killed_after_the_timeout_and_its_job_fails_after_one_retry(tmp_path):
    hanging = RenderPool("wkhtmltopdf", 1, timeout=1.5)
    try:
        slow = hanging.submit(page("slow"), SLOW, tmp_path / ".slow.part")
        after = hanging.submit(page("after"), OPTIONS, tmp_path / ".after.part")
        with pytest.raises(OSError, match="took longer than 1.5s"):
            slow.result(60)
        assert pdf_text(after.result(60)).strip() == "after"
        assert hanging.replaced == 2
    finally:
        hanging.close()


def test_processes_are_replaced_after_their_job_count_and_past_their_memory(tmp_path, monkeypatch):
    started = []  # every process a pool starts (a look at pids() between jobs can miss one)
    spawn = RenderPool._spawn
    monkeypatch.setattr(RenderPool, "_spawn", lambda pool: started.append(spawn(pool)) or started[-1])
    for limits in ({"max_jobs": 2}, {"max_memory_mb": 1}):
        started.clear()
        replaced = RenderPool("wkhtmltopdf", 1, **limits)
        try:
            for n in range(5):
                assert pdf_text(replaced.submit(page(f"doc {n}"), OPTIONS, tmp_path / f".{n}.part")
                                .result(60)).strip() == f"doc {n}"
            assert len(started) >= 3 and replaced.replaced == 0, (limits, len(started))
        finally:
            replaced.close()


def test_closing_the_pool_ends_its_processes(tmp_path):
    closing = RenderPool("wkhtmltopdf", 2)
    closing.submit(page("one"), OPTIONS, tmp_path / ".one.part").result(60)
    pids = wait_until(lambda: len(closing.pids()) == 2 and closing.pids(), 30, message="two processes")
    closing.close()
    assert not any(alive(pid) for pid in pids)
    with pytest.raises(pool_module.PoolClosed):
        closing.submit(page("late"), OPTIONS, tmp_path / ".late.part")


@pytest.fixture
def one_process(monkeypatch):
    """The shared pool with one process, so a test knows which process renders its check."""
    monkeypatch.setattr(settings, "render_processes", 1)
    yield render.render_pool()
    pool_module.close_shared_pool()


def test_a_process_killed_mid_render_is_replaced_and_the_check_renders_once(printers, one_process,
                                                                             monkeypatch):
    check = Check.create(printer=printers["point1-client-key"], type="client", order=order_body(6001),
                         order_id=6001, status="new")
    slow_options = render.page_options
    monkeypatch.setattr(render, "page_options", lambda *a: {**slow_options(*a), "javascript-delay": "2500"})
    first = wait_until(one_process.pids, 30, message="the pool's process")[0]
    rendering = threading.Thread(target=render.render_order, args=(6001,))
    rendering.start()
    wait_until(one_process.jobs_in_hand, 30, 0.02, message="the job in the process's hands")
    time.sleep(0.3)  # it renders the page, then waits out the javascript delay
    os.kill(first, signal.SIGKILL)
    rendering.join(60)
    done = Check.get_by_id(check.id)
    assert done.status == "rendered" and done.render_attempts == 1 and done.render_error is None
    assert one_process.replaced == 1 and first not in one_process.pids()
    assert "6001" in pdf_text(settings.media_root / done.pdf_file)
    assert sorted(os.listdir(settings.media_root / "pdf")) == ["6001_client.pdf"]


def test_no_partial_file_is_ever_visible_while_a_batch_renders(printers):
    order_ids = list(range(6100, 6120))
    for order_id in order_ids:
        for key in ("point1-client-key", "point1-kitchen-key"):
            Check.create(printer=printers[key], type=printers[key].check_type, order=order_body(order_id),
                         order_id=order_id, status="new")
    directory = settings.media_root / "pdf"
    directory.mkdir(parents=True, exist_ok=True)
    seen, bad, stop = set(), [], threading.Event()

    def watch():
        while not stop.is_set():
            for name in os.listdir(directory):
                if name.startswith("."):
                    continue
                try:
                    data = (directory / name).read_bytes()
                except FileNotFoundError:
                    continue
                seen.add(name)
                if not (data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")):
                    bad.append((name, len(data)))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        answers = render.render_orders(order_ids)
    finally:
        stop.set()
        watcher.join()
    assert answers == {order_id: 2 for order_id in order_ids}
    assert bad == [] and len(seen) >= 1
    expected = sorted(f"{o}_{t}.pdf" for o in order_ids for t in ("client", "kitchen"))
    assert sorted(os.listdir(directory)) == expected
    assert "6119" in pdf_text(directory / "6119_kitchen.pdf")


ORPHAN_SCRIPT = """
import sys, time
from pathlib import Path
from server.printing.pool import RenderPool
pool = RenderPool("wkhtmltopdf", 2)
pool.submit("<p>x</p>", {"javascript-delay": "0"}, Path(sys.argv[1])).result(60)
while len(pool.pids()) < 2:
    time.sleep(0.05)
print(" ".join(map(str, pool.pids())), flush=True)
time.sleep(120)
"""


def test_the_processes_end_when_their_parent_is_killed(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", ORPHAN_SCRIPT, str(tmp_path / ".x.part")],
                              cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(pids) == 2 and all(alive(pid) for pid in pids)
    finally:
        parent.kill()
        parent.wait(10)
    wait_until(lambda: not any(alive(pid) for pid in pids), 15, message="the orphaned processes to end")


def test_the_embedded_server_renders_through_its_pool_and_its_processes_end_when_it_stops(tmp_path):
    import requests

    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'server.db'}", "MEDIA_ROOT": str(tmp_path),
           "PRINTING_ERP_AUTH": "false", "RENDER_PROCESSES": "2", "LOG_LEVEL": "WARNING"}
    for name in ("CELERY_BROKER_URL", "REDIS_URL", "WKHTMLTOPDF_URL"):
        env.pop(name, None)
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen([sys.executable, "-m", "server", "run", "--port", str(port)],
                                  cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            def post():
                try:
                    return requests.post(f"http://127.0.0.1:{port}/create_checks/", json=order_body(6200),
                                         timeout=5).status_code == 200
                except requests.ConnectionError:
                    return server.poll() is not None and pytest.fail("the server stopped")
            wait_until(post, 60, 0.2, message="the embedded server")
            wait_until(lambda: (tmp_path / "pdf" / "6200_client.pdf").exists()
                       and (tmp_path / "pdf" / "6200_kitchen.pdf").exists(), 60, message="the two checks")
            assert "6200" in pdf_text(tmp_path / "pdf" / "6200_client.pdf")
            pids = wkhtmltopdf_under(server.pid)
            assert len(pids) == 2
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                raise
        assert server.returncode == 0, log.seek(0) or log.read().decode(errors="replace")[-2000:]
    assert not any(alive(pid) for pid in pids)


@pytest.mark.skipif(PROFILE != "production",
                    reason="the Celery worker process runs on the production profile")
def test_the_worker_renders_through_its_pool_and_its_processes_end_when_it_stops(printers, tmp_path):
    from server.printing.service import RENDER_TASK
    from server.worker import celery_app

    queue = f"{settings.celery_queue}-pool"
    checks = [Check.create(printer=printers[key], type=printers[key].check_type, order=order_body(6300),
                           order_id=6300, status="new")
              for key in ("point1-client-key", "point1-kitchen-key")]
    with tempfile.TemporaryFile() as log:
        worker = subprocess.Popen([sys.executable, "-m", "server", "worker", "--concurrency", "2"],
                                  cwd=PROJECT_ROOT,
                                  env={**os.environ, "CELERY_QUEUE": queue, "RENDER_PROCESSES": "2"},
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            celery_app.send_task(RENDER_TASK, args=([6300],), queue=queue)
            wait_until(lambda: all(Check.get_by_id(c.id).status == "rendered" for c in checks), 60,
                       message="the worker's renders")
            pids = wait_until(lambda: len(wkhtmltopdf_under(worker.pid)) == 2
                              and wkhtmltopdf_under(worker.pid), 30,
                              message="the worker's two render processes")
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                raise
    assert not any(alive(pid) for pid in pids)


def test_with_the_wkhtmltopdf_service_the_pool_is_not_used(printers, monkeypatch, tmp_path):
    """WKHTMLTOPDF_URL keeps working as it did: each check is one call to the service."""
    import base64
    import http.server
    import json

    calls = []

    class Service(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            calls.append(payload)
            html = tmp_path / "service.html"
            html.write_bytes(base64.b64decode(payload["contents"]))
            pdf = subprocess.run(["wkhtmltopdf", "--quiet", str(html), "-"], capture_output=True).stdout
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(pdf)))
            self.end_headers()
            self.wfile.write(pdf)

        def log_message(self, *_):
            pass

    service = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Service)
    threading.Thread(target=service.serve_forever, daemon=True).start()
    try:
        monkeypatch.setattr(settings, "wkhtmltopdf_url", f"http://127.0.0.1:{service.server_port}/")
        assert render.render_pool() is None
        check = Check.create(printer=printers["point2-client-key"], type="client", order=order_body(6400, 2),
                             order_id=6400, status="new")
        assert render.render_order(6400) == 1
    finally:
        service.shutdown()
    assert len(calls) == 1 and "6400" in base64.b64decode(calls[0]["contents"]).decode()
    assert "6400" in pdf_text(settings.media_root / Check.get_by_id(check.id).pdf_file)
