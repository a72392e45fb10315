"""The printing module's seeding: orders as an ERP sends them, rendered checks as intake and a render leave
them, and what the renderer runs for some orders."""
import json
import shutil

import harness

ITEMS = [("Пицца Маргарита", "2", "450.00"), ("Морс клюквенный", "1", "99.90"),
         ("Салат Цезарь", "1", "390.00"), ("Суп том-ям", "2", "520.00"), ("Хлеб", "3", "25.00")]


def order_body(order_id: int, point_id: int = 1, items: int = 3) -> dict:
    """The body of POST /create_checks/ for one order."""
    lines = [{"name": name, "quantity": qty, "unit_price": price} for name, qty, price in ITEMS[:items]]
    return {"id": order_id, "point_id": point_id, "items": lines,
            "address": "ул. Ленина, 1, кв. 5", "client": {"name": "Иван Петров", "phone": "+7 900 123-45-67"}}


def post_order(url: str, order_id: int, point_id: int = 1) -> tuple[int, bytes]:
    """POST /create_checks/ for one order to the stack at `url`, as its admin: (status, body)."""
    return harness.http_post_json(url + "/create_checks/", order_body(order_id, point_id),
                                  {"Authorization": harness.basic_auth()})


# Run inside a stack (`stack.call("seed.printing", ...)`).

def rendered_checks(api_key: str, count: int, first_order: int = 1_000_000) -> int:
    """`count` rendered checks for the printer with `api_key`, as create_checks and a render would leave
    them: one row per order through the server's models, and a real PDF (rendered once by the server's
    render code, then copied) at each check's pdf_file. The printer's id."""
    from server.db import database, init_database, utcnow
    from server.printing import render
    from server.printing.models import Check, Printer
    from server.printing.schemas import OrderSchema
    from server.printing.service import pdf_name, pdf_path
    from server.settings import settings

    init_database()
    with database.connection_context():
        printer = Printer.get(Printer.api_key == api_key)
        sample = OrderSchema().dump(OrderSchema().load(order_body(1, printer.point_id)))
        html = render.check_html(printer.check_type, sample, settings.pdf_page)
        pdf = render.html_to_pdf(html, render.page_options(settings.pdf_page, len(sample["items"])))
        rows = []
        for order_id in range(first_order, first_order + count):
            relative = pdf_name(order_id, printer.check_type)
            render.write_atomically(pdf_path(relative), pdf)
            order = OrderSchema().dump(OrderSchema().load(order_body(order_id, printer.point_id)))
            now = utcnow()
            rows.append({"printer": printer.id, "type": printer.check_type, "order": order,
                         "order_id": order_id, "status": "rendered", "pdf_file": relative,
                         "render_attempts": 1, "created_at": now, "rendered_at": now})
        with database.atomic():
            Check.insert_many(rows).execute()
    return printer.id


def render_inputs(orders: int, point_id: int = 1, first_order: int = 1) -> list[dict]:
    """What the server's renderer would run for the orders `first_order`.. at `point_id`: for each check
    type of the point's active printers, the HTML (the server's templates), the wkhtmltopdf command
    line that pdfkit builds from the server's page options, and the arguments the render pool puts on a
    long-lived process's stdin line before the input and output files."""
    import pdfkit

    from server.db import database, dumps, init_database
    from server.printing import render
    from server.printing.models import Printer
    from server.printing.pool import option_args
    from server.printing.schemas import OrderSchema
    from server.settings import settings

    init_database()
    with database.connection_context():
        printers = Printer.select().where(Printer.point_id == point_id,
                                          Printer.is_active == True)  # noqa: E712
        types = sorted({p.check_type for p in printers})
    binary = shutil.which(settings.wkhtmltopdf) or settings.wkhtmltopdf
    jobs = []
    for order_id in range(first_order, first_order + orders):
        order = json.loads(dumps(OrderSchema().load(order_body(order_id, point_id))))
        options = render.page_options(settings.pdf_page, len(order["items"]))
        for check_type in types:
            html = render.check_html(check_type, order, settings.pdf_page)
            command = pdfkit.PDFKit(html, "string", options=options,
                                    configuration=pdfkit.configuration(wkhtmltopdf=binary)).command(None)
            jobs.append({"argv": command, "html": html, "args": option_args(options)})
    return jobs
