"""What the browser tests share: one headless Chromium per module, axe-core and signing in.

The browser tests need Chromium (Debian's ``chromium`` package, or Playwright's own build) and
axe-core (``npm install``). When either is missing they FAIL with a message saying what to
install: CI installs both, and a silent skip would hide a missing install step. Set
``ETHOS_SKIP_BROWSER=1`` to skip them instead on a machine that cannot run a browser.

Use from a test module::

    @pytest.fixture(scope="module")
    def browser():
        yield from launch_browser()
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.personas import PASSWORD

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "out" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
SKIP_VARIABLE = "ETHOS_SKIP_BROWSER"


def chromium_path() -> str | None:
    """The system's Chromium, if there is one (Playwright's own build is tried first)."""
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def _missing(what: str) -> None:
    """Fail (or, with ETHOS_SKIP_BROWSER=1, skip) because ``what`` is not installed."""
    message = f"{what} (set {SKIP_VARIABLE}=1 to skip the browser tests instead)"
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(message)
    pytest.fail(message, pytrace=False)


def launch_browser() -> Iterator[Any]:
    """Start Playwright and a headless Chromium; yield the browser, then close both.

    Playwright's synchronous API keeps an asyncio loop on this thread, which Django's ORM
    then mistakes for async code; the tests touch the database only between browser steps,
    never concurrently, so ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set while the browser is up.
    """
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"{SKIP_VARIABLE}=1: browser tests skipped")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        _missing("The Python package playwright is not installed (pip install -e '.[dev]')")
    if not AXE.exists():
        _missing(f"axe-core is not installed: {AXE} is missing (run npm install)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright()
    playwright = manager.start()
    browser = None
    errors = []
    try:
        for path in (chromium_path(), None):
            try:
                browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
                break
            except Exception as exc:  # this one is not installed or will not start
                errors.append(f"{path or 'Playwright Chromium'}: {str(exc).splitlines()[0]}")
        if browser is None:
            _missing(
                "Chromium could not be started (install Debian's chromium package): "
                + "; ".join(errors)
            )
        yield browser
    finally:
        if browser is not None:
            browser.close()
        manager.__exit__(None, None, None)
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def new_page(browser: Any, viewport: dict[str, int] | None = None) -> Any:
    """A page in a fresh context (no cookies shared with other tests)."""
    context = browser.new_context(viewport=viewport or DESKTOP, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def check_styled(page: Any) -> None:
    """The NHS.UK stylesheet loaded: without it every other check is meaningless."""
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    header = page.evaluate(
        "(() => { const h = document.querySelector('.nhsuk-header');"
        " return h ? getComputedStyle(h).backgroundColor : null; })()"
    )
    assert "Frutiger" in font, f"NHS.UK CSS did not load on {page.url}: font {font!r}"
    assert header == "rgb(0, 94, 184)", f"NHS blue header missing on {page.url}: {header!r}"


def axe(page: Any, label: str) -> list[tuple[str, str]]:
    """Run axe-core (WCAG 2.2 AA) on the page: ``(rule id, description)`` per violation."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through DevTools, not as an inline <script>, which the CSP would block.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    found = []
    for violation in result["violations"]:
        targets = [", ".join(map(str, node["target"])) for node in violation["nodes"]]
        found.append(
            (
                violation["id"],
                f"[{label}] {violation['id']} ({violation['impact']}): {violation['help']}"
                f" - {len(targets)} element(s): {' | '.join(targets[:5])}"
                f" - e.g. {violation['nodes'][0]['html'][:160]}",
            )
        )
    return found


def reflow(page: Any, label: str) -> list[tuple[str, str]]:
    """WCAG 1.4.10 (Reflow), which axe cannot see: the page itself must not scroll sideways
    (a wide table may, inside its own scrolling region)."""
    scroll, width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if scroll <= width:
        return []
    return [("reflow", f"[{label}] reflow: the page is {scroll}px wide in a {width}px window")]


def assert_accessible(found: list[tuple[str, str]]) -> None:
    """No violations, or every one listed with its page, rule, elements and an excerpt."""
    if found:
        lines = "\n".join(line for _, line in found)
        raise AssertionError("axe-core found WCAG 2.2 AA violations:\n" + lines)


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real sign-in form, as a person would."""
    page.goto(f"{base_url}/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form button")
    assert "/sign-in/" not in page.url, f"sign-in as {username} failed: {page.url}"
