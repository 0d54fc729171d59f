"""The REST API: the same services and access rules as the pages."""

import csv
import datetime as dt
import io

import openpyxl
import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ethos.organisations.models import StaffMember
from ethos.results.exports import export_bytes
from ethos.results.services import current_results
from tests.web.api_client import ApiClient


@pytest.fixture
def api(cast):
    return lambda name: ApiClient(cast.users[name] if name else None)


def test_the_openapi_document_describes_every_operation(api):
    schema = ApiClient(None).client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Ethos API"
    assert "/api/v1/results/{survey_id}" in schema["paths"]


def test_units_are_scoped_to_the_managers_subtree(api):
    assert sorted(u["code"] for u in api("mo").get("/units").json()) == ["MED", "W12", "W4"]
    assert len(api("ann").get("/units").json()) == 7


def test_results_cells_use_the_analyse_json_format_and_hide_the_small_ward(api, cast):
    body = api("ann").get(f"/results/{cast.closed.pk}").json()
    assert body["kind"] == "final" and body["min_group"] == 10 and body["responses"] == 54
    cells = {(c["unit"], c["measure"]): c for c in body["cells"] if not c["breakdown"]}
    hidden = cells[("W4", "engagement")]
    assert hidden["suppressed"] and hidden["value"] is None and hidden["n"] is None
    assert hidden["reason"]
    shown = cells[("W12", "engagement")]
    expected = current_results(cast.closed).cells.filter(
        (pl.col("unit") == "W12") & (pl.col("measure") == "engagement") & (pl.col("column") == "")
    )
    assert shown["value"] == expected["value"][0] and shown["n"] == 12
    assert shown["ci"][0] < shown["value"] < shown["ci"][1]


def test_a_manager_gets_only_her_subtree_cells(api, cast):
    cells = api("mo").get(f"/results/{cast.closed.pk}").json()["cells"]
    assert {c["unit"] for c in cells} == {"MED", "W12", "W4"}


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_exports_come_in_three_formats_with_the_same_cells(api, cast):
    response = api("ann").get(f"/results/{cast.closed.pk}/export?format=csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    texts = [v for r in rows for v in r.values() if v and not is_number(v)]
    assert rows and not any(t.startswith(("=", "+", "-", "@")) for t in texts)
    xlsx = api("ann").get(f"/results/{cast.closed.pk}/export?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == len(rows) + 1
    parquet = api("ann").get(f"/results/{cast.closed.pk}/export?format=parquet")
    assert pl.read_parquet(io.BytesIO(parquet.content)).height == len(rows)


def test_a_formula_in_a_text_cell_is_neutralised():
    frame = pl.DataFrame({"unit": ["=HYPERLINK(evil)", "W12"], "value": [-1.5, 2.0]})
    text = export_bytes(frame, "csv").decode()
    assert "'=HYPERLINK(evil)" in text and "-1.5" in text
    book = openpyxl.load_workbook(io.BytesIO(export_bytes(frame, "xlsx")))
    assert book.active.cell(row=2, column=1).value == "'=HYPERLINK(evil)"


def test_board_viewers_cannot_export(api, cast):
    assert api("bo").get(f"/results/{cast.closed.pk}/export").status_code == 403


def test_create_open_and_close_a_survey(api, cast):
    ann = api("ann")
    today = dt.date.today()
    created = ann.post(
        "/surveys",
        {
            "title": "Autumn pulse",
            "instrument": "pulse",
            "opens_on": str(today),
            "closes_on": str(today + dt.timedelta(days=7)),
            "units": ["MED"],
        },
    )
    assert created.status_code == 201, created.content
    survey = created.json()["id"]
    assert ann.post(f"/surveys/{survey}/open").json()["status"] == "open"
    sent = ann.post(f"/surveys/{survey}/invitations").json()
    assert sent["sent"] == 27  # Medicine: 12 + 4 + 11 staff
    assert ann.post(f"/surveys/{survey}/open").status_code == 400
    assert ann.post(f"/surveys/{survey}/close").json()["status"] == "closed"


def test_a_bad_survey_gets_a_clear_error_naming_the_field(api):
    today = str(dt.date.today())
    response = api("ann").post(
        "/surveys",
        {"title": "X", "opens_on": today, "closes_on": today, "min_group_size": 4},
    )
    assert response.status_code == 400
    assert "min_group_size" in response.json()["errors"]
    assert "below 5" in response.json()["detail"]


ROSTER = "staff_id,name,email,unit_code,staff_group,pay_band,line_manager\n"


def test_a_roster_upload_with_bad_rows_reports_each_and_imports_nothing(api, cast):
    bad = ROSTER + "N1,Nia,nia@nhs.net,W12,Nursing,Band 5,no\nN2,Ned,ned@,NOPE,,,maybe\n"
    upload = SimpleUploadedFile("roster.csv", bad.encode(), content_type="text/csv")
    response = api("ada").post("/roster", {"file": upload})
    assert response.status_code == 400
    body = response.json()
    assert not body["imported"] and body["created"] == 0
    assert {(p["row"], p["column"]) for p in body["problems"]} >= {(3, "email"), (3, "unit_code")}
    assert not StaffMember.objects.filter(staff_id="N1").exists()


def test_a_clean_roster_upload_imports(api, cast):
    good = ROSTER + "N1,Nia,nia@nhs.net,W12,Nursing,Band 5,no\n"
    upload = SimpleUploadedFile("roster.csv", good.encode(), content_type="text/csv")
    body = api("ada").post("/roster", {"file": upload}).json()
    assert body["imported"] and body["created"] == 1
    assert StaffMember.objects.get(staff_id="N1").unit == cast.units["W12"]
