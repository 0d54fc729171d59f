"""The respondent journey in a real headless Chromium: by keyboard alone, and axe-core's
WCAG 2.2 AA checks on every respondent page, at desktop and phone sizes.

See :mod:`tests.web.browser` for what these tests need installed.
"""

from __future__ import annotations

import re

import pytest

from ethos.surveys.models import Invitation, Response
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
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


# --- keyboard only ------------------------------------------------------------------------

# NHS.UK's focus indicator is yellow (#ffeb3b): a button's background, a link's background
# and underline, and on radios (whose native input is hidden) a ring drawn by box-shadow on
# the label's ::before. No element shows that colour unless it has focus.
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  const label = el.id && document.querySelector(`label[for="${el.id}"]`);
  const styles = [getComputedStyle(el)];
  if (label) styles.push(getComputedStyle(label, '::before'));
  const yellow = 'rgb(255, 235, 59)';
  return styles.some(s => s.backgroundColor === yellow || s.boxShadow.includes(yellow)
    || (s.outlineStyle !== 'none' && s.outlineColor === yellow));
}"""


def focused(page) -> dict:
    return page.evaluate(
        "() => { const e = document.activeElement; return {tag: e.tagName.toLowerCase(),"
        " type: e.type || '', name: e.name || '', value: e.value || '', id: e.id || '',"
        " checked: !!e.checked}; }"
    )


def tab_to(page, want, key: str = "Tab", limit: int = 80) -> dict:
    """Press Tab (or Shift+Tab) until the focused element matches ``want``."""
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        if all(now.get(k) == v for k, v in want.items()):
            return now
    raise AssertionError(f"{key} never reached {want} on {page.url}; last {now}")


def press_enter_and_wait(page, text: str) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector(f"text={text}")


def test_a_respondent_can_answer_and_submit_with_the_keyboard_alone(live_server, cast, browser):
    staff_id, token = next(iter(cast.tokens.items()))
    page = new_page(browser, PHONE)
    page.goto(f"{live_server.url}/take/#t={token}")
    page.wait_for_function("document.getElementById('token').value.length > 0")
    assert "#" not in page.url and token not in page.url  # gone from the address bar
    assert page.input_value("#token") == token
    check_styled(page)
    assert focused(page)["id"] == "start-button"  # take.js puts the respondent on Start
    assert page.evaluate(FOCUS_SHOWN), "no visible focus on the Start button"
    press_enter_and_wait(page, "Section 1 of 4")

    chosen: dict[str, str] = {}
    # Section 1: Tab into the first question, Space picks the first option, the arrow keys
    # move the choice; Tab on to "Save and come back later", Shift+Tab back to Continue.
    first = tab_to(page, {"type": "radio"})
    page.keyboard.press("Space")
    assert focused(page)["checked"], "Space did not select the radio"
    assert page.evaluate(FOCUS_SHOWN), "no visible focus on the radio"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    now = focused(page)
    assert now["checked"] and now["name"] == first["name"] and now["id"] != first["id"]
    chosen[now["name"]] = now["value"]
    tab_to(page, {"tag": "button", "value": "save"})
    tab_to(page, {"tag": "button", "value": "continue"}, key="Shift+Tab")
    assert page.evaluate(FOCUS_SHOWN), "no visible focus on the Continue button"
    press_enter_and_wait(page, "Section 2 of 4")

    # Section 2: the second question, chosen with ArrowUp (wraps to the last option).
    questions = page.eval_on_selector_all(
        "input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
    )
    tab_to(page, {"type": "radio", "name": questions[1]})
    page.keyboard.press("ArrowUp")
    now = focused(page)
    assert now["checked"] and now["name"] == questions[1]
    chosen[now["name"]] = now["value"]
    tab_to(page, {"tag": "button", "value": "continue"})
    press_enter_and_wait(page, "Section 3 of 4")

    # Section 3 (About you): nothing answered, every question is optional.
    tab_to(page, {"tag": "button", "value": "continue"})
    press_enter_and_wait(page, "Section 4 of 4")

    # Section 4 (comments): typed in.
    tab_to(page, {"tag": "textarea"})
    page.keyboard.type("More time to talk.")
    comment = focused(page)["name"]
    tab_to(page, {"tag": "button", "value": "continue"})
    press_enter_and_wait(page, "Check and submit your answers")

    tab_to(page, {"id": "submit"})
    assert page.evaluate(FOCUS_SHOWN), "no visible focus on the Submit button"
    press_enter_and_wait(page, "Your answers have been submitted")
    assert page.is_visible(".nhsuk-panel")
    page.context.close()

    response = Response.objects.get(survey=cast.open)
    expected = {name: int(value) for name, value in chosen.items()}
    assert response.answers == {**expected, comment: "More time to talk."}
    assert Invitation.objects.get(survey=cast.open, staff__staff_id=staff_id).responded
    assert Invitation.objects.answered().filter(survey=cast.open).count() == 1


# --- axe-core on every respondent page ----------------------------------------------------


def go(page, text: str, action) -> None:
    """Do ``action`` (a click that submits a form) and wait for the next page's ``text``."""
    with page.expect_navigation():
        action()
    page.wait_for_selector(f"text={text}")


def continue_(page) -> None:
    page.click("button[value=continue]")


def start_with_token(page, base: str, token: str) -> None:
    page.goto(f"{base}/take/#t={token}")
    page.wait_for_function("document.getElementById('token').value.length > 0")
    go(page, "Section 1 of 4", lambda: page.click("#start-button"))


def test_every_respondent_page_passes_axe(live_server, cast, browser):
    base = live_server.url
    found: list[tuple[str, str]] = []
    tokens = iter(cast.tokens.values())

    def check(page, label: str) -> None:
        check_styled(page)
        found.extend(axe(page, label))
        found.extend(reflow(page, label))

    # Desktop: every page and every error state.
    page = new_page(browser, DESKTOP)
    page.goto(f"{base}/take/")
    check(page, "/take/ enter code")
    go(page, "There is a problem", lambda: page.click("#start-button"))
    check(page, "/take/ error (no code)")
    start_with_token(page, base, next(tokens))
    for number in range(1, 5):
        check(page, f"section {number}")
        if number == 1:
            page.check("input[type=radio]")
            screenshot(page, "section-1-desktop")
        if number < 4:
            go(page, f"Section {number + 1} of 4", lambda: continue_(page))
    page.locator("textarea").first.fill("x" * 3001)  # over the 3,000-character limit
    go(page, "There is a problem", lambda: continue_(page))
    check(page, "section 4 error (comment too long)")
    page.locator("textarea").first.fill("Fine.")
    go(page, "Check and submit your answers", lambda: continue_(page))
    check(page, "check page")
    go(page, "Your answers have been submitted", lambda: page.click("#submit"))
    check(page, "confirmation")

    # "Save and come back later", then /resume/: the form, its error state, the code.
    start_with_token(page, base, next(tokens))
    go(page, "Your answers are saved", lambda: page.click("button[value=save]"))
    check(page, "saved code")
    code = page.inner_text("#resume-code").strip()
    page.goto(f"{base}/resume/")
    check(page, "/resume/")
    page.fill("#code", "NOPE-NOPE-NOPE-NOPE")
    go(page, "There is a problem", lambda: page.click("#start-button"))
    check(page, "/resume/ error")
    page.fill("#code", code)
    go(page, "Section 1 of 4", lambda: page.click("#start-button"))

    # The open link: the unit picker, its error state, and an unknown link.
    page.goto(f"{base}/o/{cast.open_link}/")
    check(page, "/o/<key>/ unit picker")
    go(page, "There is a problem", lambda: page.click("form button"))
    check(page, "/o/<key>/ error (no unit)")
    page.select_option("#unit", index=1)
    go(page, "Section 1 of 4", lambda: page.click("form button"))
    page.goto(f"{base}/o/not-a-real-link/")
    check(page, "/o/<unknown key>/ problem page")

    # The kiosk: the code form, its error state, and the "next person" confirmation.
    page.goto(f"{base}/kiosk/")
    check(page, "/kiosk/")
    page.fill("#code", "WRONG-CODE")
    go(page, "There is a problem", lambda: page.click("#start-button"))
    check(page, "/kiosk/ error")
    page.fill("#code", cast.kiosk_code)
    go(page, "Section 1 of 4", lambda: page.click("#start-button"))
    for after in ("Section 2 of 4", "Section 3 of 4", "Section 4 of 4", "Check and submit"):
        go(page, after, lambda: continue_(page))
    go(page, "Your answers have been submitted", lambda: page.click("#submit"))
    check(page, "kiosk confirmation (next person)")
    page.context.close()

    # Phone (375 x 812): the start page, a section, its error state, check, confirmation.
    page = new_page(browser, PHONE)
    page.goto(f"{base}/take/")
    check(page, "phone /take/")
    start_with_token(page, base, next(tokens))
    page.check("input[type=radio]")
    check(page, "phone section 1")
    screenshot(page, "section-1-phone")
    for after in ("Section 2 of 4", "Section 3 of 4", "Section 4 of 4"):
        go(page, after, lambda: continue_(page))
    page.locator("textarea").first.fill("x" * 3001)
    go(page, "There is a problem", lambda: continue_(page))
    check(page, "phone section 4 error")
    page.locator("textarea").first.fill("")
    go(page, "Check and submit your answers", lambda: continue_(page))
    check(page, "phone check page")
    go(page, "Your answers have been submitted", lambda: page.click("#submit"))
    check(page, "phone confirmation")
    page.context.close()

    assert_accessible(found)
    assert Response.objects.filter(survey=cast.open).count() == 3
    assert re.fullmatch(r"[A-Z0-9-]+", code)
