from server.cli import load_fixture
from server.printing.models import Printer
from server.settings import PROJECT_ROOT


def access_path_values() -> dict:
    load_fixture(PROJECT_ROOT / "fixtures" / "printers.json")
    return {"printer_id": Printer.select().first().id}
