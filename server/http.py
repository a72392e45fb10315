"""The base handler: JSON in and out, the error envelope, and the `api` decorator that declares who may
call a handler method and what it takes (which also feeds the OpenAPI document)."""
import asyncio
import functools
import json
import logging
import math
import urllib.parse
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import marshmallow
import tornado.web

from server import messages
from server.db import dumps, paginate, run_db
from server.settings import settings

log = logging.getLogger("server.http")



class ApiError(tornado.web.HTTPError):
    """An error a client sees as `{"error": message, "details": ...}`, with `also`'s fields beside
    them (a batch's outcome row by row, say)."""

    def __init__(self, status: int, message: str | None = None, details: dict | None = None,
                 headers: dict | None = None, also: dict | None = None):
        super().__init__(status, log_message=None)
        self.message = message or messages.BY_STATUS.get(status, messages.ERROR)
        self.details = details
        self.headers = headers or {}
        self.also = also or {}


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


def exact_if_huge(text: str) -> float | Decimal:
    """A JSON number with a fraction or exponent, as a float; one beyond a float's range (1e999) as a
    Decimal, which the field it was sent for refuses by name (a float would be infinite, which no
    field checks for and no JSON can write back)."""
    value = float(text)
    return value if math.isfinite(value) else Decimal(text)


def media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def too_big() -> ApiError:
    return ApiError(413, details={"_body": [f"at most {settings.max_body_bytes} bytes"]})


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
    check), then validates; the method finds the results in `self.current_user`, `self.body` (and the
    body's JSON as received in `self.received`) and `self.query`.
    """
    refuses = {status: as_tuple(refusals) for status, refusals in (refuses or {}).items()}
    endpoint = Endpoint(access, body, query, responses or {}, refuses, summary, description, tuple(tags),
                        invalid_body_message)
    refusals = tuple(refusal for each in refuses.values() for refusal in each)

    def decorate(method):
        @functools.wraps(method)
        async def wrapper(self, *args, **kwargs):
            self.request.body = b"".join(self._chunks)
            if not self._authenticated:
                self.current_user = await endpoint.access.authenticate(self, kwargs)
            if endpoint.query is not None:
                self.query = validate(endpoint.query, self.query_arguments())
            if endpoint.body is not None:
                self.received = self.json_body()  # the JSON as it came, for what must be kept so
                self.body = validate(endpoint.body, self.received, endpoint.invalid_body_message)
            try:
                return await method(self, *args, **kwargs)
            except refusals as refusal:
                status = next(status for status, each in refuses.items() if isinstance(refusal, each))
                raise ApiError(status, str(refusal)) from None

        wrapper.endpoint = endpoint
        return wrapper

    return decorate


STATE_CHANGES = ("POST", "PUT", "PATCH", "DELETE")


class JsonErrors:
    """Errors as JSON (`{"error", "details"}`, in the client's language), for every handler: the API's
    and the pages' (a POST to a page is a JSON 405 too, not Tornado's HTML)."""

    @classmethod
    def allowed_methods(cls) -> list[str]:
        """The HTTP methods this handler implements (for a 405's `Allow` header)."""
        return [name for name in cls.SUPPORTED_METHODS
                if getattr(cls, name.lower()) is not getattr(tornado.web.RequestHandler, name.lower())]

    def write_error(self, status_code: int, **kwargs):
        error = kwargs.get("exc_info", (None, None, None))[1]
        envelope = {"error": messages.BY_STATUS.get(status_code, messages.ERROR)}
        also = error.also if isinstance(error, ApiError) else {}
        if status_code == 405:
            self.set_header("Allow", ", ".join(self.allowed_methods()))
        if isinstance(error, ApiError):
            envelope["error"] = error.message
            if error.details:
                envelope["details"] = error.details
            for name, value in error.headers.items():
                self.set_header(name, value)
        if getattr(self, "_reading_headers", False):
            # Tornado closes a connection answered before its body was read: say so, or a client
            # reusing it would send its next request into a closed socket.
            self.set_header("Connection", "close")
        self.set_header("Content-Language", self.language())
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(dumps({**messages.localized(envelope, self.language()), **also}))

    def language(self) -> str:
        """The language of the answer's texts: ru, or en when the client prefers it (Accept-Language)."""
        return messages.preferred_language(self.request.headers.get("Accept-Language"))


@tornado.web.stream_request_body
class BaseHandler(JsonErrors, tornado.web.RequestHandler):
    """JSON in and out. Before a byte of the body is read (`prepare`, on the headers alone): a state
    change from a foreign page or a form is refused, a body announced too big is refused (413), and a
    request that brings a body is authenticated, so that no one without credentials makes the server
    read one (an error answered before the body is read closes the connection). The body is kept up to
    MAX_BODY_BYTES; past that it is read and dropped, and answered 413."""

    body = None
    query = None
    _closed = None
    _authenticated = False

    async def prepare(self):
        self._chunks, self._received = [], 0
        self._reading_headers = True
        await self.check_headers()
        self._reading_headers = False

    async def check_headers(self):
        """What the headers alone decide: a cross-site state change, an oversize body, the caller of a
        request that brings a body (so that a stranger's body is never read)."""
        self.refuse_cross_site()
        headers = self.request.headers
        declared = headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > settings.max_body_bytes:
            raise too_big()
        brings_body = (declared.isdigit() and int(declared) > 0) or "Transfer-Encoding" in headers
        endpoint = getattr(getattr(self, self.request.method.lower(), None), "endpoint", None)
        if brings_body and endpoint is not None and not endpoint.access.reads_body:
            self.current_user = await endpoint.access.authenticate(self, self.path_kwargs)
            self._authenticated = True

    def data_received(self, chunk: bytes):
        self._received += len(chunk)
        if self._received <= settings.max_body_bytes:
            self._chunks.append(chunk)
        else:
            self._chunks = []

    def refuse_cross_site(self) -> None:
        """A state change must come from this site's pages or from a program: not from another site's
        page (`Origin`, `Sec-Fetch-Site`) and not as an HTML form (a Content-Type other than JSON), which
        a browser would send with the Basic credentials it remembers."""
        if self.request.method not in STATE_CHANGES:
            return
        headers = self.request.headers
        origin = headers.get("Origin")
        if origin is not None and urllib.parse.urlsplit(origin).netloc.lower() != self.request.host.lower():
            raise ApiError(403, messages.FOREIGN_ORIGIN)
        if headers.get("Sec-Fetch-Site") == "cross-site":
            raise ApiError(403, messages.FOREIGN_ORIGIN)
        content_type = headers.get("Content-Type")
        if content_type is not None and media_type(content_type) != "application/json":
            raise ApiError(415)

    def set_default_headers(self):
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")

    def client_ip(self) -> str:
        """The client's address: the peer's, or, when the peer is one of TRUSTED_PROXIES, the last
        address before the trusted ones in X-Forwarded-For (or X-Real-Ip)."""
        peer = self.request.remote_ip or "unknown"
        if peer not in settings.trusted_proxies:
            return peer
        forwarded = [a.strip() for a in self.request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        for address in reversed(forwarded):
            if address not in settings.trusted_proxies:
                return address
        return self.request.headers.get("X-Real-Ip", peer).strip() or peer

    def query_arguments(self) -> dict:
        """Query parameters, the last value of each."""
        return {name: values[-1].decode("utf-8", "replace")
                for name, values in self.request.query_arguments.items()}

    # How a JSON number with a fraction or an exponent is read: a float unless it is beyond a float's
    # range (then exact, so a field names the error); a module that keeps money says Decimal.
    parse_float = staticmethod(exact_if_huge)

    def json_body(self):
        if self._received > settings.max_body_bytes:
            raise too_big()
        if media_type(self.request.headers.get("Content-Type", "")) != "application/json":
            raise ApiError(415)
        try:
            text = self.request.body.decode("utf-8")
            value = json.loads(text, parse_constant=_reject_constant, parse_float=self.parse_float)
        except (UnicodeDecodeError, ValueError, RecursionError, ArithmeticError) as error:
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

    def log_exception(self, typ, value, tb):
        if isinstance(value, ApiError):
            log.info("%s %s -> %s %s", self.request.method, self.request.path, value.status_code,
                     value.message)
        else:
            super().log_exception(typ, value, tb)


class NotFoundHandler(BaseHandler):
    """Unknown paths answer JSON, not Tornado's HTML page. A request that brings a body is refused from
    its headers (its body is not read; the connection closes); one without is answered once it is read,
    so its keep-alive connection stays usable."""

    async def check_headers(self):
        headers = self.request.headers
        if headers.get("Content-Length", "0") not in ("", "0") or "Transfer-Encoding" in headers:
            raise ApiError(404, messages.NO_SUCH_ADDRESS)
        await super().check_headers()

    def refuse(self, *args, **kwargs):
        raise ApiError(404, messages.NO_SUCH_ADDRESS)

    get = head = post = put = patch = delete = options = refuse


SECRET_PARAMETERS = {"api_key", "token", "password"}


def loggable_uri(request) -> str:
    """The request's path and query with the values of secret parameters (a printer's api_key) hidden."""
    if not request.query:
        return request.path
    pairs = urllib.parse.parse_qsl(request.query, keep_blank_values=True)
    quote = urllib.parse.quote
    return request.path + "?" + "&".join(
        f"{quote(name)}={'***' if name.lower() in SECRET_PARAMETERS else quote(value)}" for name, value in pairs)


access_log = logging.getLogger("tornado.access")


def log_request(handler: tornado.web.RequestHandler) -> None:
    """The access log line, as Tornado writes it, without secrets."""
    status = handler.get_status()
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    request = handler.request
    access_log.log(level, "%d %s %s (%s) %.2fms", status, request.method, loggable_uri(request),
                   request.remote_ip, 1000.0 * request.request_time())


class StaticFiles(JsonErrors, tornado.web.StaticFileHandler):
    """Files of a folder, for anyone (no data in them); a path with a NUL byte names no file."""

    public = True

    def parse_url_path(self, url_path: str) -> str:
        if "\x00" in url_path:
            raise tornado.web.HTTPError(404)
        return super().parse_url_path(url_path)


class WithoutServerHeader(tornado.web.OutputTransform):
    """No `Server` header naming the software and its version."""

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        headers.pop("Server", None)
        return status_code, headers, chunk
