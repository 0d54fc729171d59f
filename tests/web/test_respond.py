"""The respondent journey through the web pages: personal link, open link, kiosk, save and
resume, and every refusal. A refusal stores nothing and flips no invitation."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import get_resolver, reverse

from ethos.organisations.models import StaffMember
from ethos.surveys import responding, services, urls_respond
from ethos.surveys.instrument import allowed_answers, instrument_of, pages_of
from ethos.surveys.models import Draft, Invitation, Response

START, ANSWER, KIOSK, RESUME = "/take/", "/take/answer/", "/kiosk/", "/resume/"
BALLOT = re.compile(r'name="ballot" value="([^"]+)"')
PAGE = re.compile(r'name="page" value="(\d+)"')
COMMENT = "Fewer meetings, more time with patients."
STAFF = "W12-003"


# --- helpers ------------------------------------------------------------------------------


def html(response) -> str:
    return response.content.decode()


def form_of(response) -> dict[str, str]:
    text = html(response)
    return {"ballot": BALLOT.search(text).group(1), "page": PAGE.search(text).group(1)}


def respondent_headers(response) -> None:
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert not response.cookies  # respondents need no cookie


def page_answers(survey, page) -> dict[str, str]:
    """One answer to every question on the page, as the browser would send it."""
    instrument = instrument_of(survey.instrument_yaml)
    options = {i.id: instrument.scales[i.scale].options for i in page.items}
    out = {name: str(opts[min(3, len(opts) - 1)].code) for name, opts in options.items()}
    out.update({d.id: str(d.options[0].code) for d in page.demographics})
    out.update({f.id: COMMENT for f in page.free_text})
    return out


def post(client, response, action="continue", **fields):
    reply = client.post(ANSWER, {**form_of(response), "action": action, **fields})
    respondent_headers(reply)
    return reply


def answer_everything(client, response, survey):
    """From the first section to the check page, answering every question."""
    pages = pages_of(survey.instrument_yaml)
    for number, page in enumerate(pages, start=1):
        assert response.status_code == 200, html(response)
        assert f"Section {number} of {len(pages)}" in html(response)
        assert page.title in html(response)
        response = post(client, response, **page_answers(survey, page))
    assert response.status_code == 200
    assert "Check and submit your answers" in html(response)
    return response


def begin(client, token):
    response = client.post(START, {"token": token})
    respondent_headers(response)
    return response


def refused(response, message, status=400):
    assert response.status_code == status, html(response)
    text = html(response)
    assert "There is a problem" in text and message in text
    assert "<title>Error:" in text
    respondent_headers(response)


def stored(survey) -> int:
    return Response.objects.filter(survey=survey).count()


def responded(survey) -> int:
    return Invitation.objects.answered().filter(survey=survey).count()


# --- personal link ------------------------------------------------------------------------


def test_the_start_page_takes_the_code_from_the_fragment_with_script(client, cast):
    response = client.get(START)
    text = html(response)
    assert response.status_code == 200 and "ethos/take.js" in text
    assert "Your survey code" in text and 'name="token"' in text
    assert re.search(r'id="start-button"[^>]*>\s*Start\s*</button>', text)
    assert re.search(r'<form method="post" action="/take/"', text)
    respondent_headers(response)


def test_a_full_journey_by_personal_link_stores_one_anonymous_response(client, cast):
    survey, token = cast.open, cast.tokens[STAFF]
    response = answer_everything(client, begin(client, token), survey)
    done = html(post(client, response, action="submit"))
    assert "Your answers have been submitted" in done and "Start a new response" not in done
    assert stored(survey) == 1 and responded(survey) == 1
    assert Invitation.objects.get(survey=survey, staff__staff_id=STAFF).responded
    row = Response.objects.get(survey=survey)
    assert row.unit == cast.units["W12"]
    assert row.answers["ft_improve"] == COMMENT
    assert set(row.answers) == set(allowed_answers(survey.instrument_yaml))
    email = StaffMember.objects.get(staff_id=STAFF).email
    dump = json.dumps(model_to_dict(Response.objects.get(pk=row.pk)), default=str)
    assert token not in dump and email not in dump and STAFF not in dump


def test_a_retry_of_the_final_post_stores_one_response_and_the_link_is_spent(client, cast):
    survey = cast.open
    check = answer_everything(client, begin(client, cast.tokens[STAFF]), survey)
    first = post(client, check, action="submit")
    again = post(client, check, action="submit")
    assert first.status_code == again.status_code == 200
    assert "Your answers have been submitted" in html(again)
    refused(begin(Client(), cast.tokens[STAFF]), "already been used")  # the link is spent
    assert stored(survey) == 1 and responded(survey) == 1


def test_a_second_tab_with_the_same_link_cannot_submit_twice(client, cast):
    token = cast.tokens[STAFF]
    first = answer_everything(client, begin(client, token), cast.open)
    second = answer_everything(client, begin(client, token), cast.open)
    post(client, first, action="submit")
    refused(post(client, second, action="submit"), "already been used")
    assert stored(cast.open) == 1 and responded(cast.open) == 1


def test_an_unknown_or_empty_code_is_refused_and_never_echoed(client, cast):
    response = begin(client, "not-a-real-token")
    refused(response, "This link is not recognised")
    assert 'href="#token"' in html(response) and 'id="token-error"' in html(response)
    refused(begin(client, "  "), "Enter your survey code")
    token = cast.tokens[STAFF]  # a refused code is not echoed back; an accepted one is sealed
    assert token not in html(begin(client, token + "x"))
    assert token not in BALLOT.sub("", html(begin(client, token)))
    assert stored(cast.open) == 0 and responded(cast.open) == 0


def test_a_survey_that_closes_mid_journey_refuses_the_submission(client, cast):
    check = answer_everything(client, begin(client, cast.tokens[STAFF]), cast.open)
    services.close_survey(cast.open)
    response = post(client, check, action="submit")
    refused(response, "This survey has closed")
    assert 'href="#submit"' in html(response)
    assert stored(cast.open) == 0 and responded(cast.open) == 0


def test_a_draft_survey_is_refused(client, cast):
    today = services.today()
    draft = services.create_survey(cast.trust, "Not yet", "pulse", today, today)
    token = {m.staff_id: t for m, t in services.issue_invitations(draft)}[STAFF]
    refused(begin(client, token), "This survey is not open yet")
    assert stored(draft) == 0 and responded(draft) == 0


# --- moving between pages -----------------------------------------------------------------


def test_back_and_change_keep_the_answers_given(client, cast):
    first = begin(client, cast.tokens[STAFF])
    second = post(client, first, vv_know_vision="5")
    assert "Section 2 of 4" in html(second)
    back = post(client, second, action="back")
    assert "Section 1 of 4" in html(back)
    assert re.search(r'id="vv_know_vision-5"[^>]*value="5" checked', html(back))
    check = answer_everything(client, back, cast.open)
    change = client.post(ANSWER, {**form_of(check), "goto": "2"})  # "Change" on the check page
    assert change.status_code == 200 and "Section 3 of 4" in html(change)
    assert stored(cast.open) == 0


def test_an_answer_that_is_not_an_option_is_refused(client, cast):
    first = begin(client, cast.tokens[STAFF])
    response = post(client, first, vv_know_vision="7", gp_know_expected="4")
    refused(response, "Choose one of the answers given")
    text = html(response)
    assert 'href="#vv_know_vision"' in text and 'id="vv_know_vision-error"' in text
    assert "Section 1 of 4" in text
    assert responding.unseal(form_of(response)["ballot"]).answers == {}
    assert stored(cast.open) == 0 and responded(cast.open) == 0


def test_a_comment_over_the_limit_is_kept_to_shorten_and_a_null_is_dropped(client, cast):
    response = begin(client, cast.tokens[STAFF])
    for _ in range(3):
        response = post(client, response)
    assert "Your comments" in html(response)
    long = "word " * 700  # 3,500 characters
    response = post(client, response, ft_improve=long)
    refused(response, "Shorten it to 3,000 characters or fewer")
    assert long.strip() in html(response)
    assert stored(cast.open) == 0
    # PostgreSQL's jsonb cannot hold U+0000: a stray one is dropped, not the response
    response = post(client, response, ft_improve="More\x00 staff")
    assert "Your answers have been submitted" in html(post(client, response, action="submit"))
    assert Response.objects.get(survey=cast.open).answers["ft_improve"] == "More staff"


def test_a_tampered_ballot_or_page_number_is_refused(client, cast):
    form = form_of(begin(client, cast.tokens[STAFF]))
    data, _, signature = form["ballot"].rpartition(":")
    forged = data[:-2] + ("AA" if data[-2:] != "AA" else "BB") + ":" + signature
    for bad in (forged, "", "garbage"):
        response = client.post(ANSWER, {"ballot": bad, "page": "0", "action": "continue"})
        refused(response, "Your answers could not be read")
    for page in ("99", "-1", "x"):
        response = client.post(ANSWER, {**form, "page": page, "action": "submit"})
        refused(response, "Your answers could not be read")
    assert stored(cast.open) == 0 and responded(cast.open) == 0


@pytest.mark.parametrize("multipart", [True, False])
def test_an_oversize_submission_gets_a_clear_page_and_stores_nothing(client, cast, multipart):
    check = answer_everything(client, begin(client, cast.tokens[STAFF]), cast.open)
    data = {**form_of(check), "action": "submit", "ft_improve": "x" * (3 * 1024 * 1024)}
    if multipart:
        response = client.post(ANSWER, data)
    else:
        body = urlencode(data)
        response = client.post(ANSWER, body, content_type="application/x-www-form-urlencoded")
    refused(response, "too large to accept", status=413)
    assert stored(cast.open) == 0 and responded(cast.open) == 0


# --- open link ----------------------------------------------------------------------------


def test_an_open_link_journey_counts_the_response_towards_the_chosen_unit(client, cast):
    url = reverse("respond:open", args=[cast.open_link])
    choose = client.get(url)
    assert choose.status_code == 200
    respondent_headers(choose)
    text = html(choose)
    assert "Medicine: Ward 12" in text and "Surgery: Theatres" in text
    first = client.post(url, {"unit": cast.units["W4"].pk})
    assert first.status_code == 200 and "Section 1 of 4" in html(first)
    check = answer_everything(client, first, cast.open)
    assert "Your answers have been submitted" in html(post(client, check, action="submit"))
    row = Response.objects.get(survey=cast.open)
    assert row.unit == cast.units["W4"]
    assert responded(cast.open) == 0


def test_an_open_link_response_is_one_insert_and_a_retry_stores_nothing_more(cast):
    """On SQLite an open-link response (no invitation to mark, no mixing pool) is stored by
    one INSERT, its own transaction in autocommit mode; a kiosk response marks nothing either
    but still checks its code in the same transaction. A retry with the same key is
    acknowledged as the response already stored."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL mixes the pool in the same transaction")
    unit = cast.units["W12"].pk
    ballot = responding.Ballot(str(cast.open.pk), responding.OPEN, unit=unit)
    with CaptureQueriesContext(connection) as queries:
        first = responding.submit_response(cast.open, ballot)
    assert [q["sql"].split()[0] for q in queries] == ["INSERT"]  # no SAVEPOINT, no BEGIN
    again = responding.submit_response(cast.open, ballot)
    assert again.repeated and again.response_id == first.response_id
    assert stored(cast.open) == 1
    kiosk = responding.Ballot(
        str(cast.open.pk), responding.KIOSK_CHANNEL, credential=cast.kiosk_code, unit=unit
    )
    with CaptureQueriesContext(connection) as queries:
        responding.submit_response(cast.open, kiosk)
    assert queries[0]["sql"].startswith("SAVEPOINT")  # a transaction: inside the test's own
    assert stored(cast.open) == 2


def test_an_open_link_refuses_a_unit_outside_the_population(client, cast):
    url = reverse("respond:open", args=[cast.open_link])
    other = cast.other_trust.units.first().pk
    for unit in ("", "999999", "ward", str(other)):
        response = client.post(url, {"unit": unit})
        refused(response, "Select the team or ward you work in")
        assert 'href="#unit"' in html(response)
    assert stored(cast.open) == 0


def test_an_unknown_open_link_is_not_found(client, cast):
    response = client.get(reverse("respond:open", args=["no-such-link"]))
    refused(response, "This survey link is not recognised", status=404)
    response = client.post(reverse("respond:open", args=["no-such-link"]), {"unit": "1"})
    refused(response, "This survey link is not recognised", status=404)
    assert stored(cast.open) == 0


# --- kiosk --------------------------------------------------------------------------------


def test_a_kiosk_journey_and_the_next_person(client, cast):
    assert client.get(KIOSK).status_code == 200
    first = client.post(KIOSK, {"code": cast.kiosk_code.lower().replace("-", " ")})
    assert first.status_code == 200 and "Section 1 of 4" in html(first)
    check = answer_everything(client, first, cast.open)
    done = post(client, check, action="submit")
    assert "Your answers have been submitted" in html(done)
    assert "Start a new response for the next person" in html(done)
    assert Response.objects.get(survey=cast.open).unit == cast.units["W12"]
    assert not client.cookies  # the kiosk code is in no cookie: there are none
    # the next person: the confirmation's form starts a fresh ballot
    code = re.search(r'name="code" value="([^"]+)"', html(done)).group(1)
    fresh = client.post(KIOSK, {"code": code})
    assert "Section 1 of 4" in html(fresh)
    assert responding.unseal(form_of(fresh)["ballot"]).answers == {}
    # the browser's back button re-posts the previous person's page: it shows nothing of it
    replay = client.post(ANSWER, {**form_of(check), "action": "back"})
    assert "Your answers have been submitted" in html(replay)
    assert 'name="ballot"' not in html(replay)
    assert stored(cast.open) == 1


def test_a_wrong_kiosk_code_or_resume_code_is_refused(client, cast):
    for url, code, message in [
        (KIOSK, "AAAA-BBBB-CCCC", "Enter the kiosk code"),
        (RESUME, "ABCD-EFGH-JKLM-NPQR", "not recognised or has expired"),
    ]:
        response = client.post(url, {"code": code})
        refused(response, message)
        assert 'href="#code"' in html(response)
    assert stored(cast.open) == 0


def test_a_closed_survey_is_refused_by_every_way_in(client, cast):
    saved = post(client, begin(client, cast.tokens["W4-001"]), action="save")
    code = re.search(r'id="resume-code">([A-Z0-9-]+)<', html(saved)).group(1)
    services.close_survey(cast.open)  # also deactivates the kiosk codes
    refused(begin(client, cast.tokens[STAFF]), "This survey has closed")
    refused(client.get(reverse("respond:open", args=[cast.open_link])), "has closed")
    refused(client.post(KIOSK, {"code": cast.kiosk_code}), "Enter the kiosk code")
    refused(client.post(RESUME, {"code": code}), "This survey has closed")
    assert stored(cast.open) == 0 and responded(cast.open) == 0


# --- save and resume ----------------------------------------------------------------------


def test_save_and_resume_on_another_device(client, cast):
    survey, token = cast.open, cast.tokens[STAFF]
    first = begin(client, token)
    pages = pages_of(survey.instrument_yaml)
    saved = post(client, first, action="save", **page_answers(survey, pages[0]))
    assert saved.status_code == 200 and "Your answers are saved" in html(saved)
    assert f"{settings.BASE_URL}/resume/" in html(saved)
    code = re.search(r'id="resume-code">([A-Z0-9-]+)<', html(saved)).group(1)
    assert Draft.objects.count() == 1 and stored(survey) == 0
    other = Client()  # another "session": nothing carried over but the code
    assert other.get(RESUME).status_code == 200
    resumed = other.post(RESUME, {"code": code.lower()})
    assert resumed.status_code == 200 and "Section 2 of 4" in html(resumed)
    respondent_headers(resumed)
    response = resumed
    for page in pages[1:]:
        response = post(other, response, **page_answers(survey, page))
    done = post(other, response, action="submit")
    assert "Your answers have been submitted" in html(done)
    row = Response.objects.get(survey=survey)
    assert row.answers["vv_know_vision"] == 4 and row.answers["ft_improve"] == COMMENT
    assert Invitation.objects.get(survey=survey, staff__staff_id=STAFF).responded
    refused(Client().post(RESUME, {"code": code}), "not recognised or has expired")


# --- the pages themselves -----------------------------------------------------------------


def test_a_browser_sending_origin_null_and_no_cookie_gets_through(cast):
    """Under ``Referrer-Policy: no-referrer`` browsers send ``Origin: null`` and no Referer
    with a form POST; respondent pages take no cookie and are exempt from CSRF (see
    ``ethos.surveys.respond.common``)."""
    browser = Client(enforce_csrf_checks=True, HTTP_ORIGIN="null")
    first = browser.post(START, {"token": cast.tokens[STAFF]}, secure=True)
    assert first.status_code == 200 and "Section 1 of 4" in html(first)
    second = browser.post(ANSWER, form_of(first), secure=True)
    assert second.status_code == 200 and "Section 2 of 4" in html(second)
    assert not browser.cookies and "csrfmiddlewaretoken" not in html(second)


def test_every_respondent_view_is_public_and_uncached(client, cast):
    resolver = get_resolver(urls_respond)
    for pattern in resolver.url_patterns:
        assert getattr(pattern.callback, "ethos_public", False), pattern.name
    for url in (START, KIOSK, RESUME, reverse("respond:open", args=[cast.open_link])):
        respondent_headers(client.get(url))
    assert client.get(ANSWER)["Location"] == START  # navigation is by POST only


def test_questions_are_fieldsets_with_legends_and_the_title_names_the_section(client, cast):
    text = html(begin(client, cast.tokens[STAFF]))
    instrument = instrument_of(cast.open.instrument_yaml)
    first = instrument.item("vv_know_vision")
    assert re.search(r"<legend[^>]*>\s*" + re.escape(first.text), text)
    assert "Strongly agree" in text and "Skip any question" in text
    assert re.search(r"<title>Working here \(section 1 of 4\)", text)
    assert 'autocomplete="off"' in text


def test_the_full_culture_survey_can_be_answered_page_by_page(client, cast):
    today = services.today()
    survey = services.create_survey(cast.trust, "Culture 2027", "culture", today, today)
    services.open_survey(survey)
    token = {m.staff_id: t for m, t in services.issue_invitations(survey)}["THE-001"]
    check = answer_everything(client, begin(client, token), survey)
    assert "Your answers have been submitted" in html(post(client, check, action="submit"))
    row = Response.objects.get(survey=survey)
    assert row.unit == cast.units["THE"]
    assert set(row.answers) == set(allowed_answers(survey.instrument_yaml))


def test_the_cached_confirmation_never_carries_a_signed_in_users_name(client, cast):
    """The confirmation page is cached for anonymous respondents only."""
    from django.test import Client

    from ethos.surveys import responding
    from ethos.surveys.respond.questions import DONE_PAGES

    DONE_PAGES.clear()
    staff = Client()
    staff.force_login(cast.users["ann"])
    seen = []
    for who in (staff, client, client):
        ballot = responding.Ballot(str(cast.open.pk), responding.OPEN, unit=cast.units["W12"].pk)
        pages = len(pages_of(cast.open.instrument_yaml))
        form = {"ballot": responding.seal(ballot), "page": str(pages), "action": "submit"}
        page = who.post("/take/answer/", form).content.decode()
        assert "Your answers have been submitted" in page
        seen.append("Sign out" in page)
    assert seen == [True, False, False]  # Ann's header never reaches a respondent


def test_the_prepared_statements_read_and_store_what_the_orm_would(cast):
    """The submit path's prepared survey read and response insert (``statements``) give the
    same survey as ``Survey.objects.get`` and a row the ORM reads back as it was written; a
    submission key already stored is refused like ``create`` refuses it."""
    import uuid

    from django.db import IntegrityError, transaction

    from ethos.surveys import statements
    from ethos.surveys.models import Survey

    for survey in (cast.open, cast.closed):
        fast, orm = statements.survey(survey.pk), Survey.objects.get(pk=survey.pk)
        assert model_to_dict(fast) == model_to_dict(orm) and fast.pk == orm.pk
        assert fast.created == orm.created and fast._state.db == orm._state.db
        assert not fast._state.adding
    assert statements.survey(uuid.uuid4()) is None

    answers = {"q1": 3, "comment": "Fine."}
    key, today = uuid.uuid4(), services.today()
    unit = cast.units["W12"].pk
    new = dict(survey_id=cast.open.pk, unit_id=unit, submitted_on=today, submission_key=key)
    with transaction.atomic():
        response_id = statements.insert_response(answers=answers, **new)
    row = Response.objects.get(pk=response_id)
    assert (row.survey_id, row.unit_id, row.submitted_on) == (cast.open.pk, unit, today)
    assert row.answers == answers and row.submission_key == key
    with pytest.raises(IntegrityError), transaction.atomic():
        statements.insert_response(answers=answers, **new)
    assert Response.objects.filter(submission_key=key).count() == 1


def test_respondent_pages_get_exactly_djangos_never_cache_headers():
    """``never_cache`` writes what ``add_never_cache_headers`` would, and merges like it when
    a view set a cache header itself."""
    from django.http import HttpResponse
    from django.utils.cache import add_never_cache_headers
    from django.utils.http import parse_http_date

    from ethos.surveys.respond.common import never_cache

    def same(ours: HttpResponse, django: HttpResponse) -> bool:
        expires = [parse_http_date(r["Expires"]) for r in (ours, django)]
        assert abs(expires[0] - expires[1]) <= 1  # the same now, give or take a second tick
        return [(k, v) for k, v in ours.items() if k != "Expires"] == [
            (k, v) for k, v in django.items() if k != "Expires"
        ] and list(ours.headers) == list(django.headers)

    ours, django = HttpResponse("x"), HttpResponse("x")
    never_cache(ours)
    add_never_cache_headers(django)
    assert same(ours, django) and "no-store" in ours["Cache-Control"]
    ours, django = HttpResponse("x"), HttpResponse("x")
    for response in (ours, django):
        response["Cache-Control"] = "max-age=60, public"
    never_cache(ours)
    add_never_cache_headers(django)
    assert same(ours, django)
