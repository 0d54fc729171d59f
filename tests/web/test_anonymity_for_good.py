"""Irreversible anonymity: a survey can never be made identified or re-linked; every attempt
is refused and written to the audit log. The audit log records staff actions only."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from ethos.organisations.models import AuditEvent
from ethos.surveys import services
from ethos.surveys.models import Survey
from tests.web.api_client import ApiClient


def test_identifying_a_survey_with_responses_is_refused_and_audited(cast):
    with pytest.raises(services.AnonymityRefused, match="anonymous for good"):
        services.identify_survey(cast.closed, actor=cast.users["ann"])
    event = AuditEvent.objects.get(action="identify survey")
    assert (event.outcome, event.actor, event.target) == (
        "refused",
        cast.users["ann"],
        cast.closed.title,
    )
    assert "anonymous for good" in event.detail


def test_the_api_refuses_with_409_and_audits(cast):
    response = ApiClient(cast.users["ann"]).post(f"/surveys/{cast.closed.pk}/identify")
    assert response.status_code == 409
    assert "anonymous for good" in response.json()["detail"]
    assert AuditEvent.objects.filter(action="identify survey", outcome="refused").count() == 1
    other = ApiClient(cast.users["oscar"]).post(f"/surveys/{cast.closed.pk}/identify")
    assert other.status_code == 404  # and nothing is recorded against North Trust
    assert AuditEvent.objects.filter(action="identify survey").count() == 1


def test_the_database_itself_refuses_a_survey_that_is_not_anonymous(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.filter(pk=cast.closed.pk).update(anonymous=False)
    assert Survey.objects.get(pk=cast.closed.pk).anonymous


def test_staff_actions_are_audited_and_events_never_change(cast):
    actions = set(
        AuditEvent.objects.filter(organisation=cast.trust).values_list("action", flat=True)
    )
    assert {"open survey", "close survey", "import workforce file"} <= actions
    event = AuditEvent.objects.filter(organisation=cast.trust).first()
    event.detail = "rewritten"
    with pytest.raises(ValueError, match="never changed"):
        event.save()


def test_a_reminder_run_is_audited_without_its_count(cast):
    services.send_reminders(cast.open, actor=cast.users["ann"])
    event = AuditEvent.objects.get(action="send reminders")
    assert event.detail == ""  # how many had not yet answered is not kept


def test_the_audit_page_is_for_admins(signed_in, cast):
    from django.urls import reverse

    page = signed_in("ada").get(reverse("organisations:audit"))
    assert page.status_code == 200 and "close survey" in page.content.decode()
    assert signed_in("ann").get(reverse("organisations:audit")).status_code == 403
