"""The Tornado application: every module's routes in one table, and the server's start and stop."""
import asyncio
import gc
import logging

import tornado.web

from server import admin, openapi
from server.events import events
from server.http import NotFoundHandler, WithoutServerHeader, log_request
from server.modules import modules
from server.settings import settings

log = logging.getLogger("server")


def api_routes() -> list:
    """Every documented route, module by module."""
    return [route for module in modules() for route in module.routes]


def all_routes() -> list:
    return [*api_routes(), *openapi.routes, *admin.routes]


def background_services() -> list:
    """What runs beside the HTTP server, module by module (each has start() and async stop())."""
    return [service for module in modules() for service in module.background]


def make_app(**app_settings) -> tornado.web.Application:
    routes = all_routes()
    return tornado.web.Application(
        routes, default_handler_class=NotFoundHandler, openapi=openapi.build_spec(routes),
        transforms=[tornado.web.GZipContentEncoding, WithoutServerHeader], log_function=log_request,
        **app_settings)


def listen(app: tornado.web.Application, port: int, host: str):
    """The HTTP server of `app`, with the timeouts of the settings. Its body limit only bounds what
    Tornado reads at all: handlers refuse past MAX_BODY_BYTES."""
    return app.listen(port, host, max_body_size=64 * 1024 * 1024, xheaders=False,
                      idle_connection_timeout=settings.http_idle_timeout, body_timeout=settings.http_body_timeout)


# Objects allocated (and not freed) between two young collections: Python's default, 700, has the
# collector walk the young objects every few requests (each builds queries, schemas, futures).
YOUNG_GENERATION_THRESHOLD = 50_000


def settle_garbage_collector() -> None:
    """For a started server process: what start-up made (modules, routes, schemas) is moved out of the
    collector's sight for good, and young collections run less often (bench/fiscal.py: ~5% more
    registrations a second, as the collector's passes over those objects went)."""
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])


class Server:
    """The HTTP server with what runs beside it: the event channel and, on the embedded profile,
    the Celery worker threads."""

    def __init__(self, host: str, port: int, embedded_worker=None):
        self.host, self.port = host, port
        self.embedded_worker = embedded_worker
        self.http_server = None
        self.background = background_services()

    async def start(self):
        events.attach(asyncio.get_running_loop())
        for service in self.background:
            service.start()
        if self.embedded_worker is not None:
            self.embedded_worker.start()
        self.http_server = listen(make_app(), self.port, self.host)
        base = f"http://{self.host}:{self.port}"
        log.info("serving %s — dashboard %s%s, API docs %s%s, OpenAPI document %s%s", base,
                 base, admin.WHERE["dashboard"], base, admin.WHERE["api_docs"], base, admin.WHERE["openapi"])

    async def stop(self):
        if self.http_server is not None:
            self.http_server.stop()
            await self.http_server.close_all_connections()
        if self.embedded_worker is not None:
            self.embedded_worker.stop()
        for service in self.background:
            await service.stop()
        events.detach()
