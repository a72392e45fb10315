"""Helpers the end-to-end tests share: log in, pick in a select, read list rows, screenshots."""
from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def screenshot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def login(page, username, password):
    page.goto("/admin/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector(f'[data-testid=current-user]:has-text("{username}")')


def choose(page, name, value, scope=None):
    """Pick `value` (a choice id) in the MUI select whose hidden input is named `name`."""
    root = scope or page
    root.locator(f'.MuiInputBase-root:has(input[name="{name}"]) [role=combobox]').first.click()
    page.locator(f'[role=listbox] [role=option][data-value="{value}"]').click()
    page.wait_for_selector("[role=listbox]", state="detached")


def rows(page):
    """The data rows of the list on the page."""
    return page.locator("table tbody tr.RaDataTable-row")


def wait_for_list(page):
    """The list has loaded: its main part is shown and no request is pending."""
    page.wait_for_selector(".RaList-main", state="visible")
    page.wait_for_load_state("networkidle")
