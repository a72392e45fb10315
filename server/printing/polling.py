"""The printers' hot path, kept in memory: who owns an api_key, and the body of each printer's poll.

A printer polls every few seconds and its answer rarely changes, so both are cached until the event
channel says that printer changed (a check rendered, printed or reprinted, the printer edited), with a
short lifetime as a safety net. `last_seen_at` is written once a second for all printers that polled,
instead of once per poll.
"""
from server.cache import ExpiringCache
from server.db import dumps, run_db, utcnow
from server.events import events
from server.printing.models import Printer
from server.printing.service import poll_rendered, printer_by_key, printer_topic, record_seen

LIFETIME = 5.0
EMPTY = b'{"checks":[]}'


class PollCache:
    def __init__(self, lifetime: float = LIFETIME):
        self.printers = ExpiringCache("printer", lifetime)  # api_key -> Printer, tagged with its id
        self.bodies = ExpiringCache("printer", lifetime)  # printer id -> its poll's body
        self._seen: dict[int, object] = {}

    @property
    def caches(self) -> tuple[ExpiringCache, ExpiringCache]:
        return self.printers, self.bodies

    def clear(self) -> None:
        for cache in self.caches:
            cache.invalidate()
        self._seen.clear()

    async def printer(self, api_key: str | None) -> Printer | None:
        if not api_key:
            return None
        printer = self.printers.get(api_key)
        if printer is None:
            since = self.printers.generation
            printer = await run_db(printer_by_key, api_key)
            if printer is not None:
                self.printers.put(api_key, printer, since, tags=(printer.id,))
        return printer

    async def body(self, printer: Printer) -> bytes:
        """The JSON body of the printer's poll: its rendered checks, oldest first."""
        self._seen[printer.id] = utcnow()
        body = self.bodies.get(printer.id)
        if body is None:
            since = self.bodies.generation
            body = dumps({"checks": await run_db(poll_rendered, printer.id)}).encode()
            self.bodies.put(printer.id, body, since, tags=(printer.id,))
        return body

    async def wait_body(self, printer: Printer, wait: float, until=None) -> bytes:
        """The poll's body, once it has checks or after `wait` seconds (or `until` is done), holding no
        thread while it waits."""
        return await events.wait_for(printer_topic(printer.id), lambda: self.body(printer),
                                     lambda body: body != EMPTY, wait, until)

    async def flush_seen(self) -> None:
        seen, self._seen = self._seen, {}
        if seen:
            await run_db(record_seen, seen)


poll_cache = PollCache()
