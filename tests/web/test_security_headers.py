"""Security headers on every page, and no inline script or style anywhere (issue 4, item 7).

Every page is found by walking the URL configuration (as in ``test_access_everywhere``), so a
new page is covered without anyone remembering to add it. Each is fetched as a persona
allowed to see it and must carry the Content-Security-Policy and its companion headers; each
HTML page must contain no inline ``<script>``, no ``on*=`` event handler attribute, no
``style`` attribute or element and no ``javascript:`` URL, which the policy would block.
A browser test loads a respondent page and a results page with its chart and checks that
Chromium reports no policy violation and that the NHS.UK JavaScript started.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from ethos.organisations.access import CAPABILITIES
from ethos.web.security import CONTENT_SECURITY_POLICY
from tests.web.personas import PASSWORD
from tests.web.test_access_everywhere import PAGES, Page, fetch, fill

EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self' https://assets.nhs.uk",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}
PERSONA_FOR_ROLE = {"admin": "ada", "analyst": "ann", "manager": "mo", "board": "bo"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"}


class InlineCode(HTMLParser):
    """Collects everything in a page that a strict CSP blocks or that could run code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.scripts: list[str] = []  # the src of every <script>
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self._in_script = True
            if not values.get("src"):
                self.found.append(f"inline <script> at {self.getpos()}")
            self.scripts.append(values.get("src") or "")
        if tag in ("style", "iframe", "object", "embed", "base", "frame", "frameset"):
            self.found.append(f"<{tag}> element at {self.getpos()}")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.found.append(f"<meta http-equiv=refresh> at {self.getpos()}")
        for name, value in attrs:
            self._attribute(tag, name, value or "")

    handle_startendtag = handle_starttag

    def _attribute(self, tag: str, name: str, value: str) -> None:
        if name.startswith("on"):
            self.found.append(f"<{tag} {name}=...> event handler at {self.getpos()}")
        elif name == "style":
            self.found.append(f"<{tag} style=...> attribute at {self.getpos()}")
        elif name in URL_ATTRIBUTES:
            scheme = "".join(value.split()).lower()  # browsers drop tabs and newlines
            if scheme.startswith(("javascript:", "data:text", "vbscript:")):
                self.found.append(f"<{tag} {name}={value[:40]!r}> at {self.getpos()}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"script content {data.strip()[:40]!r} at {self.getpos()}")


def inline_code(html: str) -> tuple[list[str], list[str]]:
    """``(problems, script sources)`` of an HTML page."""
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found, parser.scripts


def assert_headers(response, label: str) -> None:
    for name, value in EXPECTED.items():
        assert response.get(name) == value, f"{label}: {name} is {response.get(name)!r}"


def persona_for(page: Page) -> str | None:
    if page.capability is None:
        return None
    return PERSONA_FOR_ROLE[sorted(CAPABILITIES[page.capability])[0]]


def test_the_policy_is_strict():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives == STRICT
    assert "unsafe" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.route or "home")
def test_every_page_sends_the_headers_and_no_inline_code(page, client, cast):
    persona = persona_for(page)
    if persona:
        assert client.login(username=persona, password=PASSWORD)
    url = fill(page.route, cast)
    response = fetch(client, url)
    assert_headers(response, url)
    if response.get("Content-Type", "").startswith("text/html"):
        problems, scripts = inline_code(response.content.decode())
        assert problems == [], url
        assert all(src.startswith("/static/") for src in scripts), (url, scripts)


def test_signed_out_error_static_and_api_responses_send_the_headers(client, cast):
    for url in ("/sign-in/", "/no-such-page/", "/api/v1/openapi.json"):
        assert_headers(client.get(url), url)
    assert client.get("/surveys/").status_code == 302
    assert_headers(client.get("/surveys/"), "redirect to sign-in")


def test_respondent_pages_send_no_referrer_and_staff_pages_same_origin(client, cast):
    respondent = client.get(f"/o/{cast.open_link}/")
    assert respondent["Referrer-Policy"] == "no-referrer"
    assert_headers(respondent, "open link")
    assert client.get("/sign-in/")["Referrer-Policy"] == "same-origin"


def test_the_richest_pages_have_no_inline_code(client, cast):
    """Pages the URL walk reaches only with real data: a section of the questionnaire, the
    unit choice of an open link, and the results pages with their chart."""
    token = next(iter(cast.tokens.values()))
    pages = {
        "question page": client.post("/take/", {"token": token}),
        "open link": client.get(f"/o/{cast.open_link}/"),
    }
    assert client.login(username="ann", password=PASSWORD)
    results = f"/results/{cast.closed.pk}"
    for name in ("", "heatmap/", "units/W12/", "breakdowns/", "comments/"):
        pages[f"results/{name}"] = client.get(f"{results}/{name}")
    assert "<svg" in pages["results/"].content.decode(), "the overview chart is missing"
    for label, response in pages.items():
        assert response.status_code == 200, label
        assert_headers(response, label)
        problems, scripts = inline_code(response.content.decode())
        assert problems == [], label
        assert "/static/ethos/init.js" in scripts and "/static/ethos/js-enabled.js" in scripts


# --- in a real browser ---------------------------------------------------------------------

LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`));
"""
INJECT = """() => { const s = document.createElement('script');
  s.textContent = 'window.__injectedRan = true'; document.body.append(s); }"""
STARTED = (
    "() => document.body.classList.contains('js-enabled')"
    " && document.body.classList.contains('nhsuk-frontend-supported')"
    " && document.querySelector('[data-nhsuk-skip-link-init]') !== null"
)


@pytest.fixture(scope="module")
def browser():
    from tests.web.browser import launch_browser

    yield from launch_browser()


def csp_violations(page, url: str, console: list[str]) -> list[str]:
    """Open ``url``; the policy violations the page and the console reported."""
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    page.wait_for_function(STARTED)  # the NHS.UK JavaScript ran, from static files
    found = page.evaluate("window.__cspViolations")
    return [f"{url}: {v}" for v in found] + [f"{url}: {c}" for c in console]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_run_their_javascript_with_no_policy_violation(live_server, cast, browser):
    from tests.web.browser import check_styled, new_page, sign_in

    page = new_page(browser)
    console: list[str] = []
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(LISTEN)
    found = csp_violations(page, f"{live_server.url}/o/{cast.open_link}/", console)
    check_styled(page)
    with page.expect_navigation():
        page.select_option("select[name=unit]", index=1)
        page.click("main form button")
    page.wait_for_selector("progress.ethos-progress")
    assert page.evaluate("document.querySelector('progress').offsetWidth > 300")
    sign_in(page, live_server.url, "ann")
    found += csp_violations(page, f"{live_server.url}/results/{cast.closed.pk}/", console)
    assert page.locator(".ethos-chart svg").count() == 1
    assert page.evaluate("document.querySelector('.ethos-chart svg').getBBox().width > 100")
    assert found == []
    # The listener does see violations: an injected inline script is blocked and reported.
    page.evaluate(INJECT)
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__injectedRan") is None
    page.context.close()
