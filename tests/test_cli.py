"""`python -m server` commands, run as a user runs them."""
import os
import subprocess
import sys

from server.printing.models import Printer
from server.settings import PROJECT_ROOT


def server_command(*args, **env):
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, **env})


def test_migrate_has_nothing_left_to_apply_after_the_session_migrated():
    result = server_command("migrate")
    assert result.returncode == 0, result.stderr
    assert "nothing to apply" in result.stdout


def test_loaddata_loads_the_printers_once():
    first = server_command("loaddata", "fixtures/printers.json")
    assert first.returncode == 0, first.stderr
    assert "9 rows created" in first.stdout
    again = server_command("loaddata", "fixtures/printers.json")
    assert "0 rows created" in again.stdout
    assert Printer.select().count() == 9
    points = {p.point_id for p in Printer.select()}
    assert len(points) >= 3
    assert all({"kitchen", "client"} <= {p.check_type for p in Printer.select().where(Printer.point_id == point)}
               for point in points)


def test_run_without_wkhtmltopdf_stops_at_start_with_a_clear_message():
    result = server_command("run", "--port", "1", WKHTMLTOPDF="/nonexistent/wkhtmltopdf", WKHTMLTOPDF_URL="")
    assert result.returncode != 0
    assert "wkhtmltopdf not found" in result.stderr and "apt-get install -y wkhtmltopdf" in result.stderr


def test_worker_without_wkhtmltopdf_stops_at_start_with_a_clear_message():
    result = server_command("worker", WKHTMLTOPDF="/nonexistent/wkhtmltopdf", WKHTMLTOPDF_URL="")
    assert result.returncode != 0 and "wkhtmltopdf not found" in result.stderr
