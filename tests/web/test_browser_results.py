"""The staff pages in a real headless Chromium: axe-core's WCAG 2.2 AA checks on every results
page, the survey admin pages and the organisation pages, signed in through the real form.

See :mod:`tests.web.browser` for what these tests need installed.
"""

from __future__ import annotations

import pytest

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

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Found = list[tuple[str, str]]


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


def visit(page, url: str, found: Found, label: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{label}: {url} -> {response}"
    check_styled(page)
    found.extend(axe(page, label))


def submit_and_expect_errors(page, found: Found, label: str) -> None:
    with page.expect_navigation():
        page.click("main form button:not([type=button])")
    page.wait_for_selector(".nhsuk-error-summary")
    check_styled(page)
    found.extend(axe(page, label))


def test_every_results_page_passes_axe(live_server, cast, browser):
    base = live_server.url
    found: Found = []

    # Signed out: the sign-in page, its error state, and the public pages.
    page = new_page(browser, DESKTOP)
    visit(page, f"{base}/sign-in/", found, "sign-in")
    page.fill("#id_username", "ann")
    page.fill("#id_password", "not the password")
    submit_and_expect_errors(page, found, "sign-in error")
    visit(page, f"{base}/privacy/", found, "privacy")
    visit(page, f"{base}/accessibility/", found, "accessibility statement")
    page.context.close()

    # Ann the analyst, signed in through the form: home, every results page, survey pages.
    page = new_page(browser, DESKTOP)
    sign_in(page, base, "ann")
    results = f"{base}/results/{cast.closed.id}"
    visit(page, f"{base}/", found, "home (ann)")
    visit(page, f"{results}/", found, "results overview")
    screenshot(page, "results-overview-desktop")
    visit(page, f"{results}/heatmap/", found, "heatmap")
    screenshot(page, "results-heatmap-desktop")
    visit(page, f"{results}/heatmap/?measures=all", found, "heatmap ?measures=all")
    visit(page, f"{results}/units/W12/", found, "unit W12")
    visit(page, f"{results}/units/MED/", found, "unit MED")
    visit(page, f"{results}/breakdowns/", found, "breakdowns")
    visit(page, f"{results}/comments/", found, "comments")
    visit(page, f"{base}/surveys/", found, "survey list")
    visit(page, f"{base}/surveys/{cast.closed.id}/", found, "survey detail (closed)")
    visit(page, f"{base}/surveys/{cast.open.id}/", found, "survey detail (open)")
    page.context.close()

    # Ada the admin: the organisation's units.
    page = new_page(browser, DESKTOP)
    sign_in(page, base, "ada")
    visit(page, f"{base}/organisation/", found, "organisation units")
    page.context.close()

    assert_accessible(found)


def test_the_new_survey_form_passes_axe(live_server, cast, browser):
    found: Found = []
    page = new_page(browser, DESKTOP)
    sign_in(page, live_server.url, "ann")
    visit(page, f"{live_server.url}/surveys/new/", found, "new survey")
    submit_and_expect_errors(page, found, "new survey error")
    page.check("input[name=instrument][value=upload]")
    found.extend(axe(page, "new survey, upload revealed"))
    page.context.close()
    assert_accessible(found)


def test_the_import_pages_pass_axe(live_server, cast, browser):
    found: Found = []
    page = new_page(browser, DESKTOP)
    sign_in(page, live_server.url, "ada")
    for kind in ("units", "roster"):
        visit(page, f"{live_server.url}/organisation/import/{kind}/", found, f"import {kind}")
        submit_and_expect_errors(page, found, f"import {kind} error (no file)")
    page.context.close()
    assert_accessible(found)


def test_the_results_pages_reflow_at_phone_width(live_server, cast, browser):
    found: Found = []
    page = new_page(browser, PHONE)
    sign_in(page, live_server.url, "ann")
    results = f"{live_server.url}/results/{cast.closed.id}"
    for name in ("", "heatmap/", "units/W12/", "breakdowns/", "comments/"):
        page.goto(f"{results}/{name}")
        found.extend(reflow(page, f"phone results/{name or 'overview'}"))
    page.context.close()
    assert_accessible(found)
