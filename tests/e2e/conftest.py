"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against the live test server."""

import os

import pytest

CHROMIUM = os.environ.get("JINGZHUN_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API keeps an event loop running in this thread while the browser is open; the ORM
    # calls of the test and its fixtures are still synchronous, so Django's async guard is lifted meanwhile.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def phone(browser):
    """A page the size of a common phone, in Chinese."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    yield page
    context.close()


# the monitoring app's fixtures (a monitoring line, an exited household) for its browser test
from tests.monitoring.conftest import exited, monitoring_line  # noqa: E402, F401
from tests.projects.conftest import households, staff  # noqa: E402, F401
