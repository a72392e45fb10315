"""Analytics over HTTP: the intake of the seed's first service, the places and figures of its second,
and the dashboard's event log, outbox and dead letters."""
from server.analytics import messages, service
from server.analytics.pipeline import Consumer, Relay
from server.analytics.schemas import (
    AcceptedSchema, AnalyticsSchema, DeadLetterListQuery, DeadLetterPageSchema, DeadLetterSchema, EventListQuery,
    EventPageSchema, EventSchema, HoursSchema, IntakeSchema, Invalid, OutboxStatusSchema, PeriodQuery,
    PlaceListQuery, PlacePageSchema, PlaceSchema, Unreadable,
)
from server.auth import Needs
from server.batching import Batcher
from server.db import paginate, run_db
from server.http import ApiError, BaseHandler, api

WRITE_RECEIPTS = Needs("analytics:receipts:write")

# Receipts posted at once are taken together: one transaction and a statement per table for a batch.
intake = Batcher(service.take_receipts, in_flight=2)
READ = Needs("analytics:read")


class ChecksHandler(BaseHandler):
    """Every request is logged as a receipt event before it is answered: accepted, duplicate,
    conflict, or rejected with its reason."""

    def json_body(self):
        try:
            return super().json_body()
        except ApiError as error:
            return Unreadable(error)

    def body_text(self) -> str:
        """The body as sent, for its event (the service keeps its first PAYLOAD_LIMIT characters and
        reads a rejected one's transaction_id from the whole)."""
        return self.request.body.decode("utf-8", "replace")

    @api(WRITE_RECEIPTS, body=IntakeSchema(), invalid_body_message=messages.INVALID_RECEIPT,
         refuses={409: service.Conflict}, tags=["analytics"], summary="Submit a purchase receipt",
         description="202 when accepted (it is then forwarded through Kafka); 200 when the same receipt was "
                     "accepted before (not forwarded again); 409 when its transaction_id was taken by "
                     "other content; 400 naming each bad field. Every request is logged as a receipt event.",
         responses={202: AcceptedSchema, 200: AcceptedSchema})
    async def post(self):
        username = self.current_user.username
        if isinstance(self.body, Unreadable):
            error = self.body.error
            await run_db(service.log_rejection, self.body_text(), error.message, error.details, username)
            raise error
        if isinstance(self.body, Invalid):
            await run_db(service.log_rejection, self.body_text(), messages.INVALID_RECEIPT, self.body.details,
                         username)
            raise ApiError(400, messages.INVALID_RECEIPT, self.body.details)
        new = await intake.submit((self.body, self.body_text(), username))
        transaction_id = self.body["transaction_id"]
        if new:
            self.write_json({"transaction_id": transaction_id, "status": messages.ACCEPTED}, 202)
        else:
            self.write_json({"transaction_id": transaction_id, "status": messages.DUPLICATE}, 200)


class PlacesHandler(BaseHandler):
    @api(READ, query=PlaceListQuery(), tags=["analytics"], summary="Places with their totals",
         responses={200: PlacePageSchema})
    async def get(self):
        rows, total = await run_db(lambda: paginate(service.places_query(self.query), self.query))
        self.write_json({"items": PlaceSchema(many=True).dump([service.with_average(r) for r in rows]),
                         "total": total})


class PlaceHandler(BaseHandler):
    @api(READ, tags=["analytics"], summary="A place with its totals", responses={200: PlaceSchema})
    async def get(self, place_id):
        place = await run_db(service.get_place, place_id)
        if place is None:
            raise ApiError(404, messages.NO_SUCH_PLACE)
        self.write_json(PlaceSchema().dump(place))


class AnalyticsHandler(BaseHandler):
    @api(READ, query=PeriodQuery(), tags=["analytics"],
         summary="Each place's figures over a period, in the seed's structure, and the overall figures",
         description="The period is the hours from `from`'s hour up to `to` (UTC). Averages are the period's "
                     "total ÷ its count, half up to kopecks; a category's average receipt is its total ÷ the "
                     "receipts containing it. Money is a decimal string.",
         responses={200: AnalyticsSchema})
    async def get(self):
        self.write_json(await run_db(service.analytics, self.query))


class HoursHandler(BaseHandler):
    @api(READ, query=PeriodQuery(), tags=["analytics"], summary="Each place's figures hour by hour (charts)",
         responses={200: HoursSchema})
    async def get(self):
        self.write_json({"items": await run_db(service.hours, self.query)})


class EventsHandler(BaseHandler):
    @api(READ, query=EventListQuery(), tags=["analytics"], summary="The receipt event log",
         responses={200: EventPageSchema})
    async def get(self):
        await self.write_page(EventSchema, service.events_query, self.query)


class DeadLettersHandler(BaseHandler):
    @api(READ, query=DeadLetterListQuery(), tags=["analytics"], summary="Messages the consumer could not parse",
         responses={200: DeadLetterPageSchema})
    async def get(self):
        await self.write_page(DeadLetterSchema, service.dead_letters_query, self.query)


class OutboxHandler(BaseHandler):
    @api(READ, tags=["analytics"], summary="Outbox lag, dead letters and today's receipts",
         responses={200: OutboxStatusSchema})
    async def get(self):
        self.write_json(OutboxStatusSchema().dump(await run_db(service.outbox_status)))


background = [Relay(), Consumer()]

PLACE_ID = r"(?P<place_id>[^/]{1,100})"
routes = [
    (r"/api/checks/", ChecksHandler),
    (r"/api/places/", PlacesHandler),
    (rf"/api/places/{PLACE_ID}/", PlaceHandler),
    (r"/api/analytics/", AnalyticsHandler),
    (r"/api/analytics/hours/", HoursHandler),
    (r"/api/v1/analytics/events", EventsHandler),
    (r"/api/v1/analytics/dead_letters", DeadLettersHandler),
    (r"/api/v1/analytics/outbox", OutboxHandler),
]
