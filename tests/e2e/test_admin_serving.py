"""server/admin.py serves the dashboard's build: hashed assets cached for good, index.html for every
client-side route, and a clear 503 page when there is no build (no browser needed here)."""
import tempfile
from pathlib import Path

import tornado.testing
import tornado.web

from server import admin

INDEX = b'<!doctype html><div id="root"></div><script type="module" src="/admin/assets/index-abc123.js"></script>'


def make_build(root: Path) -> Path:
    dist = root / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_bytes(INDEX)
    (dist / "assets" / "index-abc123.js").write_text("console.log('dashboard')")
    (dist / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / "secret.txt").write_text("outside the build")
    return dist


class ServingTest(tornado.testing.AsyncHTTPTestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dist = make_build(Path(self.tmp.name))
        super().setUp()

    def tearDown(self):
        super().tearDown()
        self.tmp.cleanup()

    def get_app(self):
        return tornado.web.Application(admin.make_routes(self.dist))

    def test_every_admin_path_gets_index_html_without_caching(self):
        for path in ("/admin/", "/admin/checks", "/admin/checks/5/show?x=1", "/admin/users/create"):
            response = self.fetch(path)
            assert response.code == 200, path
            assert response.body == INDEX
            assert response.headers["Content-Type"].startswith("text/html")
            assert response.headers["Cache-Control"] == "no-cache"
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]

    def test_hashed_assets_are_cached_for_a_year(self):
        response = self.fetch("/admin/assets/index-abc123.js")
        assert response.code == 200
        assert response.body == b"console.log('dashboard')"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "javascript" in response.headers["Content-Type"]

    def test_a_missing_asset_is_404_not_the_page(self):
        assert self.fetch("/admin/assets/index-old.js").code == 404

    def test_top_level_build_files_are_served_by_name(self):
        response = self.fetch("/admin/favicon.svg")
        assert response.code == 200
        assert response.headers["Content-Type"] == "image/svg+xml"
        assert b"<svg" in response.body

    def test_admin_without_slash_redirects(self):
        response = self.fetch("/admin?lang=en", follow_redirects=False)
        assert response.code in (301, 302)
        assert response.headers["Location"] == "/admin/?lang=en"

    def test_nothing_outside_the_build_is_served(self):
        for path in ("/admin/../secret.txt", "/admin/%2e%2e/secret.txt", "/admin/assets/../../secret.txt",
                     "/admin/assets/%2e%2e/%2e%2e/secret.txt"):
            response = self.fetch(path)
            assert b"outside the build" not in (response.body or b""), path

    def test_handlers_are_public(self):
        assert all(getattr(handler, "public", False) for _, handler, *_ in admin.routes)


class NotBuiltTest(tornado.testing.AsyncHTTPTestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        super().setUp()

    def tearDown(self):
        super().tearDown()
        self.tmp.cleanup()

    def get_app(self):
        return tornado.web.Application(admin.make_routes(Path(self.tmp.name) / "dist"))

    def test_without_a_build_the_page_says_how_to_build_it(self):
        for path in ("/admin/", "/admin/printers"):
            response = self.fetch(path)
            assert response.code == 503
            assert response.headers["Content-Type"].startswith("text/html")
            assert b"make frontend" in response.body
            assert "не собрана".encode() in response.body


def test_the_default_build_folder_is_frontend_dist_at_the_repo_root():
    assert admin.DIST_DIR == Path(__file__).resolve().parents[2] / "frontend" / "dist"
