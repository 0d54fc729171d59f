"""Fuzzing the importers, the respondent endpoints and the API (issue 4, item 8).

Random and near-valid input must give a clear validation error (a report with problems, a
400 page, a JSON error body), never a 500 or a traceback, and must change nothing. Each
example runs in a savepoint that is rolled back, so examples cannot affect one another.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openpyxl
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from ethos.organisations.models import StaffMember, Unit
from ethos.organisations.roster import DEMOGRAPHIC_COLUMNS, ROSTER_COLUMNS, UNIT_COLUMNS
from ethos.organisations.services import import_roster, import_units
from ethos.surveys import responding
from ethos.surveys.models import Response
from tests.web.api_client import ApiClient

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WEB_OK = {200, 302, 400, 404, 405, 413, 429}  # 429: the respondent throttle (issue 4)
API_OK = {200, 201, 400, 401, 403, 404, 405, 422}


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run one example inside a savepoint and undo whatever it did."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- roster and unit-tree importers ---------------------------------------------------------

COLUMNS = [*ROSTER_COLUMNS, *DEMOGRAPHIC_COLUMNS, *UNIT_COLUMNS, "Staff ID", " e-mail ", ""]
cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["W12", "MED", "RX1", "a@b.example", "yes", "no", "=1+1", '"', ",", "\n"]),
    st.text(alphabet=",\"'\n\r\x00\ufeff;é🙂", max_size=6),
)


def _csv_line(cells: list[str], quote: bool) -> str:
    if not quote:
        return ",".join(cells)
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells)


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    header = draw(st.lists(st.one_of(st.sampled_from(COLUMNS), st.text(max_size=8)), max_size=12))
    rows = draw(st.lists(st.lists(cell, max_size=len(header) + 2), max_size=6))
    quote = draw(st.booleans())
    text = "\r\n".join(_csv_line(r, quote) for r in [header, *rows])
    data = text.encode("utf-8")
    prefix = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"PK\x03\x04"]))
    junk = draw(st.one_of(st.just(b""), st.binary(max_size=8)))
    return prefix + data + junk


@st.composite
def zip_bytes(draw: st.DrawFn) -> bytes:
    """A zip file with members an xlsx would have (or not), holding random content."""
    names = ["[Content_Types].xml", "xl/workbook.xml", "_rels/.rels", "xl/worksheets/sheet1.xml"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in draw(
            st.lists(
                st.one_of(st.sampled_from(names), st.text(min_size=1, max_size=8)),
                max_size=4,
                unique=True,
            )
        ):
            archive.writestr(
                name,
                draw(
                    st.one_of(
                        st.binary(max_size=40),
                        st.sampled_from([b"<x/>", b"<?xml version='1.0'?><Types/>"]),
                    )
                ),
            )
    return buffer.getvalue()


@st.composite
def xlsx_bytes(draw: st.DrawFn) -> bytes:
    """A real workbook with random header and cells of random types."""
    book = openpyxl.Workbook()
    sheet = book.active
    value = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs"]), max_size=10),
    )
    header = draw(st.lists(st.sampled_from(COLUMNS), max_size=10))
    sheet.append(header)
    for row in draw(st.lists(st.lists(value, max_size=len(header) + 1), max_size=4)):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


upload = st.one_of(
    st.tuples(
        st.sampled_from(["r.csv", "R.CSV", "r.txt", "r"]),
        st.one_of(csv_bytes(), st.binary(max_size=300)),
    ),
    st.tuples(
        st.sampled_from(["r.xlsx", "r.csv"]),
        st.one_of(
            st.binary(max_size=300),
            st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b),
            zip_bytes(),
            xlsx_bytes(),
        ),
    ),
)


@FUZZ
@given(upload)
def test_the_importers_report_problems_and_never_raise(cast: Any, file: tuple[str, bytes]) -> None:
    name, data = file
    organisation = cast.trust
    with rolled_back():
        before = (
            StaffMember.objects.filter(organisation=organisation)
            .order_by("pk")
            .values_list("staff_id", "active")
        )
        before, units = list(before), Unit.objects.filter(organisation=organisation).count()
        report = import_roster(organisation, name, data)
        after = list(
            StaffMember.objects.filter(organisation=organisation)
            .order_by("pk")
            .values_list("staff_id", "active")
        )
        assert report.ok or after == before
        report = import_units(organisation, name, data)
        assert report.ok or Unit.objects.filter(organisation=organisation).count() == units
        for problem in report.problems:
            assert problem.message and problem.fix


# --- respondent endpoints -------------------------------------------------------------------

junk = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "\x00", "0", "-1", "9" * 40, "²", "١", "🙂", "<script>", "continue"]),
)
fields = st.dictionaries(
    st.one_of(
        st.sampled_from(["token", "code", "unit", "ballot", "page", "action", "goto", "q1"]),
        st.text(min_size=1, max_size=10),
    ),
    junk,
    max_size=6,
)


def _sealed(cast: Any) -> str:
    """A genuine sealed ballot for the open survey (an open-link respondent in Ward 12)."""
    return responding.seal(responding.Ballot(str(cast.open.pk), "open", unit=cast.units["W12"].pk))


def _tampered(draw: st.DrawFn, sealed: str) -> str:
    """The sealed ballot truncated at a random place, with a random character spliced in."""
    cut = int(draw(st.floats(0, 1)) * len(sealed))
    flip = draw(st.sampled_from(["", "A", ":", "\x00", "é"]))
    return sealed[:cut] + flip + sealed[cut + len(flip) :]


def post_form(client: Client, url: str, data: dict[str, str]) -> int:
    before = Response.objects.count()
    cache.clear()  # keep every example under the respondent throttle's guessing limit
    with rolled_back():
        status = client.post(url, data).status_code
    assert status in WEB_OK, (url, data, status)
    assert Response.objects.count() == before
    return status


@FUZZ
@given(data=st.data())
def test_respondent_posts_of_random_forms_are_refused_cleanly(cast: Any, data: Any) -> None:
    client, sealed = Client(), _sealed(cast)
    url = data.draw(
        st.sampled_from(
            ["/take/", "/take/answer/", "/kiosk/", "/resume/", f"/o/{cast.open_link}/", "/o/x/"]
        )
    )
    form = data.draw(fields)
    if data.draw(st.booleans()):
        form["ballot"] = _tampered(data.draw, sealed)
    if data.draw(st.booleans()):
        form["page"] = data.draw(st.one_of(junk, st.integers(-5, 10**12).map(str)))
    post_form(client, url, form)


@settings(FUZZ, max_examples=10, phases=[Phase.explicit, Phase.generate])
@given(page=st.sampled_from(["²", "⁵", "9" * 5000]), key=st.sampled_from(["page", "goto"]))
@example(page="²", key="page")
def test_a_signed_ballot_with_a_strange_page_number_is_refused(
    cast: Any, page: str, key: str
) -> None:
    ballot = _sealed(cast)
    form = {"ballot": ballot, "page": "0", key: page, "action": "continue"}
    post_form(Client(), "/take/answer/", form)


@FUZZ
@given(
    page=st.one_of(
        st.integers(-3, 10**9).map(str), st.text(alphabet="0123456789 -+.x", max_size=12)
    ),
    action=st.sampled_from(["continue", "back", "save", "", "nonsense"]),
    answers=st.dictionaries(st.sampled_from(["q1", "sex", "ft_improve", "x"]), junk, max_size=3),
)
def test_a_signed_ballot_with_random_answers_and_pages_is_handled(
    cast: Any, page: str, action: str, answers: dict[str, str]
) -> None:
    ballot = _sealed(cast)
    post_form(
        Client(), "/take/answer/", {**answers, "ballot": ballot, "page": page, "action": action}
    )


# --- API payloads ---------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=15,
)
dates = st.one_of(
    st.dates().map(str),
    st.sampled_from(["2026-02-30", "0000-01-01", "2026-13-01", "", "today"]),
    json_values,
)
survey_in = st.fixed_dictionaries(
    {},
    optional={
        "title": st.one_of(st.text(max_size=250), json_values),
        "instrument": st.one_of(
            st.sampled_from(["culture", "pulse", "nope", "id: x\n"]), json_values
        ),
        "opens_on": dates,
        "closes_on": dates,
        "units": st.one_of(
            st.lists(st.sampled_from(["W12", "MED", "SX1", "", "?"]), max_size=3), json_values
        ),
        "min_group_size": st.one_of(st.integers(-(10**6), 10**6), json_values),
        "breakdowns": st.one_of(
            st.lists(st.sampled_from(["sex", "age", ""]), max_size=3), json_values
        ),
        "previous": st.one_of(st.uuids().map(str), json_values),
    },
)


def check_api(response: Any) -> None:
    assert response.status_code in API_OK, (response.status_code, response.content[:500])
    if response.status_code >= 400:
        body = json.loads(response.content)
        messages = [p.get("message") for p in body.get("problems", [])] or [body.get("detail")]
        assert all(messages), body


@FUZZ
@given(body=st.one_of(survey_in, json_values))
def test_random_survey_payloads_get_a_json_error_not_a_500(cast: Any, body: Any) -> None:
    client = ApiClient(cast.users["ann"])
    with rolled_back():
        check_api(client.post("/surveys", json.dumps(body), content_type="application/json"))


@FUZZ
@given(
    ident=st.one_of(
        st.uuids().map(str), st.text(alphabet="0123456789abcdef-xyz%.", min_size=1, max_size=40)
    )
)
def test_random_ids_in_paths_are_refused_cleanly(cast: Any, ident: str) -> None:
    client = ApiClient(cast.users["ann"])
    for path in (f"/surveys/{ident}", f"/results/{ident}"):
        check_api(client.get(path))


@FUZZ
@given(
    file=upload,
    field=st.sampled_from(["file", "upload", "file"]),
    user=st.sampled_from(["ada", "ann", None]),
)
def test_random_roster_uploads_are_refused_cleanly(
    cast: Any, file: tuple[str, bytes], field: str, user: str | None
) -> None:
    client = ApiClient(cast.users[user] if user else None)
    name, data = file
    with rolled_back():
        before = list(StaffMember.objects.order_by("pk").values_list("staff_id", "active"))
        form = {field: SimpleUploadedFile(name, data)}  # multipart, whatever the field's name
        response = client.client.post("/api/v1/roster", form, headers=client.headers)
        check_api(response)
        if response.status_code != 200:
            assert (
                list(StaffMember.objects.order_by("pk").values_list("staff_id", "active")) == before
            )


NEAR_VALID = {"title": "T", "opens_on": "2026-01-01", "closes_on": "2026-02-01"}


@settings(FUZZ, max_examples=5, phases=[Phase.explicit, Phase.generate])
@given(
    extra=st.one_of(
        st.integers(2**63, 2**70).map(lambda n: {"min_group_size": n}),
        st.just({"instrument": "version: 2024-02-30\n"}),
    )
)
@example(extra={"min_group_size": 10**20})
@example(extra={"instrument": "version: 2024-02-30\n"})
def test_near_valid_surveys_with_extreme_values_get_a_json_error(cast: Any, extra: dict) -> None:
    client = ApiClient(cast.users["ann"])
    client.client.raise_request_exception = False
    with rolled_back():
        check_api(client.post("/surveys", json.dumps({**NEAR_VALID, **extra})))
