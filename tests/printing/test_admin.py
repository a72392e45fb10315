"""The admin's REST API for printers and checks, and rendering's failures and retries."""
import os
import stat

import pytest

from server.printing import messages, render
from server.printing.models import Check, Printer
from server.settings import settings
from tests.conftest import wait_until
from tests.printing.conftest import order_body, statuses


def test_printers_are_listed_with_filters_and_pages(api, printers):
    everything = api.get("/api/v1/printers").json()
    assert everything["total"] == 9 and len(everything["items"]) == 9
    kitchens = api.get("/api/v1/printers", params={"point_id": 4, "check_type": "kitchen"}).json()
    assert sorted(p["api_key"] for p in kitchens["items"]) == ["point4-kitchen-cold-key", "point4-kitchen-hot-key"]
    page = api.get("/api/v1/printers", params={"limit": 2, "offset": 2, "sort": "name", "order": "desc"}).json()
    names = sorted((p["name"] for p in everything["items"]), reverse=True)
    assert [p["name"] for p in page["items"]] == names[2:4] and page["total"] == 9
    api.delete(f"/api/v1/printers/{printers['point1-client-key'].id}").raise_for_status()
    assert api.get("/api/v1/printers", params={"is_active": "false"}).json()["total"] == 1


def test_printer_is_created_with_a_generated_key_edited_and_deactivated(api):
    created = api.post("/api/v1/printers", json={"name": "Бар", "check_type": "client", "point_id": 7})
    assert created.status_code == 201
    printer = created.json()
    assert len(printer["api_key"]) >= 16 and printer["is_active"] is True and printer["last_seen_at"] is None
    edited = api.patch(f"/api/v1/printers/{printer['id']}", json={"name": "Бар у окна"}).json()
    assert edited["name"] == "Бар у окна" and edited["api_key"] == printer["api_key"]
    deactivated = api.delete(f"/api/v1/printers/{printer['id']}").json()
    assert deactivated["is_active"] is False
    assert Printer.get_by_id(printer["id"]).is_active is False


def test_regenerated_key_replaces_the_old_one(api, anonymous, printers):
    printer = printers["point2-kitchen-key"]
    fresh = api.post(f"/api/v1/printers/{printer.id}/regenerate_key").json()["api_key"]
    assert fresh != "point2-kitchen-key"
    assert anonymous.get("/new_checks/", params={"api_key": "point2-kitchen-key"}).status_code == 401
    assert anonymous.get("/new_checks/", params={"api_key": fresh}).status_code == 200


def test_deactivated_printer_is_refused_at_its_next_poll(api, anonymous, printers):
    printer = printers["point3-kitchen-key"]
    assert anonymous.get("/new_checks/", params={"api_key": printer.api_key}).status_code == 200
    api.delete(f"/api/v1/printers/{printer.id}").raise_for_status()
    refused = anonymous.get("/new_checks/", params={"api_key": printer.api_key})
    assert (refused.status_code, refused.json()) == (401, {"error": "Ошибка авторизации"})


def test_taken_api_key_is_a_conflict(api, printers):
    response = api.post("/api/v1/printers", json={"name": "Копия", "check_type": "client", "point_id": 1,
                                                  "api_key": "point1-client-key"})
    assert response.status_code == 409 and "api_key" in response.json()["error"]
    assert Printer.select().count() == 9


@pytest.mark.parametrize("body", [
    {"name": "", "check_type": "client", "point_id": 1},
    {"name": "x", "check_type": "bar", "point_id": 1},
    {"name": "x", "check_type": "client", "point_id": -1},
    {"name": "x", "check_type": "client"},
    {"name": "x", "check_type": "client", "point_id": 1, "api_key": "short"},
])
def test_invalid_printer_is_refused(api, body):
    response = api.post("/api/v1/printers", json=body)
    assert response.status_code == 400 and response.json()["details"]
    assert Printer.select().count() == 0


def test_unknown_printer_or_check_is_404(api):
    assert api.get("/api/v1/printers/999").status_code == 404
    assert api.get("/api/v1/checks/999").json() == {"error": "Чек не найден"}


def make_checks(order_id, printer, status, **fields):
    return Check.create(printer=printer, type=printer.check_type, order=order_body(order_id, printer.point_id),
                        order_id=order_id, status=status, **fields)


def test_checks_are_filtered_by_printer_type_status_order_point_and_dates(api, printers):
    kitchen1, client2 = printers["point1-kitchen-key"], printers["point2-client-key"]
    make_checks(1, kitchen1, "new")
    make_checks(2, kitchen1, "rendered", pdf_file="pdf/2_kitchen.pdf")
    make_checks(3, client2, "printed", pdf_file="pdf/3_client.pdf")

    def order_ids(**params):
        return sorted(c["order_id"] for c in api.get("/api/v1/checks", params=params).json()["items"])

    assert order_ids() == [1, 2, 3]
    assert order_ids(printer=kitchen1.id) == [1, 2]
    assert order_ids(type="client") == [3]
    assert order_ids(status="rendered") == [2]
    assert order_ids(order_id=3) == [3]
    assert order_ids(point_id=2) == [3]
    assert order_ids(created_from="2000-01-01T00:00:00Z", created_to="2100-01-01T00:00:00") == [1, 2, 3]
    assert order_ids(created_from="2100-01-01T00:00:00Z") == []
    check = api.get("/api/v1/checks", params={"order_id": 3}).json()["items"][0]
    assert check["printer_name"] == client2.name and check["point_id"] == 2
    assert check["order"]["items"][0]["name"] == "Пицца Маргарита"
    assert api.get("/api/v1/checks", params={"status": "lost"}).status_code == 400


def test_reprint_puts_a_printed_check_back_for_its_printer(api, anonymous, printers):
    check = make_checks(4, printers["point1-client-key"], "printed", pdf_file="pdf/4_client.pdf")
    reprinted = api.post(f"/api/v1/checks/{check.id}/reprint").json()
    assert reprinted["status"] == "rendered" and reprinted["printed_at"] is None
    polled = anonymous.get("/new_checks/", params={"api_key": "point1-client-key"}).json()["checks"]
    assert [c["id"] for c in polled] == [check.id]
    new_check = make_checks(5, printers["point1-client-key"], "new")
    assert api.post(f"/api/v1/checks/{new_check.id}/reprint").status_code == 409


def test_admin_sees_a_checks_pdf_without_changing_its_status(api, erp, printers):
    erp.post("/create_checks/", json=order_body(4001, point_id=2)).raise_for_status()
    wait_until(lambda: statuses(4001) == ["rendered", "rendered"], 60, message="rendered")
    check = Check.get(Check.order_id == 4001, Check.type == "client")
    pdf = api.get(f"/api/v1/checks/{check.id}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert Check.get_by_id(check.id).status == "rendered"
    waiting = make_checks(4002, printers["point2-client-key"], "new")
    assert api.get(f"/api/v1/checks/{waiting.id}/pdf").status_code == 409


@pytest.fixture
def failing_wkhtmltopdf(tmp_path, monkeypatch):
    """A wkhtmltopdf that writes half a PDF and dies, as a crash mid-render would."""
    script = tmp_path / "wkhtmltopdf"
    script.write_text("#!/bin/sh\nprintf '%%PDF-1.4 half a file' \nexit 1\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(settings, "wkhtmltopdf", str(script))
    return script


def test_failed_render_leaves_no_file_records_the_error_and_retry_renders(api, printers, failing_wkhtmltopdf,
                                                                          monkeypatch):
    printer = printers["point3-client-key"]
    check = make_checks(5001, printer, "new")
    with pytest.raises(render.RenderFailed) as failure:
        render.render_order(5001)
    assert failure.value.attempts == 1
    failed = Check.get_by_id(check.id)
    assert failed.status == "new" and failed.render_attempts == 1 and failed.render_error
    assert os.listdir(settings.media_root / "pdf") == []
    shown = api.get(f"/api/v1/checks/{check.id}").json()
    assert shown["render_error"] == failed.render_error

    monkeypatch.setattr(settings, "wkhtmltopdf", "wkhtmltopdf")
    retried = api.post(f"/api/v1/checks/{check.id}/retry")
    assert retried.status_code == 200 and retried.json()["render_attempts"] == 0
    wait_until(lambda: Check.get_by_id(check.id).status == "rendered", 60, message="the retried render")
    assert (settings.media_root / "pdf" / "5001_client.pdf").read_bytes().startswith(b"%PDF")
    assert Check.get_by_id(check.id).render_error is None
    assert api.post(f"/api/v1/checks/{check.id}/retry").status_code == 409


def test_render_task_retries_with_backoff_then_leaves_the_check_new(printers, failing_wkhtmltopdf, monkeypatch):
    from server.printing.tasks import render_orders_task

    monkeypatch.setattr(settings, "render_retry_backoff", 0.01)
    check = make_checks(5002, printers["point3-kitchen-key"], "new")
    render_orders_task.apply(args=([5002],))
    failed = Check.get_by_id(check.id)
    assert failed.status == "new" and failed.render_attempts == settings.render_max_retries
    assert failed.render_error.startswith("OSError") and "wkhtmltopdf" in failed.render_error


def test_render_task_without_the_pool_hands_the_other_orders_on_each_in_a_task(printers, monkeypatch):
    from server.printing import service, tasks

    monkeypatch.setattr(settings, "render_processes", 0)  # one wkhtmltopdf process per document
    queued = []
    monkeypatch.setattr(service, "enqueue", lambda name, order_ids: queued.append((name, order_ids)))
    check = make_checks(5004, printers["point3-kitchen-key"], "new")
    assert tasks.render_orders_task.apply(args=([5004, 5005, 5006],)).result == 1
    assert Check.get_by_id(check.id).status == "rendered"
    assert queued == [(tasks.RENDER_TASK, [5005]), (tasks.RENDER_TASK, [5006])]


def test_render_task_with_the_pool_renders_all_its_orders_together(printers, monkeypatch):
    from server.printing import service, tasks

    queued = []
    monkeypatch.setattr(service, "enqueue", lambda name, order_ids: queued.append((name, order_ids)))
    checks = [make_checks(order_id, printers["point3-kitchen-key"], "new") for order_id in (5007, 5008, 5009)]
    assert tasks.render_orders_task.apply(args=([5007, 5008, 5009, 5010],)).result == 3
    assert all(Check.get_by_id(c.id).status == "rendered" for c in checks)
    assert queued == []


def test_render_of_an_already_rendered_order_changes_nothing(printers):
    check = make_checks(5003, printers["point1-kitchen-key"], "printed", pdf_file="pdf/5003_kitchen.pdf")
    assert render.render_order(5003) == 0
    assert Check.get_by_id(check.id).status == "printed"


def test_an_unreachable_queue_keeps_the_order_and_marks_its_checks_for_retry(api, erp, printers,
                                                                           monkeypatch):
    from server.printing import service
    from server.worker import QueueUnavailable

    def queue_down(*_):
        raise QueueUnavailable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(service, "enqueue", queue_down)
    answer = erp.post("/create_checks/", json=order_body(5006, point_id=1))
    assert answer.json() == {"ok": messages.CHECKS_CREATED}
    checks = list(Check.select().where(Check.order_id == 5006))
    assert len(checks) == 2
    assert all(c.status == "new" and c.render_error.startswith("Очередь задач недоступна") for c in checks)
    retried = api.post(f"/api/v1/checks/{checks[0].id}/retry")
    assert retried.status_code == 200 and retried.json()["render_error"].startswith("Очередь задач недоступна")

    monkeypatch.undo()
    api.post(f"/api/v1/checks/{checks[0].id}/retry").raise_for_status()
    wait_until(lambda: all(Check.get_by_id(c.id).status == "rendered" for c in checks), 60,
               message="the retried order's checks rendered")
