"""The Jinja2 environment: NHS.UK frontend macros, URL reversing, static files, translation."""

from __future__ import annotations

from typing import Any

from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def number(value: float | int | None, places: int = 1) -> str:
    """A number for people: thousands separated, fixed places; blank for none."""
    if value is None:
        return ""
    return number_format(value, places if isinstance(value, float) else 0, force_grouping=True)


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
        url=url, static=static, asset_path=static("nhsuk/assets"), get_messages=get_messages
    )
    env.filters["number"] = number
    return env
