"""End-to-end fixtures: the built dashboard in headless Debian Chromium, driven by Playwright.

The browser is the system's `/usr/bin/chromium` (no browser download). The server is the
`live_server` fixture of tests/conftest.py; set E2E_BASE_URL=http://127.0.0.1:PORT to run these
tests against a server you started yourself (`python -m server run --port PORT`).
Screenshots of the pages go to tests/e2e/screenshots/ (not committed).
"""
import os
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
DIST_INDEX = ROOT / "frontend" / "dist" / "index.html"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}
PHONE = {"width": 390, "height": 844}
DEFAULT_ADMIN = ("admin", "admin")  # the embedded profile's first administrator


class BaseUrlSession(requests.Session):
    """requests.Session whose relative URLs are resolved against the server's base URL."""

    def __init__(self, base_url):
        super().__init__()
        self.base_url = base_url

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 30)
        return super().request(method, urljoin(self.base_url + "/", url.lstrip("/")), *args, **kwargs)


@pytest.fixture(scope="session")
def base_url(request):
    """http://host:port of the server under test."""
    url = os.environ.get("E2E_BASE_URL")
    if url:
        return url.rstrip("/")
    try:
        server = request.getfixturevalue("live_server")
    except pytest.FixtureLookupError:
        pytest.fail("no `live_server` fixture (tests/conftest.py) and E2E_BASE_URL is not set: "
                    "start a server (python -m server run --port 8765) and set "
                    "E2E_BASE_URL=http://127.0.0.1:8765", pytrace=False)
    return server.url.rstrip("/")


@pytest.fixture
def e2e_api(request, base_url):
    """The admin's REST session: the `api` fixture of tests/conftest.py (with the printers of
    fixtures/printers.json loaded), or admin/admin against E2E_BASE_URL."""
    if os.environ.get("E2E_BASE_URL"):
        with BaseUrlSession(base_url) as session:
            session.auth = DEFAULT_ADMIN
            yield session
        return
    request.getfixturevalue("printers")
    yield request.getfixturevalue("api")


@pytest.fixture
def admin_credentials(e2e_api):
    """(username, password) of an administrator, the same the REST session uses."""
    return tuple(e2e_api.auth) if e2e_api.auth else DEFAULT_ADMIN


@pytest.fixture(scope="session")
def dashboard_built(base_url):
    """The dashboard must be built (the Makefile does it before the tests) and served."""
    if not DIST_INDEX.is_file():
        pytest.fail(f"{DIST_INDEX.relative_to(ROOT)} is missing: build the dashboard first with "
                    "`make frontend` (or `cd frontend && npm ci && npm run build`)", pytrace=False)
    answer = requests.get(f"{base_url}/admin/", timeout=30)
    if answer.status_code != 200:
        pytest.fail(f"GET /admin/ answered {answer.status_code}: {answer.text[:300]}", pytrace=False)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: the end-to-end tests drive Debian's Chromium; install it with "
                    "`apt-get install chromium chromium-driver`", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python `playwright` package is missing: `pip install playwright` "
                    "(no `playwright install`: the system Chromium is used)", pytrace=False)
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def open_page(browser, base_url, viewport):
    context = browser.new_context(viewport=viewport, base_url=base_url, locale="ru-RU",
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def close_page(request, page):
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        page.screenshot(path=str(SCREENSHOTS / f"FAILED-{name}.png"), full_page=True)
    errors = list(page.errors)
    page.context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def page(request, browser, base_url, dashboard_built, e2e_api):
    """A fresh browser tab (own cookies and storage) on a laptop-sized screen."""
    tab = open_page(browser, base_url, LAPTOP)
    yield tab
    close_page(request, tab)


@pytest.fixture
def tablet_page(request, browser, base_url, dashboard_built, e2e_api):
    tab = open_page(browser, base_url, TABLET)
    yield tab
    close_page(request, tab)


@pytest.fixture
def phone_page(request, browser, base_url, dashboard_built, e2e_api):
    """A tab on a phone-sized screen (390 px wide)."""
    tab = open_page(browser, base_url, PHONE)
    yield tab
    close_page(request, tab)
