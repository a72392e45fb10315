"""Group commit: requests that arrive while the database is busy with earlier ones are handled together,
in one executor call (and, as the handler writes it, one statement), instead of each paying its own
thread hop and database round trips.

A request that finds nothing under way starts at once, alone, so batching adds no wait when the server
is quiet; under load, batches grow to what arrived during the previous one.
"""
import asyncio
import logging

import peewee

from server.db import run_db

log = logging.getLogger("server.batching")

# What one bad item can make a whole batch fail with. Anything else (the database or the queue
# unreachable, a bug) fails the batch once: tried again item by item, it would fail each the same
# way, or find the work it did before failing and answer wrongly.
ITEM_ERRORS = (peewee.IntegrityError, peewee.DataError)


class Batcher:
    """`await batcher.submit(item)` answers what `handle_many(items)[i]` gave for that item: a value, or
    an exception instance, which is raised to that item's caller alone. `handle_many` runs in the
    database executor; should it raise one of ITEM_ERRORS, each item of the batch is tried again alone,
    so that one bad item cannot fail the others."""

    def __init__(self, handle_many, max_size: int = 100, in_flight: int = 1):
        self.handle_many = handle_many
        self.max_size = max_size
        self.in_flight = in_flight
        self._pending: list[tuple[object, asyncio.Future]] = []
        self._draining = 0
        self._tasks: set[asyncio.Task] = set()  # asyncio keeps only weak references to tasks

    async def submit(self, item):
        future = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._draining < self.in_flight:
            self._draining += 1
            task = asyncio.ensure_future(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch = self._pending[:self.max_size]
                del self._pending[:self.max_size]
                items = [item for item, _ in batch]
                for (_, future), result in zip(batch, await self._results(items)):
                    if future.done():
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._draining -= 1  # at once, not in a later callback: a submit must not find it busy

    async def _results(self, items: list) -> list:
        try:
            return await run_db(self.handle_many, items)
        except ITEM_ERRORS as error:
            if len(items) == 1:
                return [error]
            log.warning("a batch of %d failed (%s); trying each alone", len(items), error)
        except Exception as error:
            return [error] * len(items)
        results = []
        for item in items:
            try:
                results.extend(await run_db(self.handle_many, [item]))
            except Exception as error:
                results.append(error)
        return results
