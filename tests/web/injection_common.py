"""What the injection tests share (issue 4, item 7): handing out the corpus, and the checks
that every page shows a payload as text and that no page carries markup from one.

Used by :mod:`tests.web.test_injection` (organisations, rosters, surveys, results) and
:mod:`tests.web.test_injection_features` (360 feedback, peer nomination, workforce files).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction
from markupsafe import escape

from tests.web.test_security_headers import inline_code
from tests.web.xss_corpus import FORMULA_STARTS, PAYLOADS


class Slots:
    """Hands out the payloads in order, so that each lands in a field that a page shows."""

    def __init__(self) -> None:
        self.next = 0

    def take(self, limit: int = 200, plain: bool = False, one_line: bool = False) -> str:
        """The next payload of ``limit`` characters or fewer; ``plain``: no leading or trailing
        white space; ``one_line``: no run of white space either (a title is kept on one line)."""
        for offset in range(len(PAYLOADS)):
            payload = PAYLOADS[(self.next + offset) % len(PAYLOADS)]
            if len(payload) > limit or (plain and payload != payload.strip()):
                continue
            if one_line and payload != " ".join(payload.split()):
                continue
            self.next += offset + 1
            return payload
        raise AssertionError(f"no payload of {limit} characters or fewer")


def shown(payload: str, html: str) -> bool:
    """The payload is on the page as text: escaped exactly as Jinja escapes it."""
    return str(escape(payload.strip())) in html


def markup_problems(pages: dict[str, str]) -> dict[str, list[str]]:
    """Per page, anything a strict CSP would block or that could run code, and any script
    that is not one of Ethos's own static files."""
    found = {}
    for label, html in pages.items():
        problems, scripts = inline_code(html)
        problems += [f"script {src!r}" for src in scripts if not src.startswith("/static/")]
        if problems:
            found[label] = problems[:5]
    return found


def unescaped(pages: dict[str, str]) -> dict[str, list[str]]:
    """Per page, the payloads holding ``<`` or ``>`` that appear as written (not escaped)."""
    found = {}
    for label, html in pages.items():
        raw = [p for p in PAYLOADS if re.search(r"[<>]", p) and p.strip() in html]
        if raw:
            found[label] = raw[:3]
    return found


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name}"
    return found.group(1).replace("&#34;", '"').replace("&amp;", "&")


def csv_bytes(columns: list[str], rows: list[dict[str, str]], restval: str = "") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, restval=restval)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def roster_csv(rows: list[dict[str, str]]) -> bytes:
    columns = ["staff_id", "name", "email", "unit_code", "staff_group", "pay_band", "line_manager"]
    return csv_bytes(columns, rows, restval="no")


def csv_field(text: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([text])
    return out.getvalue()


def formula_cells(values: list) -> list[str]:
    return [v for v in values if isinstance(v, str) and v.startswith(FORMULA_STARTS)]


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_cells(data: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(data.decode())) for c in row]


def xlsx_cells(data: bytes) -> list:
    """Every cell of the first sheet (openpyxl cells, with ``data_type``)."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).active
    return [c for row in sheet.iter_rows() for c in row]


def user(name: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=name)


@contextmanager
def built_once(django_db_blocker, world: object, build: Callable[[object], None]) -> Iterator:
    """A module's world, built through the real services inside a transaction that is rolled
    back at the end (for a ``scope="module"`` fixture)."""
    with django_db_blocker.unblock(), transaction.atomic():
        build(world)
        yield world
        transaction.set_rollback(True)
