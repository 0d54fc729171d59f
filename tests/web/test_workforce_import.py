"""Importing workforce files: every problem located, references checked, all or nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ethos.workforce import services
from ethos.workforce.models import WorkforceFile

STAFF = "staff_id,unit_code,pay_band,clinical,staff_group,ethnicity,disability,age_band,"
STAFF += "start_date,leaving_date,leaving_reason"


@pytest.fixture(autouse=True)
def _no_workforce_files(cast):
    """These tests start from a trust with no workforce files (the cast brings some)."""
    WorkforceFile.objects.all().delete()


def csv_bytes(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def places(report) -> set[tuple[int | None, str | None]]:
    return {(p.row, p.column) for p in report.problems}


def good_staff() -> bytes:
    return csv_bytes(
        STAFF,
        "S1,W12,Band 5,yes,Nursing,White: Irish,No,31-35,2019-05-01,,",
        "S2,THE,8a,no,,Asian or Asian British: Indian,yes,56-60,2001-01-01,2025-09-30,Retirement",
        "S3,REC,Medical consultant,yes,Medical,BME,Prefer not to say,41-45,2010-02-01,,",
    )


def test_a_clean_staff_file_imports_as_a_typed_frame(cast):
    report = services.import_workforce_file(cast.trust, 2026, "staff", "staff.csv", good_staff())
    assert report.ok, [str(p) for p in report.problems]
    assert report.created == 3
    frame = services.workforce_frames(cast.trust, 2026)["staff"]
    assert frame["pay_band"].to_list() == ["Band 5", "Band 8a", "Medical consultant"]
    assert frame["ethnicity"].to_list() == ["White", "Black and minority ethnic"] * 1 + [
        "Black and minority ethnic"
    ]
    assert frame["disability"].to_list() == ["Non-disabled", "Disabled", "Not stated"]
    assert str(frame["leaving_date"][1]) == "2025-09-30"
    again = services.import_workforce_file(cast.trust, 2026, "staff", "staff.csv", good_staff())
    assert (again.created, again.updated) == (0, 3)
    assert WorkforceFile.objects.filter(organisation=cast.trust).count() == 1


def test_every_bad_row_is_named_and_nothing_is_imported(cast):
    data = csv_bytes(
        STAFF,
        "S1,W12,Band 55,yes,,White,No,31-35,2019-05-01,,",  # pay band
        "S2,W13,Band 5,maybe,,White,No,31-35,2019-05-01,,",  # unit is checked after rows
        "S3,W12,Band 5,yes,,Whit,No,31-35,01/05/2019,,",  # ethnicity, date
        "S1,W12,Band 5,yes,,White,No,31-35,2019-05-01,2025-06-01,",  # duplicate, no reason
        ",W12,Band 5,yes,,White,No,31-35,2019-05-01,,",  # blank id
    )
    report = services.import_workforce_file(cast.trust, 2026, "staff", "staff.csv", data)
    assert places(report) == {
        (2, "pay_band"),
        (3, "clinical"),
        (4, "ethnicity"),
        (4, "start_date"),
        (5, "staff_id"),
        (5, "leaving_reason"),
        (6, "staff_id"),
    }
    by_place = {(p.row, p.column): str(p) for p in report.problems}
    assert "Did you mean 'White'?" in by_place[(4, "ethnicity")]
    assert "YYYY-MM-DD" in by_place[(4, "start_date")]
    assert "also on row 2" in by_place[(5, "staff_id")]
    assert not WorkforceFile.objects.exists()


def test_units_and_the_reporting_year_are_checked(cast):
    data = csv_bytes(
        STAFF,
        "S1,W13,Band 5,yes,,White,No,31-35,2019-05-01,,",
        "S2,W12,Band 5,yes,,White,No,31-35,2026-05-01,,",
        "S3,W12,Band 5,yes,,White,No,31-35,2019-05-01,2024-12-01,Resignation",
    )
    report = services.import_workforce_file(cast.trust, 2026, "staff", "staff.csv", data)
    assert places(report) == {(2, "unit_code"), (3, "start_date"), (4, "leaving_date")}
    assert "Did you mean 'W12'?" in str(report.problems[0])


def test_files_that_name_staff_need_the_staff_file_first(cast):
    cases = csv_bytes(
        "case_id,staff_id,case_type,grounds,start_date", "C1,S1,Disciplinary,,2025-06-01"
    )
    report = services.import_workforce_file(cast.trust, 2026, "cases", "cases.csv", cases)
    assert "Import the staff file for 2026 first" in str(report.problems[0])
    services.import_workforce_file(cast.trust, 2026, "staff", "staff.csv", good_staff())
    cases = csv_bytes(
        "case_id,staff_id,case_type,grounds,start_date",
        "C1,S1,Disciplinary,,2025-06-01",
        "C2,S9,Disciplinary,,2025-06-01",  # nobody of that id
        "C3,S2,Capability,,2025-06-01",  # grounds missing
        "C4,S3,Disciplinary,,2024-06-01",  # before the year
    )
    report = services.import_workforce_file(cast.trust, 2026, "cases", "cases.csv", cases)
    assert places(report) == {(4, "grounds")}  # row rules first; references after
    cases = cases.replace(b"Capability,,", b"Capability,Performance,")
    report = services.import_workforce_file(cast.trust, 2026, "cases", "cases.csv", cases)
    assert places(report) == {(3, "staff_id"), (5, "start_date")}


def test_replacing_staff_cannot_orphan_the_cases(cast):
    services.import_workforce_file(cast.trust, 2026, "staff", "staff.csv", good_staff())
    cases = csv_bytes(
        "case_id,staff_id,case_type,grounds,start_date", "C1,S3,Disciplinary,,2025-06-01"
    )
    assert services.import_workforce_file(cast.trust, 2026, "cases", "c.csv", cases).ok
    fewer = csv_bytes(STAFF, "S1,W12,Band 5,yes,,White,No,31-35,2019-05-01,,")
    report = services.import_workforce_file(cast.trust, 2026, "staff", "staff.csv", fewer)
    assert len(report.problems) == 1
    assert "cases file for 2026 refers to 1 staff_id values" in str(report.problems[0])
    assert services.workforce_frames(cast.trust, 2026)["staff"].height == 3


def test_recruitment_posts_and_board_rules(cast):
    recruitment = csv_bytes(
        "applicant_id,vacancy_id,ethnicity,disability,shortlisted,appointed",
        "A1,V1,White,No,yes,yes",
        "A2,V1,BME,No,no,yes",
    )
    report = services.import_workforce_file(cast.trust, 2026, "recruitment", "r.csv", recruitment)
    assert places(report) == {(3, "appointed")}
    services.import_workforce_file(cast.trust, 2026, "staff", "staff.csv", good_staff())
    posts = csv_bytes(
        "post_id,unit_code,level,holder,cover",
        "P1,W12,Team,S1,",
        "P2,MED,Directorate,,Acting",
        "P3,SUR,Chief,S2,Interim",
    )
    report = services.import_workforce_file(cast.trust, 2026, "posts", "p.csv", posts)
    assert places(report) == {(3, "cover"), (4, "level")}


def test_the_import_page_reports_problems_and_success(signed_in, cast):
    client = signed_in("ann")
    page = reverse("workforce:import")
    response = client.post(page, {"year": "26", "kind": "staff"})
    body = response.content.decode()
    assert "Enter the year the reporting period ends" in body
    assert "Choose a file to upload" in body
    bad = csv_bytes(STAFF, "S1,W12,Band 55,yes,,White,No,31-35,2019-05-01,,")
    response = client.post(page, {"year": "2026", "kind": "staff", "file": _upload(bad)})
    body = response.content.decode()
    assert "Row 2, column pay_band" in body and "Nothing was imported" in body
    response = client.post(page, {"year": "2026", "kind": "staff", "file": _upload(good_staff())})
    assert "Import complete" in response.content.decode()
    index = client.get(reverse("workforce:index")).content.decode()
    assert "Reporting year 2025/26" in index and "Staff records" in index


def test_who_may_import_and_view(signed_in, cast):
    assert signed_in("bo").get(reverse("workforce:index")).status_code == 200
    assert signed_in("bo").get(reverse("workforce:import")).status_code == 403
    assert signed_in("mo").get(reverse("workforce:index")).status_code == 403


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("staff.csv", data, content_type="text/csv")


def test_a_year_with_no_cases_is_a_header_alone(cast):
    services.import_workforce_file(cast.trust, 2026, "staff", "staff.csv", good_staff())
    header_only = b"case_id,staff_id,case_type,grounds,start_date\n"
    report = services.import_workforce_file(cast.trust, 2026, "cases", "cases.csv", header_only)
    assert report.ok and report.created == 0
    assert services.workforce_frames(cast.trust, 2026)["cases"].height == 0
    empty_board = b"member_id,voting,executive,ethnicity,disability\n"
    report = services.import_workforce_file(cast.trust, 2026, "board", "board.csv", empty_board)
    assert "header but no rows" in str(report.problems[0])
