def access_path_values() -> dict:
    """A house with an apartment, a meter, a tariff and a run, for the route-walk access test."""
    import datetime as dt

    from server.billing.models import Apartment, BillingRun, House, Tariff, WaterMeter

    house = House.create(address="ул. Проверочная, 1")
    apartment = Apartment.create(house=house, number="1", area="40.00")
    meter = WaterMeter.create(apartment=apartment, serial="ACCESS-1", kind="cold",
                              installed_at=dt.date(2026, 1, 1), initial_reading=0)
    tariff = Tariff.create(kind="maintenance", price="30", valid_from=dt.date(2026, 1, 1))
    run = BillingRun.create(house=house, month=dt.date(2026, 1, 1), status="done")
    return {"house_id": house.id, "apartment_id": apartment.id, "meter_id": meter.id, "tariff_id": tariff.id,
            "run_id": run.id}
