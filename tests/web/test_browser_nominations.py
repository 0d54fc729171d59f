"""Peer nomination pages in a real headless Chromium: the emailed link's token reaches the
form through the URL fragment, and axe-core finds no WCAG 2.2 AA violation on the nomination
form, its error state, the opt-out page, the results page or the names page."""

from __future__ import annotations

import pytest

from ethos.nominations import services
from ethos.nominations.models import Nomination
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
from tests.web.personas import build_cast

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


@pytest.fixture
def world(db):
    cast = build_cast()
    today = services.today()
    campaign = services.create_campaign(
        cast.trust, "Kindness counts", today, today.replace(year=today.year + 1), threshold=3
    )
    tokens = {m.staff_id: t for m, t in services.open_campaign(campaign, send=False)}
    return cast, campaign, tokens


def test_nominating_and_opting_out_pass_axe(live_server, browser, world):
    _, campaign, tokens = world
    found: list[tuple[str, str]] = []
    page = new_page(browser, DESKTOP)
    page.goto(f"{live_server.url}/nominations/nominate/#t={tokens['W12-001']}")
    check_styled(page)
    assert page.input_value("#token") == tokens["W12-001"]
    assert "#t=" not in page.url  # take.js took it out of the address bar
    found.extend(axe(page, "nomination start"))
    with page.expect_navigation():
        page.click("#start-button")
    page.wait_for_selector("#compassion-1-colleague")
    found.extend(axe(page, "nomination form"))
    screenshot(page, "nominations-form-desktop")

    page.fill("#compassion-1-colleague", "Staff W12 1 (W12-001)")  # herself
    page.fill("#compassion-1-reason", "I am great.")
    with page.expect_navigation():
        page.click("button[value=submit]")
    page.wait_for_selector(".nhsuk-error-summary")
    assert "You cannot nominate yourself" in page.inner_text(".nhsuk-error-summary")
    found.extend(axe(page, "nomination form errors"))
    screenshot(page, "nominations-form-errors")

    page.fill("#compassion-1-colleague", "Staff W12 5 (W12-005)")
    with page.expect_navigation():
        page.click("button[value=submit]")
    page.wait_for_selector(".nhsuk-panel")
    found.extend(axe(page, "nomination thanks"))
    assert Nomination.objects.filter(campaign=campaign, nominee__staff_id="W12-005").exists()

    page.goto(f"{live_server.url}/nominations/opt-out/#t={tokens['W12-002']}")
    assert page.input_value("#token") == tokens["W12-002"]
    found.extend(axe(page, "opt-out"))
    with page.expect_navigation():
        page.click("#start-button")
    page.wait_for_selector(".nhsuk-panel")
    found.extend(axe(page, "opt-out done"))
    page.context.close()

    phone = new_page(browser, PHONE)
    phone.goto(f"{live_server.url}/nominations/nominate/#t={tokens['W12-003']}")
    with phone.expect_navigation():
        phone.click("#start-button")
    phone.wait_for_selector("#compassion-1-colleague")
    found.extend(reflow(phone, "phone nomination form"))
    phone.context.close()
    assert_accessible(found)


def test_results_and_names_pass_axe(live_server, browser, world):
    cast = world[0]
    found: list[tuple[str, str]] = []
    page = new_page(browser, DESKTOP)
    sign_in(page, live_server.url, "ada")
    base = f"{live_server.url}/nominations/"
    for path, label in (
        ("", "campaigns"),
        (f"{world[1].pk}/", "campaign detail"),
        (f"{cast.campaign.pk}/results/", "results"),
        (f"{cast.campaign.pk}/results/names/", "names"),
        ("new/", "create"),
        ("opt-outs/", "opt-outs"),
    ):
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        check_styled(page)
        found.extend(axe(page, label))
    page.goto(base + f"{cast.campaign.pk}/results/")
    screenshot(page, "nominations-results-desktop")
    page.goto(base + f"{cast.campaign.pk}/results/names/")
    assert "Staff W12 5" in page.inner_text("main")
    screenshot(page, "nominations-names-desktop")
    page.goto(base + "new/")
    page.fill("#threshold", "2")
    with page.expect_navigation():
        page.click("main form button")
    page.wait_for_selector(".nhsuk-error-summary")
    found.extend(axe(page, "create errors"))
    page.context.close()

    phone = new_page(browser, PHONE)
    sign_in(phone, live_server.url, "ada")
    for path in (f"{cast.campaign.pk}/results/", f"{cast.campaign.pk}/results/names/"):
        phone.goto(base + path)
        found.extend(reflow(phone, f"phone {path}"))
    phone.context.close()
    assert_accessible(found)
