"""The admin dashboard: the SPA built from `frontend/` (`make frontend`) served at `/admin/`.

- `/admin/assets/*`: Vite's content-hashed files, cached for a year (`immutable`);
- `/admin/<file>` that exists at the top of the build (favicon.svg): that file, revalidated;
- every other `/admin/*` path: `index.html` (no-cache), so the client-side router owns the URLs;
- `/admin` redirects to `/admin/`, and so does `/` for a browser (an API client gets JSON saying where
  the dashboard, the API documentation and the OpenAPI document are);
- without a build, `/admin/*` answers 503 with a page saying how to build it, not a blank page.

These handlers are public: the page and its scripts hold no data; the SPA asks the API with a token.
"""
import json
import mimetypes
from pathlib import Path

import tornado.web

from server.http import JsonErrors, StaticFiles

DIST_DIR = Path(__file__).resolve().parent.parent / "frontend" / "dist"

ASSET_MAX_AGE = 365 * 24 * 3600
ASSET_CACHE_CONTROL = f"public, max-age={ASSET_MAX_AGE}, immutable"

# What the SPA needs, nothing more: its own scripts, Emotion's inline styles, the check PDF shown
# from a blob: URL, and API calls to the same origin.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self' blob:",
    "object-src 'self' blob:",
    "base-uri 'self'",
    "frame-ancestors 'self'",
])

NOT_BUILT_PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Receipt Hub: панель не собрана</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;line-height:1.5}
code{background:#eee;padding:.1em .3em;border-radius:3px}</style></head>
<body>
<h1>Панель администратора не собрана</h1>
<p>Файла <code>frontend/dist/index.html</code> нет. Соберите панель командой <code>make frontend</code>
(или <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>; нужен Node.js) и обновите страницу.</p>
<h2>The admin dashboard is not built</h2>
<p><code>frontend/dist/index.html</code> is missing. Run <code>make frontend</code>
(or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>; needs Node.js), then reload this page.</p>
<p>The REST API works without it: <a href="/api/docs/">/api/docs/</a>.</p>
</body></html>
"""


class AdminRedirectHandler(JsonErrors, tornado.web.RedirectHandler):
    """`/admin` -> `/admin/` (query string kept)."""

    public = True


WHERE = {"dashboard": "/admin/", "api_docs": "/api/docs/", "openapi": "/api/openapi.json"}


class RootHandler(JsonErrors, tornado.web.RequestHandler):
    """`/`: a browser (it asks for HTML) goes to the dashboard; any other client learns where things are."""

    public = True

    def get(self):
        accept = self.request.headers.get("Accept", "")
        if "text/html" in accept:
            self.redirect(WHERE["dashboard"])
            return
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"name": "Receipt Hub", **WHERE}))

    def head(self):
        self.get()


class AdminAssetHandler(StaticFiles):
    """Hashed build assets: a new build has new names, so they may be cached for good."""

    @classmethod
    def get_cache_time(cls, path, modified, mime_type):
        return ASSET_MAX_AGE

    def set_extra_headers(self, path):
        self.set_header("Cache-Control", ASSET_CACHE_CONTROL)
        self.set_header("X-Content-Type-Options", "nosniff")


class AdminIndexHandler(JsonErrors, tornado.web.RequestHandler):
    """index.html for every client-side route; a top-level build file when one is asked for by name."""

    public = True

    def initialize(self, dist_dir):
        self.dist_dir = Path(dist_dir)

    def set_default_headers(self):
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "same-origin")

    def top_level_file(self, path: str):
        """A real file directly in the build folder (favicon.svg), or None; never outside it."""
        if not path or "/" in path or "\\" in path or "\x00" in path or path.startswith("."):
            return None
        candidate = self.dist_dir / path
        if candidate.name == "index.html" or not candidate.is_file():
            return None
        return candidate

    def get(self, path=""):
        index = self.dist_dir / "index.html"
        if not index.is_file():
            self.set_status(503)
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(NOT_BUILT_PAGE)
            return
        file = self.top_level_file(path)
        if file is not None:
            mime_type, _ = mimetypes.guess_type(file.name)
            self.set_header("Content-Type", mime_type or "application/octet-stream")
            self.set_header("Cache-Control", "no-cache")
            self.finish(file.read_bytes())
            return
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.finish(index.read_bytes())

    def head(self, path=""):
        self.get(path)


def make_routes(dist_dir=DIST_DIR) -> list:
    """The dashboard's routes, serving the build in `dist_dir`."""
    dist_dir = Path(dist_dir)
    return [
        (r"/", RootHandler),
        (r"/admin", AdminRedirectHandler, {"url": "/admin/", "permanent": False}),
        (r"/admin/assets/(.*)", AdminAssetHandler, {"path": str(dist_dir / "assets")}),
        (r"/admin/(.*)", AdminIndexHandler, {"dist_dir": dist_dir}),
    ]


routes = make_routes()
