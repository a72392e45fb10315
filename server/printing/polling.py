"""The printers' hot path, kept in memory: who owns an api_key, and the body of each printer's poll.

A printer polls every few seconds and its answer rarely changes, so both are cached until the event
channel says that printer changed (a check rendered, printed or reprinted, the printer edited), with a
short lifetime as a safety net. `last_seen_at` is written once a second for all printers that polled,
instead of once per poll.
"""
import time

from server.db import dumps, utcnow
from server.printing.models import Printer
from server.printing.service import poll_rendered, printer_by_key, record_seen

LIFETIME = 5.0
EMPTY = b'{"checks":[]}'


class PollCache:
    def __init__(self, lifetime: float = LIFETIME):
        self.lifetime = lifetime
        self._printers: dict[str, tuple[float, Printer]] = {}
        self._keys_of: dict[int, set[str]] = {}
        self._bodies: dict[int, tuple[float, bytes]] = {}
        self._changes = 0
        self._seen: dict[int, object] = {}

    def changed(self, topic: str) -> None:
        """An event-channel listener: forget what is known of the printer the topic names. A lookup
        that was under way during a change is not kept, since it may have read the old state."""
        kind, _, ident = topic.partition(":")
        if kind != "printer" or not ident.isdigit():
            return
        printer_id = int(ident)
        self._changes += 1
        self._bodies.pop(printer_id, None)
        for key in self._keys_of.pop(printer_id, ()):
            self._printers.pop(key, None)

    def clear(self) -> None:
        self._printers.clear()
        self._keys_of.clear()
        self._bodies.clear()

    async def printer(self, api_key: str | None, run_db) -> Printer | None:
        if not api_key:
            return None
        entry = self._printers.get(api_key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        changes_before = self._changes
        printer = await run_db(printer_by_key, api_key)
        if printer is not None and self._changes == changes_before:
            self._printers[api_key] = (time.monotonic() + self.lifetime, printer)
            self._keys_of.setdefault(printer.id, set()).add(api_key)
        return printer

    async def body(self, printer: Printer, run_db) -> bytes:
        """The JSON body of the printer's poll: its rendered checks, oldest first."""
        self._seen[printer.id] = utcnow()
        entry = self._bodies.get(printer.id)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        changes_before = self._changes
        body = dumps({"checks": await run_db(poll_rendered, printer.id)}).encode()
        if self._changes == changes_before:
            self._bodies[printer.id] = (time.monotonic() + self.lifetime, body)
        return body

    def take_seen(self) -> dict:
        seen, self._seen = self._seen, {}
        return seen

    async def flush_seen(self, run_db) -> None:
        seen = self.take_seen()
        if seen:
            await run_db(record_seen, seen)


poll_cache = PollCache()
