"""The Jinja2 environment: NHS.UK frontend macros, URL reversing, static files, translation."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader
from markupsafe import Markup


def url(name: str, *args: Any, **kwargs: Any) -> str:
    if not args and not kwargs:
        return _plain_url(name)
    return reverse(name, args=args or None, kwargs=kwargs or None)


@lru_cache(maxsize=256)
def _plain_url(name: str) -> str:
    return reverse(name)


@lru_cache(maxsize=256)
def cached_static(path: str) -> str:
    """Static URLs never change while the process runs."""
    return static(path)


def number(value: float | int | None, places: int = 1) -> str:
    """A number for people: thousands separated, fixed places; blank for none."""
    if value is None:
        return ""
    return number_format(value, places if isinstance(value, float) else 0, force_grouping=True)


COMPONENTS = {
    "header": "header",
    "footer": "footer",
    "breadcrumb": "breadcrumb",
    "back-link": "backLink",
    "error-summary": "errorSummary",
    "button": "button",
    "panel": "panel",
    "radios": "radios",
    "select": "select",
}


def component(env: Environment) -> Any:
    """``component(name, params)``: an NHS.UK component rendered once per distinct params.

    NHS.UK macros are the costliest part of rendering a page, and the params of the page's
    fixed parts repeat (the header is the same for every respondent and per signed-in user),
    so their HTML is cached per process. The respondent's question components (radios,
    selects) are cached too: a question with no answer yet renders the same for everyone, and
    a radio group cost about 10 ms to render (a survey page 80 ms, now about 11 ms). The cache
    lives in the worker's memory only, like the request it serves. ``button`` is available
    directly as a global.
    """

    @lru_cache(maxsize=4096)
    def render(name: str, params_json: str) -> Markup:
        macro = COMPONENTS[name]
        source = (
            f'{{% from "nhsuk/components/{name}/macro.jinja" import {macro} %}}'
            f"{{{{ {macro}(params) }}}}"
        )
        return Markup(env.from_string(source).render(params=json.loads(params_json)))

    def call(name: str, params: dict[str, Any]) -> Markup:
        return render(name, json.dumps(params, sort_keys=True, default=str))

    return call


def environment(**options: Any) -> Environment:
    """Django's Jinja2 backend calls this; nhsuk-frontend-jinja needs ChainableUndefined."""
    loader = options.pop("loader", None)
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    options["undefined"] = ChainableUndefined
    options["autoescape"] = True
    env = Environment(**options)
    loaders = [PackageLoader("nhsuk_frontend_jinja", "templates")]
    env.loader = ChoiceLoader([loader, *loaders] if loader else loaders)
    env.install_gettext_translations(translation, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        url=url, static=cached_static, asset_path=static("nhsuk/assets"), get_messages=get_messages
    )
    env.globals["component"] = component(env)
    env.globals["button"] = lambda params: env.globals["component"]("button", params)
    env.filters["number"] = number
    return env
