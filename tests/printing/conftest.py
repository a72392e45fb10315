import subprocess
from pathlib import Path

import pytest

from server.printing.models import Check


def order_body(order_id: int = 123456, point_id=1, **extra) -> dict:
    return {
        "id": order_id,
        "point_id": point_id,
        "items": [
            {"name": "Пицца Маргарита", "quantity": 2, "unit_price": "450.00"},
            {"name": "Морс клюквенный", "quantity": 1, "unit_price": 99.9},
        ],
        "price": "999.90",
        "address": "ул. Ленина, 1, кв. 5",
        "client": {"name": "Иван Петров", "phone": "+7 900 123-45-67"},
        **extra,
    }


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def statuses(order_id: int) -> list[str]:
    return [c.status for c in Check.select().where(Check.order_id == order_id).order_by(Check.id)]


@pytest.fixture
def erp(as_role):
    return as_role("erp")
