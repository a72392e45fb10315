"""The base handler: JSON in and out, the error envelope, and the `api` decorator that declares who may
call a handler method and what it takes (which also feeds the OpenAPI document)."""
import asyncio
import functools
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import marshmallow
import tornado.web

from server import messages
from server.db import dumps, paginate, run_db
from server.settings import settings

log = logging.getLogger("server.http")



class ApiError(tornado.web.HTTPError):
    """An error a client sees as `{"error": message, "details": ...}`."""

    def __init__(self, status: int, message: str | None = None, details: dict | None = None,
                 headers: dict | None = None):
        super().__init__(status, log_message=None)
        self.message = message or messages.BY_STATUS.get(status, messages.ERROR)
        self.details = details
        self.headers = headers or {}


def flatten_errors(errors, prefix: str = "") -> dict:
    """marshmallow's nested messages as {"items.0.quantity": [...]}."""
    flat = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key == "_schema" and prefix:
                name = prefix
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                flat.update(flatten_errors(value, name))
            else:
                flat[name] = value if isinstance(value, list) else [value]
    else:
        flat[prefix or "_schema"] = errors if isinstance(errors, list) else [errors]
    return flat


MAX_JSON_DEPTH = 32


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def check_json_value(value, text: str) -> None:
    """Refuse what parses as JSON but no handler should ever see: nesting deeper than MAX_JSON_DEPTH,
    and strings with NUL (PostgreSQL refuses them) or lone surrogates (not encodable as UTF-8).

    `text`, the JSON the value came from, spares the walk when it cannot hold either: both need a
    \\u escape, and that deep a nesting needs as many brackets."""
    if "\\u" not in text and text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise ApiError(400, messages.TOO_DEEP,
                               {"_body": [f"at most {MAX_JSON_DEPTH} levels of nesting"]})
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in children:
                if isinstance(key, str):
                    pending.append((key, depth))
                pending.append((child, depth + 1))
        elif isinstance(item, str):
            if "\x00" in item:
                raise ApiError(400, messages.NUL_IN_STRING, {"_body": ["NUL in a string"]})
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ApiError(400, messages.NOT_UTF8,
                               {"_body": ["a lone surrogate in a string"]}) from None


def validate(schema: marshmallow.Schema, data, message: str = messages.INVALID_DATA):
    try:
        return schema.load(data)
    except marshmallow.ValidationError as error:
        raise ApiError(400, message, flatten_errors(error.messages)) from None


@dataclass
class Endpoint:
    """What `@api` declares about one handler method."""

    access: object
    body: marshmallow.Schema | None = None
    query: marshmallow.Schema | None = None
    responses: dict = field(default_factory=dict)
    refuses: dict = field(default_factory=dict)
    summary: str = ""
    description: str = ""
    tags: tuple = ()
    invalid_body_message: str = messages.INVALID_DATA


def as_tuple(refusals) -> tuple:
    return refusals if isinstance(refusals, tuple) else (refusals,)


def api(access, *, body=None, query=None, responses=None, refuses=None, summary="", description="", tags=(),
        invalid_body_message=messages.INVALID_DATA):
    """Declare a handler method: who may call it (`access`), its body and query schemas, what it answers
    besides what the OpenAPI builder adds itself (`responses`: the success shape), and the logic's
    refusals it turns into errors (`refuses={409: ApiKeyTaken}`: that status, the exception's text).

    The wrapper authenticates and authorizes first (with the path's arguments, for a record-level
    check), then validates; the method finds the results in `self.current_user`, `self.body` and
    `self.query`.
    """
    refuses = {status: as_tuple(refusals) for status, refusals in (refuses or {}).items()}
    endpoint = Endpoint(access, body, query, responses or {}, refuses, summary, description, tuple(tags),
                        invalid_body_message)
    refusals = tuple(refusal for each in refuses.values() for refusal in each)

    def decorate(method):
        @functools.wraps(method)
        async def wrapper(self, *args, **kwargs):
            self.current_user = await endpoint.access.authenticate(self, kwargs)
            if endpoint.query is not None:
                self.query = validate(endpoint.query, self.query_arguments())
            if endpoint.body is not None:
                self.body = validate(endpoint.body, self.json_body(), endpoint.invalid_body_message)
            try:
                return await method(self, *args, **kwargs)
            except refusals as refusal:
                status = next(status for status, each in refuses.items() if isinstance(refusal, each))
                raise ApiError(status, str(refusal)) from None

        wrapper.endpoint = endpoint
        return wrapper

    return decorate


class BaseHandler(tornado.web.RequestHandler):
    body = None
    query = None
    _closed = None

    def set_default_headers(self):
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")

    def client_ip(self) -> str:
        return self.request.remote_ip or "unknown"

    def query_arguments(self) -> dict:
        """Query parameters, the last value of each."""
        return {name: values[-1].decode("utf-8", "replace")
                for name, values in self.request.query_arguments.items()}

    def json_body(self):
        body = self.request.body
        if len(body) > settings.max_body_bytes:
            raise ApiError(413, details={"_body": [f"at most {settings.max_body_bytes} bytes"]})
        content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise ApiError(415)
        try:
            text = body.decode("utf-8")
            value = json.loads(text, parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise ApiError(400, messages.NOT_JSON,
                           {"_body": [str(error)[:200]]}) from None
        check_json_value(value, text)
        return value

    async def write_page(self, schema: type[marshmallow.Schema], make_query, params: dict):
        """A list's `{"items": [...], "total": N}`: the page of `make_query(params)` that the validated
        paging and ordering in `params` ask for."""
        rows, total = await run_db(lambda: paginate(make_query(params), params))
        self.write_json({"items": schema(many=True).dump(rows), "total": total})

    async def write_file(self, path: Path, content_type: str):
        """A file's bytes, read off the event loop (and off the database's threads)."""
        data = await asyncio.get_running_loop().run_in_executor(None, path.read_bytes)
        self.set_header("Content-Type", content_type)
        self.set_header("Content-Disposition", f'inline; filename="{path.name}"')
        self.finish(data)

    def connection_closed(self) -> asyncio.Future:
        """A future done when the client goes away (a long poll stops waiting for nobody)."""
        if self._closed is None:
            self._closed = asyncio.get_running_loop().create_future()
        return self._closed

    def on_connection_close(self):
        if self._closed is not None and not self._closed.done():
            self._closed.set_result(None)

    def write_json(self, data, status: int = 200):
        self.set_status(status)
        self.finish(dumps(data))

    @classmethod
    def allowed_methods(cls) -> list[str]:
        """The HTTP methods this handler implements (for a 405's `Allow` header)."""
        return [name for name in cls.SUPPORTED_METHODS
                if getattr(cls, name.lower()) is not getattr(tornado.web.RequestHandler, name.lower())]

    def write_error(self, status_code: int, **kwargs):
        error = kwargs.get("exc_info", (None, None, None))[1]
        envelope = {"error": messages.BY_STATUS.get(status_code, messages.ERROR)}
        if status_code == 405:
            self.set_header("Allow", ", ".join(self.allowed_methods()))
        if isinstance(error, ApiError):
            envelope["error"] = error.message
            if error.details:
                envelope["details"] = error.details
            for name, value in error.headers.items():
                self.set_header(name, value)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(dumps(envelope))

    def log_exception(self, typ, value, tb):
        if isinstance(value, ApiError):
            log.info("%s %s -> %s %s", self.request.method, self.request.path, value.status_code,
                     value.message)
        else:
            super().log_exception(typ, value, tb)


class NotFoundHandler(BaseHandler):
    """Unknown paths answer JSON, not Tornado's HTML page."""

    def prepare(self):
        raise ApiError(404, messages.NO_SUCH_ADDRESS)
