"""The billing rules, to the kopeck, through the run that applies them."""
import datetime as dt
from decimal import Decimal

from server.billing import service
from server.billing.calculation import kopecks
from server.billing.models import Apartment, Bill, BillingRun, House, MeterReading, Tariff, WaterMeter
from tests.billing.conftest import general_tariffs

OCT = dt.date(2026, 10, 1)


def month(m: int) -> dt.date:
    return dt.date(2026, m, 1)


def apartment_with(area="54.35") -> Apartment:
    house = House.create(address="ул. Расчётная, 1")
    return Apartment.create(house=house, number="1", area=area)


def meter(apartment, serial, kind="cold", installed=dt.date(2026, 1, 10), initial="0", removed=None,
          readings=None) -> WaterMeter:
    m = WaterMeter.create(apartment=apartment, serial=serial, kind=kind, installed_at=installed,
                          initial_reading=initial, removed_at=removed)
    for number, value in (readings or {}).items():
        MeterReading.create(meter=m, month=month(number), value=value)
    return m


def bill_for(apartment, when=OCT) -> Bill:
    run = BillingRun.create(house=apartment.house_id, month=when, total=1)
    assert service.process_run(run.id) == "done", BillingRun.get_by_id(run.id).error
    return Bill.get(Bill.apartment == apartment.id, Bill.month == when)


def test_amounts_round_half_up_to_kopecks():
    assert kopecks(Decimal("0.125")) == Decimal("0.13")
    assert kopecks(Decimal("2.675")) == Decimal("2.68")  # a float would make it 2.67
    assert kopecks(Decimal("206.17575")) == Decimal("206.18")


def test_water_by_readings_and_upkeep_by_area_each_line_rounded_the_total_their_sum():
    general_tariffs()
    apartment = apartment_with("54.35")
    cold = meter(apartment, "C1", "cold", readings={9: "10", 10: "13.456"})
    hot = meter(apartment, "H1", "hot", readings={9: "5", 10: "6.005"})
    bill = bill_for(apartment)
    assert bill.lines[0] == {"meter_id": cold.id, "serial": "C1", "kind": "cold", "previous": "10.000",
                             "current": "13.456", "consumption": "3.456", "tariff": "45.5500",
                             "amount": "157.42", "flag": None}  # 157.4208
    assert bill.lines[1]["meter_id"] == hot.id and bill.lines[1]["amount"] == "206.18"  # 206.17575
    assert bill.lines[2] == {"kind": "maintenance", "area": "54.35", "tariff": "31.2700", "amount": "1699.52",
                             "flag": None}  # 1699.5245
    assert (bill.water_amount, bill.maintenance_amount, bill.total) == (
        Decimal("363.60"), Decimal("1699.52"), Decimal("2063.12"))


def test_a_missing_reading_is_the_average_of_up_to_six_months_flagged_estimated():
    general_tariffs()
    apartment = apartment_with()
    meter(apartment, "C1", "cold", readings={2: "1", 3: "6", 4: "10", 5: "13", 6: "16", 7: "20", 8: "22", 9: "25"})
    line = bill_for(apartment).lines[0]
    # Mar..Sep: (25 - 6) / 6 = 3.1666.. -> 3.167 m³; 3.167 × 45.55 = 144.25685
    assert line["flag"] == "estimated" and line["current"] is None and line["previous"] == "25.000"
    assert (line["consumption"], line["amount"]) == ("3.167", "144.26")


def test_a_meter_with_no_history_is_flagged_no_reading_with_zero():
    general_tariffs()
    apartment = apartment_with()
    meter(apartment, "H1", "hot", installed=dt.date(2026, 10, 3), initial="7")
    bill = bill_for(apartment)
    assert bill.lines[0]["flag"] == "no_reading" and bill.lines[0]["amount"] == "0.00"
    assert bill.water_amount == Decimal("0.00") and bill.total == Decimal("1699.52")


def test_a_meter_replaced_mid_history_bills_the_old_until_removed_and_the_new_from_its_initial_reading():
    general_tariffs()
    apartment = apartment_with()
    old = meter(apartment, "OLD", "cold", readings={7: "100", 8: "104", 9: "106"}, removed=dt.date(2026, 9, 10))
    new = meter(apartment, "NEW", "cold", installed=dt.date(2026, 9, 10), initial="0.5", readings={10: "4"})
    september = bill_for(apartment, month(9))
    assert [(line["meter_id"], line["consumption"], line["amount"], line["flag"])
            for line in september.lines[:2]] == [(old.id, "2.000", "91.10", None), (new.id, "0.000", "0.00",
                                                                                     "no_reading")]
    october = bill_for(apartment, OCT)
    assert [(line["meter_id"], line["previous"], line["consumption"], line["amount"])
            for line in october.lines[:-1]] == [(new.id, "0.500", "3.500", "159.43")]  # 159.425, half up


def test_a_house_tariff_overrides_the_general_one_and_the_latest_valid_from_applies():
    general_tariffs()
    apartment = apartment_with("10.00")
    Tariff.create(kind="maintenance", price="40", valid_from=dt.date(2026, 6, 1))
    Tariff.create(kind="maintenance", price="50", valid_from=dt.date(2026, 11, 1))
    assert bill_for(apartment).maintenance_amount == Decimal("400.00")
    Tariff.create(kind="maintenance", price="35.5", valid_from=dt.date(2026, 2, 1), house=apartment.house_id)
    Bill.delete().execute()
    assert bill_for(apartment).maintenance_amount == Decimal("355.00")


def test_a_reading_below_the_one_before_is_never_billed_negative():
    general_tariffs()
    apartment = apartment_with()
    meter(apartment, "C1", "cold", readings={9: "10", 10: "8"})  # around the API's checks
    line = bill_for(apartment).lines[0]
    assert line["flag"] == "negative" and line["consumption"] == "0.000" and line["amount"] == "0.00"


def test_a_run_without_a_needed_tariff_fails_saying_which():
    Tariff.create(kind="maintenance", price="30", valid_from=dt.date(2026, 1, 1))
    apartment = apartment_with()
    meter(apartment, "H1", "hot", readings={9: "1", 10: "2"})
    run = BillingRun.create(house=apartment.house_id, month=OCT, total=1)
    assert service.process_run(run.id) == "failed"
    run = BillingRun.get_by_id(run.id)
    assert run.error == "Нет тарифа «water_hot» на 2026-10" and run.finished_at is not None
    assert Bill.select().count() == 0


def test_an_estimate_reaches_back_to_the_point_before_six_months_when_they_hold_only_one():
    general_tariffs()
    apartment = apartment_with()
    meter(apartment, "C1", "cold", installed=dt.date(2026, 1, 20), initial="2", readings={9: "18"})
    line = bill_for(apartment).lines[0]
    # the initial 2 .. Sep (18): 16 m³ over Jan..Sep, 9 months = 1.778 m³ a month; 1.778 × 45.55 = 80.9879
    assert (line["flag"], line["consumption"], line["amount"]) == ("estimated", "1.778", "80.99")


def test_an_estimate_counts_the_installation_month_from_the_initial_reading():
    general_tariffs()
    apartment = apartment_with()
    meter(apartment, "C1", "cold", installed=dt.date(2026, 1, 1), initial="0", readings={1: "10", 2: "15.5"})
    january = bill_for(apartment, month(1)).lines[0]
    assert (january["previous"], january["consumption"]) == ("0.000", "10.000")
    march = bill_for(apartment, month(3)).lines[0]
    # Jan 10 and Feb 5.5 m³, as their bills said: 7.75 a month; 7.75 × 45.55 = 353.0125
    assert (march["flag"], march["consumption"], march["amount"]) == ("estimated", "7.750", "353.01")


def test_one_billed_month_is_history_enough_for_an_estimate():
    general_tariffs()
    apartment = apartment_with()
    meter(apartment, "C1", "cold", installed=dt.date(2026, 1, 1), initial="0", readings={1: "5"})
    line = bill_for(apartment, month(2)).lines[0]
    assert (line["flag"], line["consumption"], line["amount"]) == ("estimated", "5.000", "227.75")


def test_a_meter_without_an_installation_date_counts_from_its_initial_reading():
    general_tariffs()
    apartment = apartment_with()
    meter(apartment, "C1", "cold", installed=None, initial="1", readings={10: "3"})
    line = bill_for(apartment).lines[0]
    assert (line["previous"], line["consumption"], line["amount"], line["flag"]) == ("1.000", "2.000", "91.10", None)
