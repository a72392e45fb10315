"""Billing over HTTP: houses (nested with apartments and meters), readings, tariffs, billing runs and
bills, under /api/v1/."""
import asyncio
import csv
import io

from server.auth import Needs
from server.billing import messages, service
from server.billing.models import Apartment, House, Tariff, WaterMeter
from server.billing.schemas import (
    ApartmentDetailSchema, ApartmentEditSchema, BillListQuery, BillPageSchema, BillSchema, HouseDetailSchema,
    HouseListItemSchema, HouseListQuery, HousePageSchema, HouseSchema, HouseUpdateSchema, MeterSchema,
    MeterUpdateSchema, ReadingListQuery, ReadingPageSchema, ReadingRowSchema, ReadingSchema,
    ReadingsBatchSchema, ReadingsRefusedSchema, ReadingsResultSchema, RunListQuery, RunPageSchema, RunQuery, RunSchema,
    RunStartSchema, TariffListQuery, TariffPageSchema, TariffSchema, TariffUpdateSchema,
)
from server.db import run_db
from server.events import events
from server.http import ApiError, BaseHandler, api, flatten_errors
from server.messages import localized
from server.openapi import schema_example
from server.settings import settings

READ = Needs("billing:read")
WRITE = Needs("billing:write")
RUN = Needs("billing:runs")
TAGS = ["billing"]
CONFLICTS = {409: service.Conflict}


async def call(fn, *args):
    """The logic, off the event loop; its `Invalid` becomes a 400 naming the fields."""
    try:
        return await run_db(fn, *args)
    except service.Invalid as invalid:
        raise ApiError(400, str(invalid), invalid.details) from None


async def find(model, record_id: str, message: str):
    record = await run_db(model.get_or_none, model.id == int(record_id))
    if record is None:
        raise ApiError(404, message)
    return record


async def house_answer(house_id: int) -> dict:
    detail = await run_db(service.house_detail, house_id)
    if detail is None:
        raise ApiError(404, messages.NO_SUCH_HOUSE)
    return HouseDetailSchema().dump(detail)


class HousesHandler(BaseHandler):
    @api(READ, query=HouseListQuery(), tags=TAGS, summary="List houses with their apartment counts",
         responses={200: HousePageSchema})
    async def get(self):
        await self.write_page(HouseListItemSchema, service.houses_query, self.query)

    @api(WRITE, body=HouseSchema(), refuses=CONFLICTS, tags=TAGS,
         summary="Create a house with its apartments and their meters (one body)",
         responses={201: HouseDetailSchema})
    async def post(self):
        house_id = await call(service.create_house, self.body)
        self.set_header("Location", f"/api/v1/houses/{house_id}")
        self.write_json(await house_answer(house_id), 201)


class HouseHandler(BaseHandler):
    @api(READ, tags=TAGS, summary="A house: apartments, meters with their latest readings, latest bills",
         responses={200: HouseDetailSchema})
    async def get(self, house_id):
        self.write_json(await house_answer(int(house_id)))

    @api(WRITE, body=HouseUpdateSchema(), refuses=CONFLICTS, tags=TAGS,
         summary="Edit a house's address and/or add apartments (with meters)",
         responses={200: HouseDetailSchema})
    async def patch(self, house_id):
        house = await find(House, house_id, messages.NO_SUCH_HOUSE)
        await call(service.edit_house, house, self.body)
        self.write_json(await house_answer(house.id))

    @api(WRITE, refuses={**CONFLICTS, 404: service.NoSuchHouse}, tags=TAGS,
         summary="Delete a house without bills (with its apartments, meters, readings)",
         responses={204: None})
    async def delete(self, house_id):
        house = await find(House, house_id, messages.NO_SUCH_HOUSE)
        await call(service.delete_house, house)
        self.set_status(204)
        self.finish()


class ApartmentHandler(BaseHandler):
    @api(WRITE, body=ApartmentEditSchema(), refuses=CONFLICTS, tags=TAGS, summary="Edit an apartment",
         responses={200: ApartmentDetailSchema})
    async def patch(self, apartment_id):
        apartment = await find(Apartment, apartment_id, messages.NO_SUCH_APARTMENT)
        apartment = await call(service.edit_apartment, apartment, self.body)
        apartment.meter_list, apartment.latest_bill = [], None
        self.write_json(ApartmentDetailSchema(exclude=("meters", "latest_bill")).dump(apartment))


class ApartmentMetersHandler(BaseHandler):
    @api(WRITE, body=MeterSchema(), refuses=CONFLICTS, tags=TAGS,
         summary="Install a meter in an apartment (a replacement: close the old one with removed_at)",
         responses={201: MeterSchema})
    async def post(self, apartment_id):
        apartment = await find(Apartment, apartment_id, messages.NO_SUCH_APARTMENT)
        meter = await call(service.add_meter, apartment, self.body)
        self.write_json(MeterSchema().dump(meter), 201)


class MeterHandler(BaseHandler):
    @api(READ, tags=TAGS, summary="A meter", responses={200: MeterSchema})
    async def get(self, meter_id):
        self.write_json(MeterSchema().dump(await find(WaterMeter, meter_id, messages.NO_SUCH_METER)))

    @api(WRITE, body=MeterUpdateSchema(), refuses=CONFLICTS, tags=TAGS,
         summary="Edit a meter; removed_at closes it (replaced)", responses={200: MeterSchema})
    async def patch(self, meter_id):
        meter = await find(WaterMeter, meter_id, messages.NO_SUCH_METER)
        meter = await call(service.edit_meter, meter, self.body)
        self.write_json(MeterSchema().dump(meter))


class ReadingsHandler(BaseHandler):
    @api(READ, query=ReadingListQuery(), tags=TAGS,
         summary="List meter readings (filters: meter, house, month)",
         responses={200: ReadingPageSchema})
    async def get(self):
        await self.write_page(ReadingSchema, service.readings_query, self.query)

    @api(WRITE, body=ReadingsBatchSchema(), tags=TAGS,
         summary="Store many readings at once; each row is checked on its own",
         description="Each row names its meter by `meter_id` or `serial`. The answer lists every row: "
                     "`stored` with the reading's id, or `refused` with why. A reading below the meter's "
                     "earlier one is refused (a replaced meter is a new meter, from its initial reading). "
                     "A reading sent again with the same value is `stored` again (its id). When no row "
                     "is stored the answer is 400, with `error`, `details` per row and the same lists.",
         responses={200: ReadingsResultSchema, 400: ReadingsRefusedSchema})
    async def post(self):
        results, valid, positions = [None] * len(self.body["readings"]), [], []
        schema = ReadingRowSchema()
        for i, row in enumerate(self.body["readings"]):
            errors = schema.validate(row) if isinstance(row, dict) else {"_schema": ["Ожидается объект."]}
            if errors:
                results[i] = {"row": i, "status": "refused", "error": messages.READING_ROW_INVALID,
                              "details": flatten_errors(errors)}
            else:
                valid.append(schema.load(row))
                positions.append(i)
        if valid:
            for i, outcome in zip(positions, await run_db(service.store_readings, valid)):
                if "stored" in outcome:
                    results[i] = {"row": i, "status": "stored", "id": outcome["stored"],
                                  "meter_id": outcome["meter_id"]}
                else:
                    results[i] = {"row": i, "status": "refused", "error": outcome["error"]}
        for result in results:  # each refusal in the client's language, as an error's texts are
            if result["status"] == "refused":
                result.update(localized({"error": result["error"], "details": result.get("details")},
                                        self.language()))
        stored = sum(1 for r in results if r["status"] == "stored")
        answer = {"stored": stored, "refused": len(results) - stored, "results": results}
        if results and not stored:  # nothing taken: a refusal, with each row's reason
            raise ApiError(400, messages.NO_READING_STORED,
                           {f"readings.{r['row']}": [r["error"]] for r in results}, also=answer)
        self.write_json(answer)


class TariffsHandler(BaseHandler):
    @api(READ, query=TariffListQuery(), tags=TAGS, summary="List tariffs", responses={200: TariffPageSchema})
    async def get(self):
        await self.write_page(TariffSchema, service.tariffs_query, self.query)

    @api(WRITE, body=TariffSchema(), refuses={409: service.Conflict}, tags=TAGS,
         summary="Create a tariff (with a house: that house's own)", responses={201: TariffSchema})
    async def post(self):
        await check_house(self.body.get("house_id"))
        tariff = await call(service.save_tariff, Tariff(), self.body)
        self.write_json(TariffSchema().dump(tariff), 201)


async def check_house(house_id) -> None:
    if house_id is not None and not await run_db(House.select().where(House.id == house_id).exists):
        raise ApiError(400, messages.NO_SUCH_HOUSE, {"house": [messages.NO_SUCH_HOUSE]})


class TariffHandler(BaseHandler):
    @api(READ, tags=TAGS, summary="A tariff", responses={200: TariffSchema})
    async def get(self, tariff_id):
        self.write_json(TariffSchema().dump(await find(Tariff, tariff_id, messages.NO_SUCH_TARIFF)))

    @api(WRITE, body=TariffUpdateSchema(), refuses={409: service.Conflict}, tags=TAGS,
         summary="Edit a tariff",
         responses={200: TariffSchema})
    async def patch(self, tariff_id):
        tariff = await find(Tariff, tariff_id, messages.NO_SUCH_TARIFF)
        await check_house(self.body.get("house_id"))
        tariff = await call(service.save_tariff, tariff, self.body)
        self.write_json(TariffSchema().dump(tariff))

    @api(WRITE, tags=TAGS, summary="Delete a tariff (bills keep the price they were made with)",
         responses={204: None})
    async def delete(self, tariff_id):
        tariff = await find(Tariff, tariff_id, messages.NO_SUCH_TARIFF)
        await run_db(tariff.delete_instance)
        self.set_status(204)
        self.finish()


class HouseRunsHandler(BaseHandler):
    @api(READ, query=RunListQuery(), tags=TAGS, summary="The house's billing runs",
         responses={200: RunPageSchema})
    async def get(self, house_id):
        house = await find(House, house_id, messages.NO_SUCH_HOUSE)
        await self.write_page(RunSchema, service.runs_query, {**self.query, "house": house.id})

    @api(RUN, body=RunStartSchema(), tags=TAGS,
         summary="Start calculating the house's bills for a month, in the background",
         description="202 with the new run and its URL. While a run for this house and month is pending or "
                     "running, a start answers 200 with that run. `recalculate: true` replaces the month's "
                     "bills; without it, apartments already billed for the month keep their bills.",
         responses={202: RunSchema, 200: RunSchema})
    async def post(self, house_id):
        house = await find(House, house_id, messages.NO_SUCH_HOUSE)
        run, created = await run_db(service.start_run, house.id, self.body["month"], self.body["recalculate"])
        answer = RunSchema().dump(run)
        self.set_header("Location", answer["url"])
        self.write_json(answer, 202 if created else 200)


class RunsHandler(BaseHandler):
    @api(READ, query=RunListQuery(), tags=TAGS,
         summary="Billing runs (filters: house, status, month, active)",
         responses={200: RunPageSchema})
    async def get(self):
        await self.write_page(RunSchema, service.runs_query, self.query)


class RunHandler(BaseHandler):
    @api(READ, query=RunQuery(), tags=TAGS,
         summary="A billing run's progress: status, total, processed, percent, timestamps, error",
         description="With `wait=N` (and `processed`, the count already seen) the answer waits up to N "
                     "seconds for the run to move on.",
         responses={200: RunSchema})
    async def get(self, run_id):
        run_id = int(run_id)

        async def read():
            run = await run_db(service.get_run, run_id)
            if run is None:
                raise ApiError(404, messages.NO_SUCH_RUN)
            return run

        seen = self.query.get("processed")
        run = await events.wait_for(
            service.run_topic(run_id), read,
            lambda r: r.status not in ("pending", "running") or seen is None or r.processed != seen,
            self.query["wait"], self.connection_closed())
        if not self.request.connection.stream.closed():
            self.write_json(RunSchema().dump(run))


BILLS_ANSWER = {
    "description": "The page of bills with the totals of every bill of the filter; with format=csv, all of "
                   "them as a CSV file (a last line of totals)",
    "content": {
        "application/json": {"schema": BillPageSchema,
                             "example": schema_example(BillPageSchema, request=False)},
        "text/csv": {"schema": {"type": "string"},
                     "example": "apartment_number,month,water_amount,maintenance_amount,total\r\n"
                                "1,2026-10,512.40,1413.00,1925.40\r\n"},
    },
}
CSV_COLUMNS = ("apartment_number", "month", "water_amount", "maintenance_amount", "total")


class BillsHandler(BaseHandler):
    @api(READ, query=BillListQuery(), tags=TAGS,
         summary="The house's bills (for a month), paginated, with the totals of all of them; "
                 "format=csv exports",
         responses={200: BILLS_ANSWER})
    async def get(self, house_id):
        house = await find(House, house_id, messages.NO_SUCH_HOUSE)
        params = {**self.query, "house_id": house.id}
        totals = await run_db(service.bill_totals, params)
        if self.query["format"] == "csv":
            bills = await run_db(service.all_bills, params)
            self.write_csv(house, bills, totals, params)
            return
        rows, total = await run_db(lambda: service.paginate_bills(params))
        self.write_json({"items": BillSchema(many=True).dump(rows), "total": total,
                         "totals": {k: str(v) if k != "bills" else v for k, v in totals.items()}})

    def write_csv(self, house, bills, totals, params) -> None:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for bill in BillSchema(many=True).dump(bills):
            writer.writerow([bill[c] for c in CSV_COLUMNS])
        writer.writerow(["итого", "", totals["water_amount"], totals["maintenance_amount"], totals["total"]])
        month = params.get("month")
        name = f"bills-{house.id}" + (f"-{month:%Y-%m}" if month else "") + ".csv"
        self.set_header("Content-Type", "text/csv; charset=UTF-8")
        self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        self.finish("\ufeff" + out.getvalue())


ID = r"\d{1,18}"
routes = [
    (r"/api/v1/houses", HousesHandler),
    (rf"/api/v1/houses/(?P<house_id>{ID})", HouseHandler),
    (rf"/api/v1/houses/(?P<house_id>{ID})/billing-runs", HouseRunsHandler),
    (rf"/api/v1/houses/(?P<house_id>{ID})/bills", BillsHandler),
    (rf"/api/v1/apartments/(?P<apartment_id>{ID})", ApartmentHandler),
    (rf"/api/v1/apartments/(?P<apartment_id>{ID})/meters", ApartmentMetersHandler),
    (rf"/api/v1/meters/(?P<meter_id>{ID})", MeterHandler),
    (r"/api/v1/readings", ReadingsHandler),
    (r"/api/v1/tariffs", TariffsHandler),
    (rf"/api/v1/tariffs/(?P<tariff_id>{ID})", TariffHandler),
    (r"/api/v1/billing-runs", RunsHandler),
    (rf"/api/v1/billing-runs/(?P<run_id>{ID})", RunHandler),
]


class RunRecovery:
    """On the embedded profile, the runs that the last run of the server had queued in its memory are
    queued again when it starts; each continues after its last committed chunk."""

    def __init__(self):
        self._requeue = None

    def start(self) -> None:
        if settings.embedded:
            self._requeue = asyncio.ensure_future(run_db(service.queue_unfinished_runs))

    async def stop(self) -> None:
        if self._requeue is not None:
            await self._requeue


background = [RunRecovery()]
