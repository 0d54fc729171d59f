"""The workforce pages (WRES, WDES, leadership, culture and outcomes, import) in a real
headless Chromium: axe-core's WCAG 2.2 AA checks, and reflow at phone width."""

from __future__ import annotations

import pytest

from ethos.organisations import services as org
from ethos.organisations.models import Organisation, Role
from tests.web.browser import (
    DESKTOP,
    PHONE,
    assert_accessible,
    axe,
    check_styled,
    launch_browser,
    new_page,
    reflow,
    screenshot,
    sign_in,
)
from tests.web.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAGES = ("", "wres/", "wdes/", "leadership/", "outcomes/", "import/")


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


@pytest.fixture
def analyst(db):
    from ethos.web.demo import build_demo

    build_demo(staff=1500, units=60, seed=7)
    user = org.create_user("wan", PASSWORD)
    org.grant_role(user, Organisation.objects.get(slug="demo"), Role.ANALYST)
    return "wan"


def test_every_workforce_page_passes_axe_and_reflows(live_server, analyst, browser):
    base = f"{live_server.url}/workforce/"
    found: list[tuple[str, str]] = []
    page = new_page(browser, DESKTOP)
    sign_in(page, live_server.url, analyst)
    for name in PAGES:
        response = page.goto(base + name)
        assert response is not None and response.status == 200, name
        check_styled(page)
        found.extend(axe(page, f"workforce/{name}"))
    screenshot(page, "workforce-import-desktop")
    with page.expect_navigation():
        page.click("main form button:not([type=button])")
    page.wait_for_selector(".nhsuk-error-summary")
    found.extend(axe(page, "workforce import errors"))
    page.goto(base + "leadership/?leaver_rate=lots")
    page.wait_for_selector(".nhsuk-error-summary")
    found.extend(axe(page, "leadership assumption errors"))
    page.goto(base + "leadership/")
    screenshot(page, "workforce-leadership-desktop")
    page.context.close()

    page = new_page(browser, PHONE)
    sign_in(page, live_server.url, analyst)
    for name in PAGES:
        page.goto(base + name)
        found.extend(reflow(page, f"phone workforce/{name}"))
    page.context.close()
    assert_accessible(found)
