"""Access tests generated from the URL configuration and the OpenAPI document.

Every page and every API operation is found by walking the configuration, so a new endpoint
is covered without anyone remembering to add it. Each must:

- be explicitly public (respondent pages, sign-in, information pages) or declare the
  capability it needs;
- refuse anonymous users (pages: redirect to sign-in; API: 401);
- refuse every persona whose role lacks the capability (403);
- refuse the admin of another trust (404 for North Trust's objects; her own organisation's
  pages never show North Trust's data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from ethos.organisations.access import CAPABILITIES
from tests.web.api_client import ApiClient
from tests.web.feedback360 import closed_cycle
from tests.web.personas import PASSWORD, WORKFORCE_YEAR

PERSONA_ROLES = {"ada": "admin", "ann": "analyst", "mo": "manager", "bo": "board"}
NORTH_ONLY = ("North Trust", "Ward 12", "Culture survey 2026", "Leaders we follow 2026")


@dataclass(frozen=True)
class Page:
    route: str
    name: str
    view: object

    @property
    def capability(self) -> str | None:
        return getattr(self.view, "ethos_capability", None)

    @property
    def public(self) -> bool:
        return getattr(self.view, "ethos_public", False)


def walk(patterns, prefix: str = "") -> list[Page]:
    pages: list[Page] = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("api/"):
                continue  # the API is covered from its OpenAPI document below
            pages += walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            pages.append(Page(route, entry.name or "", entry.callback))
    return pages


PAGES = walk(get_resolver().url_patterns)


def fill(route: str, cast) -> str:
    """A concrete URL for ``route``, pointing at North Trust's objects."""
    values = {"survey_id": str(cast.closed.pk), "code": "W12", "key": "x", "unit_id": "1"}
    values["campaign_id"] = str(cast.campaign.pk)
    if "cycle_id" in route or "subject_id" in route:
        values.update(feedback_ids(cast))

    def value(match: re.Match) -> str:
        return values.get(match.group("name"), "1")

    return "/" + re.sub(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>", value, route)


def feedback_ids(cast) -> dict[str, str]:
    """A closed 360 cycle of North Trust and its leader, for routes that name them."""
    cycle, subject = closed_cycle(cast)
    return {"cycle_id": str(cycle.pk), "subject_id": str(subject.pk)}


def fetch(client, url: str):
    response = client.get(url)
    return client.post(url) if response.status_code == 405 else response


def test_every_page_is_public_or_declares_its_capability():
    undeclared = [p.route for p in PAGES if not p.public and p.capability not in CAPABILITIES]
    assert undeclared == []
    assert len(PAGES) >= 5


STAFF_PAGES = [p for p in PAGES if p.capability]


@pytest.mark.parametrize("page", STAFF_PAGES, ids=lambda p: p.route or "home")
def test_pages_refuse_the_anonymous_the_wrong_role_and_another_trust(page, client, cast):
    url = fill(page.route, cast)
    anonymous = fetch(client, url)
    assert anonymous.status_code == 302 and "/sign-in/" in anonymous["Location"]
    for persona, role in PERSONA_ROLES.items():
        client.login(username=persona, password=PASSWORD)
        response = fetch(client, url)
        if role not in CAPABILITIES[page.capability]:
            assert response.status_code == 403, (persona, url)
        else:
            assert response.status_code != 403, (persona, url)
        client.logout()
    client.login(username="oscar", password=PASSWORD)
    response = fetch(client, url)
    if "<" in page.route:  # the URL names North Trust's object
        assert response.status_code == 404, url
    else:
        assert not any(name in response.content.decode() for name in NORTH_ONLY)


def operations(cast) -> list[tuple[str, str, str | None]]:
    schema = ApiClient(None).client.get("/api/v1/openapi.json").json()
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            found.append((method, path, operation.get("x-ethos-capability")))
    return found


def test_every_api_operation_declares_its_capability(cast):
    ops = operations(cast)
    assert len(ops) >= 10
    assert [(m, p) for m, p, c in ops if c not in CAPABILITIES] == []


def call(client: ApiClient, method: str, path: str, cast):
    url = path.replace("/api/v1", "").replace("{survey_id}", str(cast.closed.pk))
    url = url.replace("{year}", str(WORKFORCE_YEAR)).replace("{kind}", "staff")
    url = url.replace("{campaign_id}", str(cast.campaign.pk))
    if "{cycle_id}" in url or "{subject_id}" in url:
        ids = feedback_ids(cast)
        url = url.replace("{cycle_id}", ids["cycle_id"]).replace("{subject_id}", ids["subject_id"])
    return client.get(url) if method == "get" else client.post(url, {})


def test_api_operations_refuse_the_anonymous_the_wrong_role_and_another_trust(cast):
    clients = {name: ApiClient(cast.users[name]) for name in (*PERSONA_ROLES, "oscar")}
    anonymous = ApiClient(None)
    for method, path, capability in operations(cast):
        assert call(anonymous, method, path, cast).status_code == 401, path
        for persona, role in PERSONA_ROLES.items():
            if role not in CAPABILITIES[capability]:
                assert call(clients[persona], method, path, cast).status_code == 403, (
                    persona,
                    method,
                    path,
                )
        other = call(clients["oscar"], method, path, cast)
        names_object = any(
            f"{{{name}}}" in path for name in ("survey_id", "campaign_id", "cycle_id", "subject_id")
        )
        if names_object or ("{year}" in path and method == "get"):
            assert other.status_code == 404, (method, path)
        else:
            assert not any(name in other.content.decode() for name in NORTH_ONLY), path
