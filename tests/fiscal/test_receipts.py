"""Receipts: the seed's registration and reading services, their life, idempotency and refusals."""
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from server.fiscal.models import CashRegister, FiscalReceipt, Shift
from tests.fiscal.conftest import receipt_body, receipts_url, stored_receipts, wait_done

SEED_FIELDS = (
    "id", "order_id", "user_id", "service_id", "mistaken_receipt_number", "email", "phone_number",
    "registrator_id", "fiscal_sign", "registration_datetime", "cashier", "shift_num", "tax_system",
    "correction_data", "receipt_in_shift_num", "need_print", "receipt_num", "payments_total",
    "commodities_total_cost", "commodities", "payments", "state", "registration_number", "registrator_serial",
    "fn_serial", "ffd_version", "ofd_name", "ffd_inn", "company_name", "company_inn", "operations_address",
    "operations_place", "qr", "error",
)


def test_the_seeds_example_is_registered_with_every_field_of_the_seeds_report(cashier, group, live_server):
    answer = cashier.post(receipts_url(group), json=receipt_body())
    assert answer.status_code == 200, answer.text
    accepted = answer.json()
    assert set(accepted) == {"id", "location"} and isinstance(accepted["id"], str)
    assert accepted["location"] == f"{live_server.url}/service_groups/{group['id']}/receipts/{accepted['id']}"

    report = wait_done(cashier, accepted["location"])
    assert report["state"] == "success", report
    assert set(SEED_FIELDS) <= set(report)
    assert report["payments"] == [{"payment_sum": "200.00", "payment_type_int": 1}]
    assert report["payments_total"] == report["commodities_total_cost"] == "200.00"
    assert report["commodities"][0] == {"name": "Grain crusher", "quantity": "1", "price": "100.00",
                                        "commodity_type_int": 1, "payment_state_int": 1, "quantity_prec": 0,
                                        "quantity_unit": None, "tax_type_int": 6}
    assert report["service_id"] == group["id"] and report["registrator_id"] == group["device_id"]
    assert report["shift_num"] == 1 and report["receipt_in_shift_num"] == 1 and report["receipt_num"] == 1
    assert report["ffd_version"] == "105" and report["fn_serial"] and report["ffd_inn"]
    assert 0 <= int(report["fiscal_sign"]) < 2**32
    assert report["tax_system"] == 1 and report["error"] is None
    assert report["cashier"] == "Test cashier"  # who sent it (a device may name its own cashier instead)
    moment = dt.datetime.fromisoformat(report["registration_datetime"]).strftime("%Y%m%dT%H%M")
    assert report["qr"] == (f"t={moment}&s=200.00&fn={report['fn_serial']}&i=1&fp={report['fiscal_sign']}&n=1")
    image = cashier.get(f"{receipts_url(group)}{report['id']}/qr")
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/svg+xml"
    assert b"<svg" in image.content


def test_wait_answers_as_soon_as_the_receipt_is_registered(cashier, group):
    accepted = cashier.post(receipts_url(group), json=receipt_body()).json()
    report = cashier.get(f"{receipts_url(group)}{accepted['id']}", params={"wait": 30}).json()
    assert report["state"] == "success"


def test_the_z_report_counts_cash_less_the_change_given(cashier, group):
    paid = {"payments": [{"payment_type_int": 0, "payment_sum": 250}]}  # 200 in products: 50 of change
    report = wait_done(cashier, cashier.post(receipts_url(group), json=receipt_body(**paid)).json()["location"])
    assert report["state"] == "success", report
    z = cashier.post(f"/service_groups/{group['id']}/shift/close").json()
    assert z["totals"]["by_payment"] == {"0": "200.00"} and z["totals"]["by_type"]["1"]["total"] == "200.00"


def test_numbers_go_on_and_a_new_shift_starts_them_in_shift_from_one(cashier, group):
    reports = [wait_done(cashier, cashier.post(receipts_url(group), json=receipt_body()).json()["location"])
               for _ in range(2)]
    assert [(r["receipt_num"], r["receipt_in_shift_num"], r["shift_num"]) for r in reports] == [(1, 1, 1), (2, 2, 1)]
    z = cashier.post(f"/service_groups/{group['id']}/shift/close")
    assert z.status_code == 200, z.text
    assert z.json()["receipts_count"] == 2 and z.json()["totals"]["by_type"]["1"] == {"count": 2, "total": "400.00"}
    assert z.json()["totals"]["by_payment"] == {"1": "400.00"}
    assert cashier.get(f"/service_groups/{group['id']}/shift").status_code == 404
    third = wait_done(cashier, cashier.post(receipts_url(group), json=receipt_body()).json()["location"])
    assert (third["receipt_num"], third["receipt_in_shift_num"], third["shift_num"]) == (3, 1, 2)
    x = cashier.get(f"/service_groups/{group['id']}/shift").json()
    assert x["number"] == 2 and x["is_open"] and x["receipts_count"] == 1


def test_cash_may_exceed_the_total_and_the_change_is_reported(cashier, group):
    body = receipt_body(payments=[{"payment_type_int": 0, "payment_sum": "250.00"}])
    report = wait_done(cashier, cashier.post(receipts_url(group), json=body).json()["location"])
    assert report["state"] == "success" and report["change"] == "50.00" and report["payments_total"] == "250.00"


def test_the_same_idempotency_key_answers_the_first_receipt_and_another_body_is_409(cashier, group):
    headers = {"Idempotency-Key": "order-77"}
    first = cashier.post(receipts_url(group), json=receipt_body(), headers=headers)
    again = cashier.post(receipts_url(group), json=receipt_body(), headers=headers)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    other = cashier.post(receipts_url(group), json=receipt_body(phone_number="+79001234567"), headers=headers)
    assert other.status_code == 409 and other.json()["error"]
    assert stored_receipts() == 1


def test_the_same_order_id_and_type_answers_the_first_receipt(cashier, group):
    first = cashier.post(receipts_url(group), json=receipt_body(order_id=5))
    again = cashier.post(receipts_url(group), json=receipt_body(order_id=5))
    refund = cashier.post(receipts_url(group), json=receipt_body(order_id=5, receiptType=2))
    assert first.json() == again.json() and refund.json()["id"] != first.json()["id"]
    assert cashier.post(receipts_url(group), json=receipt_body(order_id=5, email="b@mail.ru")).status_code == 409
    assert stored_receipts() == 2


def test_a_task_run_again_never_registers_twice(cashier, group):
    from server.fiscal.service import register_receipt

    report = wait_done(cashier, cashier.post(receipts_url(group), json=receipt_body()).json()["location"])
    assert register_receipt(report["id"]) == "success"
    assert CashRegister.get_by_id(group["device_id"]).last_receipt_num == 1
    assert FiscalReceipt.get_by_id(report["id"]).receipt_num == 1


def test_a_stopped_device_is_409_and_stores_nothing(api, cashier, group):
    api.post(f"/api/v1/service-groups/{group['id']}/device/stop")
    answer = cashier.post(receipts_url(group), json=receipt_body())
    assert answer.status_code == 409 and answer.json()["error"]
    assert stored_receipts() == 0


def test_a_shift_older_than_24_hours_refuses_receipts_until_closed(cashier, group):
    wait_done(cashier, cashier.post(receipts_url(group), json=receipt_body()).json()["location"])
    Shift.update(opened_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=24, minutes=1)).execute()
    refused = cashier.post(receipts_url(group), json=receipt_body())
    assert refused.status_code == 409 and "24" in refused.json()["error"]
    assert stored_receipts() == 1
    assert cashier.get(f"/service_groups/{group['id']}/shift").json()["expired"] is True
    assert cashier.post(f"/service_groups/{group['id']}/shift/close").status_code == 200
    report = wait_done(cashier, cashier.post(receipts_url(group), json=receipt_body()).json()["location"])
    assert (report["state"], report["shift_num"], report["receipt_num"]) == ("success", 2, 2)


def test_a_driver_error_sets_error_with_its_text_and_takes_no_number(api, cashier, group):
    api.patch(f"/api/v1/service-groups/{group['id']}", json={"config": {"fail_with": "Нет бумаги"}})
    report = wait_done(cashier, cashier.post(receipts_url(group), json=receipt_body()).json()["location"])
    assert report["state"] == "error" and "Нет бумаги" in report["error"] and report["receipt_num"] is None
    assert report["qr"] is None
    assert cashier.get(f"{receipts_url(group)}{report['id']}/qr").status_code == 409


def test_a_receipt_in_error_is_registered_again_by_a_retry_once_the_cause_is_gone(api, cashier, group):
    """A stopped device's or a failing driver's receipt can be retried: it takes the next number then
    (none was taken by the error); a retry of a receipt not in error is 409, of another group's 404;
    five retries at once register it once."""
    api.patch(f"/api/v1/service-groups/{group['id']}", json={"config": {"fail_with": "Нет бумаги"}})
    failed = wait_done(cashier, cashier.post(receipts_url(group), json=receipt_body(order_id=1)).json()["location"])
    path = f"{receipts_url(group)}{failed['id']}"
    retry = path + "/retry"
    assert failed["state"] == "error"
    again = cashier.post(retry)  # the cause is still there: error again
    assert again.status_code == 200 and again.json()["id"] == failed["id"]
    assert wait_done(cashier, path)["state"] == "error"
    api.patch(f"/api/v1/service-groups/{group['id']}", json={"config": {"fail_with": None}})
    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda _: cashier.post(retry), range(5)))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409, 409]
    assert [a for a in answers if a.status_code == 409][0].json()["error"] == "Повторить можно только чек в состоянии error"
    report = wait_done(cashier, path)
    assert (report["state"], report["error"], report["receipt_num"], report["qr"] is not None) == ("success", None, 1, True)
    assert cashier.post(retry).status_code == 409
    other = api.post("/api/v1/service-groups", json={"name": "Другая", "model": "emulator"}).json()
    assert api.post(f"/service_groups/{other['id']}/receipts/{failed['id']}/retry").status_code == 404
    assert cashier.post(f"{receipts_url(group)}999999/retry").status_code == 404


def test_a_receipt_is_read_only_through_its_own_group(api, cashier, group):
    accepted = cashier.post(receipts_url(group), json=receipt_body()).json()
    other = api.post("/api/v1/service-groups", json={"name": "Другая", "model": "emulator"}).json()
    assert api.get(f"/service_groups/{other['id']}/receipts/{accepted['id']}").status_code == 404
    assert cashier.get(f"/service_groups/{other['id']}/receipts/{accepted['id']}").status_code == 403
    assert api.get(f"/service_groups/999999/receipts/{accepted['id']}").status_code == 404


def test_the_list_filters_by_state_type_and_date(cashier, group):
    for body in (receipt_body(), receipt_body(receiptType=2)):
        wait_done(cashier, cashier.post(receipts_url(group), json=body).json()["location"])
    listing = cashier.get(receipts_url(group), params={"receiptType": 2}).json()
    assert listing["total"] == 1 and listing["items"][0]["receiptType"] == 2
    assert cashier.get(receipts_url(group), params={"state": "success"}).json()["total"] == 2
    assert cashier.get(receipts_url(group), params={"state": "error"}).json()["total"] == 0
    assert cashier.get(receipts_url(group), params={"from": "2999-01-01T00:00:00Z"}).json()["total"] == 0
    assert cashier.get(receipts_url(group), params={"to": "2999-01-01T00:00:00Z"}).json()["total"] == 2
    today = dt.datetime.now(dt.timezone.utc).date()  # a date alone is the whole of that day (UTC)
    assert cashier.get(receipts_url(group), params={"from": str(today), "to": str(today)}).json()["total"] == 2
    yesterday = today - dt.timedelta(days=1)
    assert cashier.get(receipts_url(group), params={"to": str(yesterday)}).json()["total"] == 0


def test_a_correction_receipt_keeps_its_correction_data(cashier, group):
    body = receipt_body(receiptType=7, correction_reason="Ошибка кассира", correction_date="22:10:2020",
                        doc_number="15", precept=False, mistaken_receipt_number="12")
    report = wait_done(cashier, cashier.post(receipts_url(group), json=body).json()["location"])
    assert report["state"] == "success"
    assert report["correction_data"] == {"correction_reason": "Ошибка кассира", "correction_date": "22.10.2020",
                                         "doc_number": "15", "precept": False}
    assert report["mistaken_receipt_number"] == "12"
    early = receipt_body(receiptType=7, correction_reason="Ошибка", correction_date="01.01.0999", doc_number="1",
                         precept=True, mistaken_receipt_number="1", order_id=2)
    report = wait_done(cashier, cashier.post(receipts_url(group), json=early).json()["location"])
    assert report["correction_data"]["correction_date"] == "01.01.0999"


def test_the_openapi_example_of_a_receipt_is_one_the_server_registers(cashier, group):
    document = cashier.get("/api/openapi.json").json()
    operation = next(methods["post"] for path, methods in document["paths"].items()
                     if path.startswith("/service_groups/") and path.endswith("/receipts/"))
    example = operation["requestBody"]["content"]["application/json"]["example"]
    accepted = cashier.post(receipts_url(group), json=example)
    assert accepted.status_code == 200, accepted.text
    assert wait_done(cashier, accepted.json()["location"])["state"] == "success"
