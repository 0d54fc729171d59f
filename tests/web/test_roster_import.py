"""Importing the unit tree and the staff roster: every problem located, all or nothing."""

from __future__ import annotations

import io
import time
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from ethos.organisations import services as org
from ethos.organisations.models import StaffMember, Unit
from ethos.organisations.roster import Problem

HEADER = "staff_id,name,email,unit_code,staff_group,pay_band,line_manager"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def places(report) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.column) for p in report.problems}


def test_a_clean_csv_imports_with_demographics(cast):
    data = csv_bytes(
        "A1,Ann Able,ann.able@nhs.net,W12,Nursing,Band 5,yes,1",
        "A2,Bob Best,bob@nhs.net,THE,Medical,,no,2",
        "A3,Cy Cole,cy@nhs.net,REC,,,,",
        header=HEADER + ",sex",
    )
    report = org.import_roster(cast.trust, "roster.csv", data)
    assert report.ok, report.problems
    assert (report.created, report.updated, report.deactivated) == (3, 0, 54)
    ann = StaffMember.objects.get(organisation=cast.trust, staff_id="A1")
    assert ann.unit == cast.units["W12"] and ann.line_manager and ann.active
    assert ann.demographics == {"sex": "1"}
    assert StaffMember.objects.get(staff_id="A3").demographics == {}
    assert StaffMember.objects.filter(organisation=cast.trust, active=True).count() == 3


def xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_clean_xlsx_imports(cast):
    data = xlsx_bytes(
        [
            HEADER.split(","),
            [1001, "Dee Dunn", "dee@nhs.net", "W4", "AHP", "Band 6", True],
            [1002, "Eve East", "eve@nhs.net", "MED", None, None, None],
            [None] * 7,  # a blank row is skipped
        ]
    )
    report = org.import_roster(cast.trust, "Roster.XLSX", data)
    assert report.ok, report.problems
    assert report.created == 2
    dee = StaffMember.objects.get(organisation=cast.trust, staff_id="1001")
    assert dee.line_manager and dee.pay_band == "Band 6" and dee.unit == cast.units["W4"]


def test_every_bad_row_is_reported_and_nothing_is_imported(cast):
    before = list(StaffMember.objects.values_list("pk", "name", "active"))
    data = csv_bytes(
        "B1,Good Row,good@nhs.net,W12,Nursing,Band 5,no",
        "B2,Bad Email,bob@,W12,Nursing,Band 5,no",
        "B3,Bad Unit,b3@nhs.net,NOPE,Nursing,Band 5,no",
        "B1,Twice,twice@nhs.net,W12,Nursing,Band 5,no",
        "B5,,b5@nhs.net,W12,Nursing,Band 5,no",
        "B6,Bad Flag,b6@nhs.net,w12,Nursing,Band 5,maybe",
        "B7,Bad Email Two,not an email,SUR,,,",
    )
    report = org.import_roster(cast.trust, "roster.csv", data)
    assert (report.created, report.updated, report.deactivated) == (0, 0, 0)
    assert places(report) == {
        (3, "email"),
        (4, "unit_code"),
        (5, "staff_id"),
        (6, "name"),
        (7, "unit_code"),
        (7, "line_manager"),
        (8, "email"),
    }
    texts = {(p.row, p.column): str(p) for p in report.problems}
    assert texts[(3, "email")].startswith("Row 3, column email: 'bob@' is not an email address.")
    assert "Fix:" in texts[(3, "email")]
    assert "'B1' is also on row 2" in texts[(5, "staff_id")]
    assert "Did you mean 'W12'" in texts[(7, "unit_code")]
    assert list(StaffMember.objects.values_list("pk", "name", "active")) == before


def test_re_import_updates_creates_and_marks_leavers(cast):
    first = csv_bytes(
        "C1,Cat One,c1@nhs.net,W12,Nursing,Band 5,no",
        "C2,Cat Two,c2@nhs.net,W12,Nursing,Band 5,no",
        "C3,Cat Three,c3@nhs.net,THE,Nursing,Band 5,no",
    )
    assert org.import_roster(cast.trust, "r.csv", first).created == 3
    second = csv_bytes(
        "C1,Cat One,c1@nhs.net,W12,Nursing,Band 5,no",
        "C2,Cat Two-Smith,c2@nhs.net,REC,Nursing,Band 6,yes",
        "C4,Cat Four,c4@nhs.net,THE,Nursing,Band 5,no",
    )
    report = org.import_roster(cast.trust, "r.csv", second)
    assert (report.created, report.updated, report.unchanged, report.deactivated) == (1, 1, 1, 1)
    c2 = StaffMember.objects.get(organisation=cast.trust, staff_id="C2")
    assert (c2.name, c2.unit.code, c2.pay_band, c2.line_manager) == (
        "Cat Two-Smith",
        "REC",
        "Band 6",
        True,
    )
    assert not StaffMember.objects.get(organisation=cast.trust, staff_id="C3").active
    again = org.import_roster(cast.trust, "r.csv", first)  # the leaver comes back
    assert (again.created, again.updated, again.deactivated) == (0, 2, 1)
    assert StaffMember.objects.get(organisation=cast.trust, staff_id="C3").active


def test_an_unknown_column_gets_a_did_you_mean(cast):
    header = "staff_id,name,emial,unit_code,staff_group,pay_band,line_manager,ethnicty,shoe_size"
    report = org.import_roster(
        cast.trust, "r.csv", csv_bytes("D1,x,x@nhs.net,W12,,,,,", header=header)
    )
    text = "\n".join(str(p) for p in report.problems)
    assert "'emial' is not a column Ethos knows. Fix: Did you mean 'email'?" in text
    assert "Did you mean 'ethnicity'?" in text
    assert "'shoe_size' is not a column" in text and "Use only these columns" in text
    assert "The column 'email' is missing." in text
    assert not StaffMember.objects.filter(staff_id="D1").exists()


def test_duplicate_headers_and_header_names_are_normalised(cast):
    header = "Staff ID,Name,Email,Unit Code,Staff Group,Pay Band,Line Manager,email"
    report = org.import_roster(
        cast.trust, "r.csv", csv_bytes("E1,x,x@nhs.net,W12,,,,", header=header)
    )
    assert places(report) == {(1, "email")}
    assert "Two columns are named 'email'" in str(report.problems[0])


def test_a_file_that_is_not_utf8_is_refused_with_the_fix(cast):
    data = (HEADER + "\nF1,Zoë Ward,zoe@nhs.net,W12,,,\n").encode("cp1252")
    report = org.import_roster(cast.trust, "roster.csv", data)
    [problem] = report.problems
    assert "not UTF-8" in problem.message and "CSV UTF-8" in problem.fix
    bom = b"\xef\xbb\xbf" + (HEADER + "\nF1,Zoë Ward,zoe@nhs.net,W12,,,\n").encode()
    assert org.import_roster(cast.trust, "roster.csv", bom).created == 1


@pytest.mark.parametrize(
    ("filename", "data", "words"),
    [
        ("roster.csv", xlsx_bytes([HEADER.split(",")]), "not a CSV file"),
        ("roster.xlsx", csv_bytes("G1,x,x@nhs.net,W12,,,"), "is not an Excel workbook"),
        ("roster.pdf", b"%PDF-1.7 ...", "not a CSV or XLSX file"),
        ("roster", csv_bytes("G1,x,x@nhs.net,W12,,,"), "not a CSV or XLSX file"),
        ("roster.csv", b"", "empty"),
        ("roster.csv", b"\n \n", "empty"),
        ("roster.csv", HEADER.encode(), "no rows"),
        ("roster.csv", b"\x00\x01binary\x00", "not a text file"),
        ("roster.csv", HEADER.replace(",", ";").encode() + b"\nx;y\n", "semicolons"),
    ],
)
def test_files_of_the_wrong_kind_are_refused(cast, filename, data, words):
    report = org.import_roster(cast.trust, filename, data)
    assert not report.ok and words in str(report.problems[0])
    assert report.created == 0


def test_a_zip_that_is_not_a_workbook_is_refused(cast):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    report = org.import_roster(cast.trust, "roster.xlsx", out.getvalue())
    assert "not an Excel workbook Ethos can read" in str(report.problems[0])


def test_a_file_over_the_size_limit_is_refused(cast, settings):
    settings.ETHOS_MAX_UPLOAD_MB = 1
    data = csv_bytes(*[f"H{n},Name {n},h{n}@nhs.net,W12,,," for n in range(40_000)])
    assert len(data) > 1024 * 1024
    report = org.import_roster(cast.trust, "big.csv", data)
    assert "larger than 1 MB" in str(report.problems[0])


def test_formula_text_is_stored_as_text_and_shown_escaped(cast, signed_in):
    formula = '=HYPERLINK("http://evil.example","<b>Click</b>")'
    name = formula.replace('"', '""')
    data = csv_bytes(f'I1,"{name}",i1@nhs.net,W12,,,')
    assert org.import_roster(cast.trust, "r.csv", data).ok
    assert StaffMember.objects.get(staff_id="I1").name == formula
    units = b'code,name,parent\nW12,"' + name.encode() + b'",MED\n'
    assert org.import_units(cast.trust, "units.csv", units).updated == 1
    page = signed_in("ada").get(reverse("organisations:units")).content.decode()
    assert "<b>Click</b>" not in page
    assert "=HYPERLINK(&#34;http://evil.example&#34;,&#34;&lt;b&gt;Click&lt;/b&gt;&#34;)" in page


UNITS = b"code,name,parent\nT1,Trust,\nD1,Division,T1\nW1,Ward 1,D1\nW2,Ward 2,D1\n"


def test_a_unit_tree_imports_and_rearranges(cast):
    report = org.import_units(
        cast.other_trust, "units.csv", UNITS.replace(b"T1,Trust,", b"T1,Trust,SX1")
    )
    assert report.ok, report.problems
    assert report.created == 4
    ward = Unit.objects.get(organisation=cast.other_trust, code="W2")
    assert ward.depth == 3 and ward.parent.code == "D1"
    moved = org.import_units(cast.other_trust, "units.csv", b"code,name,parent\nW2,Ward Two,T1\n")
    assert (moved.created, moved.updated) == (0, 1)
    ward.refresh_from_db()
    assert ward.depth == 2 and ward.name == "Ward Two"


def test_a_unit_tree_with_a_cycle_and_other_faults_is_refused(cast):
    data = (
        b"code,name,parent\n"
        b"T1,Trust,\n"
        b"A,Unit A,C\n"
        b"B,Unit B,A\n"
        b"C,Unit C,B\n"
        b"T1,Again,\n"
        b"E,Unit E,T11\n"
        b"F,Unit F,\n"
        b"G,,T1\n"
        b"H,Self,H\n"
    )
    report = org.import_units(cast.other_trust, "units.csv", data)
    assert places(report) == {
        (6, "code"),  # duplicate
        (7, "parent"),  # unknown parent
        (9, "name"),  # blank
        (2, "parent"),  # T1: a second root beside SX1 and F
        (8, "parent"),  # F: another root
        (3, "parent"),  # the cycle A -> C -> B -> A
        (10, "parent"),  # H is its own parent
    }
    text = "\n".join(str(p) for p in report.problems)
    assert "Did you mean 'T1'?" in text
    assert "A → C → B → A" in text
    assert not Unit.objects.filter(organisation=cast.other_trust, code="T1").exists()


def test_the_import_pages_show_every_problem_and_the_counts(cast, signed_in):
    client = signed_in("ada")
    url = reverse("organisations:import_roster")
    assert b'type="file"' in client.get(url).content
    bad = csv_bytes("J1,Jay,jay@,W12,,,", "J2,Kay,kay@nhs.net,NOPE,,,")
    page = client.post(url, {"file": _upload("r.csv", bad)}).content.decode()
    assert "There is a problem" in page
    assert "Row 2, column email: &#39;jay@&#39; is not an email address." in page
    assert "Row 3, column unit_code:" in page and "Nothing was imported" in page
    good = csv_bytes("J1,Jay,jay@nhs.net,W12,,,")
    page = client.post(url, {"file": _upload("r.csv", good)}).content.decode()
    assert "Import complete" in page and "Marked as leavers" in page
    assert "There is a problem" not in page
    page = client.post(url, {}).content.decode()
    assert "Choose a file to upload." in page


def test_the_import_page_lists_at_most_200_problems(cast, signed_in):
    rows = [f"K{n},Name,bad-email-{n},W12,,," for n in range(250)]
    page = signed_in("ada").post(
        reverse("organisations:import_roster"), {"file": _upload("r.csv", csv_bytes(*rows))}
    )
    text = page.content.decode()
    assert text.count("is not an email address") == 200
    assert "50 more are not shown" in text and "the file has 250 problems" in text


def test_the_units_import_page_works_for_the_admin_only(cast, signed_in, client):
    url = reverse("organisations:import_units")
    assert client.get(url).status_code == 302  # anonymous: to sign in
    ada = signed_in("ada")
    data = b"code,name,parent\nNEW,New ward,SUR\n"
    page = ada.post(url, {"file": _upload("units.csv", data)}).content.decode()
    assert "Import complete" in page
    assert "New ward" in ada.get(reverse("organisations:units")).content.decode()
    client.logout()
    for name in ("ann", "mo", "bo"):
        assert signed_in(name).get(url).status_code == 403
        client.logout()


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_problem_text_without_a_place():
    assert str(Problem(None, None, "Bad.", "Mend it.")) == "Bad. Fix: Mend it."


def test_timing_of_a_20000_row_roster(cast):
    rows = [
        f"S{n:05d},Person {n},person.{n}@nhs.net,{('W12', 'W4', 'THE', 'REC')[n % 4]},"
        f"Nursing,Band {5 + n % 3},{'yes' if n % 9 == 0 else 'no'}"
        for n in range(20_000)
    ]
    data = csv_bytes(*rows)
    start = time.perf_counter()
    report = org.import_roster(cast.trust, "big.csv", data)
    first = time.perf_counter() - start
    assert report.created == 20_000, report.problems[:3]
    start = time.perf_counter()
    again = org.import_roster(cast.trust, "big.csv", data)
    second = time.perf_counter() - start
    assert again.unchanged == 20_000
    print(f"\n20,000-row roster: first import {first:.2f} s, re-import {second:.2f} s")
