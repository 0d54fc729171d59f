"""The 360 in a real headless Chromium: a rater gives feedback with the keyboard alone, and
axe-core's WCAG 2.2 AA checks pass on every 360 page (rating, its error state, nominating,
approving, the reports and the staff pages), with reflow at phone width.

See :mod:`tests.web.browser` for what these tests need installed.
"""

from __future__ import annotations

import pytest

from ethos.feedback import services
from ethos.feedback.models import RaterInvite, Rating, Subject
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
from tests.web.feedback360 import (
    LEADER,
    MANAGER,
    answers_for,
    email_of,
    invite_raters,
    link_for,
    rate,
    start_cycle,
)
from tests.web.test_browser_respondent import FOCUS_SHOWN, focused, press_enter_and_wait, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


def go(page, text: str, action) -> None:
    with page.expect_navigation():
        action()
    page.wait_for_selector(f"text={text}")


def open_link(page, base: str, path: str, token: str) -> None:
    """Open an emailed link; take.js moves the token into the form and focuses Continue."""
    page.goto(f"{base}/feedback/{path}/#t={token}")
    page.wait_for_function("document.getElementById('token').value.length > 0")
    assert token not in page.url


def answer_by_keyboard(page, name: str, steps: int) -> str:
    """Tab to statement ``name``, select its first answer with Space, move ``steps`` down."""
    tab_to(page, {"type": "radio", "name": name})
    page.keyboard.press("Space")
    for _ in range(steps):
        page.keyboard.press("ArrowDown")
    now = focused(page)
    assert now["checked"] and now["name"] == name
    return now["value"]


def test_a_rater_gives_feedback_with_the_keyboard_alone(live_server, cast, browser):
    _cycle, subject, tokens = invite_raters(cast)
    found: list[tuple[str, str]] = []
    page = new_page(browser, PHONE)
    open_link(page, live_server.url, "rate", tokens["THE-000"])
    assert focused(page)["id"] == "start-button"
    assert page.evaluate(FOCUS_SHOWN), "no visible focus on Continue"
    found += axe(page, "rate: enter code") + reflow(page, "rate: enter code")
    press_enter_and_wait(page, "Feedback for Staff W12 0")
    found += axe(page, "rate: introduction")
    tab_to(page, {"id": "start"})
    press_enter_and_wait(page, "Page 1 of 6")
    check_styled(page)
    found += axe(page, "rate: page 1") + reflow(page, "rate: page 1")
    screenshot(page, "feedback-rate-phone")

    # Page 1: one statement answered, Continue: the error summary names the other two.
    chosen = {"cl_att_time": answer_by_keyboard(page, "cl_att_time", 3)}
    tab_to(page, {"tag": "button", "value": "continue"})
    press_enter_and_wait(page, "There is a problem")
    found += axe(page, "rate: page 1 error") + reflow(page, "rate: page 1 error")
    assert page.is_visible("a[href='#cl_att_attention']")
    assert page.is_checked("#cl_att_time-4")  # the answer given is kept

    names = ["cl_att_attention", "cl_att_quiet_voices"]
    for page_number in range(1, 6):
        for n, name in enumerate(names):
            chosen[name] = answer_by_keyboard(page, name, (n + page_number) % 6)
        tab_to(page, {"tag": "button", "value": "continue"})
        press_enter_and_wait(page, f"Page {page_number + 1} of 6")
        names = page.eval_on_selector_all(
            "input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
        )
    found += axe(page, "rate: comments page")

    # Page 6: the comments, typed; then Submit.
    tab_to(page, {"tag": "textarea", "name": "ft_keep_doing"})
    page.keyboard.type("Listens before deciding.")
    tab_to(page, {"id": "submit"})
    assert page.evaluate(FOCUS_SHOWN), "no visible focus on Submit"
    press_enter_and_wait(page, "Your feedback has been submitted")
    found += axe(page, "rate: submitted")
    page.context.close()

    stored = Rating.objects.get(subject=subject)
    expected = {name: int(value) for name, value in chosen.items()}
    assert stored.group == "peer"
    assert stored.answers == {**expected, "ft_keep_doing": "Listens before deciding."}
    assert 9 in stored.answers.values()  # "I have not seen enough to say" was chosen somewhere
    assert RaterInvite.objects.get(subject=subject, staff__staff_id="THE-000").responded
    assert_accessible(found)


def test_nominating_and_approving_pass_axe(live_server, cast, browser):
    _cycle, subject, token = start_cycle(cast)
    base = live_server.url
    found: list[tuple[str, str]] = []
    page = new_page(browser, DESKTOP)
    open_link(page, base, "nominate", token)
    found += axe(page, "nominate: enter code")
    go(page, "Choose who to ask for feedback", lambda: page.click("#start-button"))
    check_styled(page)
    found += axe(page, "nominate: form")
    page.fill("#peer", "THE-000\nnobody@north.example")
    go(page, "There is a problem", lambda: page.click("button[value=send]"))
    found += axe(page, "nominate: errors") + reflow(page, "nominate: errors")
    page.fill("#peer", "THE-000\nTHE-001\nTHE-002\nTHE-003")
    page.fill("#direct_report", "W12-001\nW12-002\nW12-003")
    go(page, "Your list has been sent", lambda: page.click("button[value=send]"))
    found += axe(page, "nominate: sent")

    open_link(page, base, "approve", link_for(email_of(MANAGER), "approve"))
    go(page, "Approve who Staff W12 0 asks", lambda: page.click("#start-button"))
    found += axe(page, "approve: form")
    for box in page.locator("input[name=keep]").all()[2:]:
        box.uncheck()
    go(page, "There is a problem", lambda: page.click("button[value=approve]"))
    found += axe(page, "approve: error (too few kept)")
    page.context.close()

    phone = new_page(browser, PHONE)
    open_link(phone, base, "approve", link_for(email_of(MANAGER), "approve"))
    go(phone, "Approve who Staff W12 0 asks", lambda: phone.click("#start-button"))
    found += reflow(phone, "approve: phone")
    go(phone, "The list is approved", lambda: phone.click("button[value=approve]"))
    found += axe(phone, "approve: done")
    phone.goto(f"{base}/feedback/rate/")
    phone.fill("#token", "not-a-real-code")
    go(phone, "There is a problem", lambda: phone.click("#start-button"))
    found += axe(phone, "rate: unknown code")
    phone.context.close()
    assert Subject.objects.get(pk=subject.pk).status == Subject.APPROVED
    assert_accessible(found)


def test_the_reports_and_the_staff_pages_pass_axe(live_server, cast, browser):
    cycle, subject, tokens = invite_raters(cast, peers=5, reports=3, others=1)
    for n, (staff_id, token) in enumerate(sorted(tokens.items())):
        if staff_id != "W12-003":  # two direct reports and one other: Others (combined)
            rate(token, answers_for(cycle, n, comment=f"Comment {n}."))
    draft = services.create_cycle(cast.trust, "Autumn 360", cycle.opens_on, cycle.closes_on)
    services.add_subject(draft, "THE-005", MANAGER)
    services.close_cycle(cycle)
    base = live_server.url
    found: list[tuple[str, str]] = []
    page = new_page(browser, DESKTOP)
    sign_in(page, base, "ann")
    for label, path in [
        ("cycles", "/feedback/"),
        ("create a cycle", "/feedback/new/"),
        ("closed cycle", f"/feedback/{cycle.pk}/"),
        ("draft cycle", f"/feedback/{draft.pk}/"),
        ("report", f"/feedback/{cycle.pk}/leaders/{subject.pk}/"),
    ]:
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        check_styled(page)
        found += axe(page, f"staff: {label}")
        screenshot(page, f"feedback-staff-{label.replace(' ', '-')}")
    page.goto(f"{base}/feedback/new/")
    page.fill("#min_raters", "2")
    go(page, "There is a problem", lambda: page.click("main form button"))
    found += axe(page, "staff: create a cycle, errors")
    page.goto(f"{base}/feedback/{draft.pk}/")
    page.fill("#staff_id", "NOBODY")
    go(page, "There is a problem", lambda: page.click("form[action$='/leaders/'] button"))
    found += axe(page, "staff: add a leader, errors")
    services.open_cycle(draft)
    page.goto(f"{base}/feedback/{draft.pk}/close/")
    found += axe(page, "staff: close a cycle")
    page.context.close()

    phone = new_page(browser, PHONE)
    open_link(phone, base, "your-report", link_for(email_of(LEADER), "your-report"))
    found += axe(phone, "leader: enter code")
    go(phone, "Your 360 report", lambda: phone.click("#start-button"))
    check_styled(phone)
    assert phone.is_visible("text=Others (combined)")
    found += axe(phone, "leader: report") + reflow(phone, "leader: report")
    screenshot(phone, "feedback-report-phone")
    with phone.expect_download(timeout=30_000) as download:
        phone.click("#download-pdf", no_wait_after=True)
    assert download.value.suggested_filename.endswith(".pdf")
    phone.context.close()
    assert_accessible(found)
