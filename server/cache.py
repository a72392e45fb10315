"""One small in-memory cache for every module: values kept for a lifetime, dropped at once when the
event channel says what they were read from changed.

The rule that keeps it honest under concurrency: a value is stored only if no invalidation happened
since its load began (`since = cache.generation` before reading, `cache.put(key, value, since)`
after). A request in flight that read the old state cannot put it back after an admin's change.
"""
import threading
import time

from server.events import events


class ExpiringCache:
    """key -> value for `lifetime` seconds. Entries carry tags (a printer's id, say); `invalidate(tag)`
    drops every entry with that tag, `invalidate()` drops them all. As an event-channel listener
    (`events.listen(cache.heard)`), topic `<topic>:<tag>` invalidates that tag and `<topic>` everything."""

    def __init__(self, topic: str, lifetime: float, max_entries: int = 10_000):
        self.topic = topic
        self.lifetime = lifetime
        self.max_entries = max_entries
        self._entries: dict = {}  # key -> (expires at, value, tags)
        self._tagged: dict[str, set] = {}
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        """Take it before a load begins; hand it to `put`."""
        return self._generation

    def get(self, key):
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key, value, since: int, tags: tuple = (), lifetime: float | None = None) -> bool:
        """Keep `value` unless an invalidation happened since `since`; True when kept."""
        ttl = self.lifetime if lifetime is None else min(self.lifetime, lifetime)
        with self._lock:
            if since != self._generation or ttl <= 0:
                return False
            if len(self._entries) >= self.max_entries:
                self._clear()
            self._entries[key] = (time.monotonic() + ttl, value, tags)
            for tag in tags:
                self._tagged.setdefault(str(tag), set()).add(key)
            return True

    def invalidate(self, tag=None) -> None:
        with self._lock:
            self._generation += 1
            if tag is None:
                self._clear()
                return
            for key in self._tagged.pop(str(tag), ()):
                entry = self._entries.pop(key, None)
                for other in entry[2] if entry else ():
                    self._tagged.get(str(other), set()).discard(key)

    def heard(self, topic: str) -> None:
        kind, _, tag = topic.partition(":")
        if kind == self.topic:
            self.invalidate(tag or None)

    def _clear(self) -> None:
        self._entries.clear()
        self._tagged.clear()


class Following:
    """A background service: while the server runs, its caches hear the event channel."""

    def __init__(self, *caches: ExpiringCache):
        self.caches = caches

    def start(self) -> None:
        for cache in self.caches:
            events.listen(cache.heard)

    async def stop(self) -> None:
        for cache in self.caches:
            events.unlisten(cache.heard)
