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
    result = server_command("worker", WKHTMLTOPDF="/nonexistent/wkhtmltopdf", WKHTMLTOPDF_URL="",
                            CELERY_BROKER_URL="redis://127.0.0.1:1/0")
    assert result.returncode != 0 and "wkhtmltopdf not found" in result.stderr


# Every command error is one clear line and a non-zero exit (issue 10).

def one_line_error(result) -> str:
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_loaddata_of_a_missing_file_says_so_in_one_line():
    line = one_line_error(server_command("loaddata", "fixtures/no-such-file.json"))
    assert "no such file: fixtures/no-such-file.json" in line


def test_loaddata_of_a_file_that_is_not_a_fixture_says_so_in_one_line(tmp_path):
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert "is not valid JSON" in one_line_error(server_command("loaddata", str(tmp_path / "bad.json")))
    (tmp_path / "model.json").write_text('[{"model": "nope.Model", "fields": {}}]', encoding="utf-8")
    assert "unknown model 'nope.Model'" in one_line_error(server_command("loaddata", str(tmp_path / "model.json")))


def test_worker_with_an_unknown_pool_names_the_choices_in_one_line():
    line = one_line_error(server_command("worker", "--pool", "bogus", CELERY_BROKER_URL="redis://127.0.0.1:1/0"))
    assert "invalid choice: 'bogus'" in line and "threads" in line


def test_createsuperuser_with_an_unset_variable_says_it_is_unset():
    env = {k: v for k, v in os.environ.items() if k != "RH_TEST_UNSET_PASSWORD"}
    result = subprocess.run([sys.executable, "-m", "server", "createsuperuser", "--username", "someone",
                             "--password-from-env", "RH_TEST_UNSET_PASSWORD"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60, env=env)
    line = one_line_error(result)
    assert "RH_TEST_UNSET_PASSWORD is not set" in line


def test_an_unknown_command_is_one_line():
    assert "invalid choice: 'bogus'" in one_line_error(server_command("bogus"))


def test_worker_and_beat_refuse_without_a_broker():
    for command in ("worker", "beat"):
        line = one_line_error(server_command(command, CELERY_BROKER_URL=""))
        assert "needs CELERY_BROKER_URL" in line and "embedded" in line


def test_every_command_and_option_has_a_one_line_help_with_its_default():
    top = server_command("--help")
    assert top.returncode == 0
    for command in ("run", "migrate", "loaddata", "createsuperuser", "users", "worker", "beat"):
        assert command in top.stdout
        result = server_command(command, "--help")
        assert result.returncode == 0, result.stderr
        options = [line for line in result.stdout.splitlines() if line.strip().startswith("--")
                   and not line.strip().startswith("--help")]
        for option in options:
            assert "default" in option or "(default" in result.stdout, (command, option)
    worker_help = server_command("worker", "--help").stdout
    assert "default: threads" in worker_help and "default: RENDER_THREADS" in worker_help
