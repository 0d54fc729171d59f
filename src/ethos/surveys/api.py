"""API: surveys and their campaign actions (the same services as the pages)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from ethos.organisations import access
from ethos.organisations.models import Unit
from ethos.surveys import services
from ethos.surveys.models import Survey
from ethos.web.api import requires, viewer

router = Router(tags=["surveys"])


class SurveyOut(Schema):
    id: uuid.UUID
    title: str
    instrument_id: str
    status: str
    opens_on: dt.date
    closes_on: dt.date
    min_group_size: int
    breakdowns: list[str]
    breakdowns_at: str
    previous_id: uuid.UUID | None


class SurveyIn(Schema):
    title: str
    instrument: str = "culture"
    opens_on: dt.date
    closes_on: dt.date
    units: list[str] = []
    min_group_size: int | None = None
    breakdowns: list[str] = []
    breakdowns_at: str = "units"
    previous: uuid.UUID | None = None


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class ActionOut(Schema):
    status: str
    sent: int | None = None


def _survey(request: HttpRequest, survey_id: uuid.UUID) -> Survey:
    who = viewer(request)
    return get_object_or_404(Survey, pk=survey_id, organisation=who.organisation)


def _invalid(exc: ValidationError) -> Status:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    detail = "; ".join(m for ms in errors.values() for m in ms)
    return Status(400, {"detail": detail, "errors": errors})


@router.get("", response=list[SurveyOut], **requires(access.VIEW_RESULTS))
def list_surveys(request: HttpRequest) -> object:
    """The organisation's surveys, newest first."""
    return Survey.objects.filter(organisation=viewer(request).organisation)


@router.post(
    "",
    response={201: SurveyOut, 400: ErrorOut},
    **requires(access.MANAGE_SURVEYS),
)
def create_survey(request: HttpRequest, body: SurveyIn) -> Status:
    """Create a draft survey from a shipped instrument id or instrument YAML text."""
    who = viewer(request)
    units = list(Unit.objects.filter(organisation=who.organisation, code__in=body.units))
    if len(units) != len(set(body.units)):
        return Status(400, {"detail": "Unknown unit code.", "errors": {"units": ["Unknown code."]}})
    previous = None
    if body.previous is not None:
        previous = Survey.objects.filter(pk=body.previous, organisation=who.organisation).first()
        if previous is None:
            return Status(400, {"detail": "Unknown previous survey.", "errors": {}})
    try:
        survey = services.create_survey(
            who.organisation,
            body.title,
            body.instrument,
            body.opens_on,
            body.closes_on,
            units,
            body.min_group_size,
            body.breakdowns,
            previous,
            body.breakdowns_at,
        )
    except ValidationError as exc:
        return _invalid(exc)
    return Status(201, survey)


@router.get("/{survey_id}", response=SurveyOut, **requires(access.VIEW_RESULTS))
def get_survey(request: HttpRequest, survey_id: uuid.UUID) -> Survey:
    return _survey(request, survey_id)


ACTIONS = {
    "open": services.open_survey,
    "close": services.close_survey,
    "invitations": services.send_invitations,
    "reminders": services.send_reminders,
}


def _action(name: str):  # one operation per state change, all alike
    def run(request: HttpRequest, survey_id: uuid.UUID) -> Status:
        survey = _survey(request, survey_id)
        try:
            result = ACTIONS[name](survey, actor=request.auth)
        except ValidationError as exc:
            return _invalid(exc)
        sent = result if isinstance(result, int) else None
        survey.refresh_from_db()
        return Status(200, {"status": survey.status, "sent": sent})

    run.__name__ = f"{name}_survey"
    run.__doc__ = {
        "open": "Open a draft survey.",
        "close": "Close an open survey for good and publish its final results.",
        "invitations": "Email personal invitations to everyone not yet invited.",
        "reminders": "Email fresh links to everyone who has not responded.",
    }[name]
    return run


@router.post(
    "/{survey_id}/identify",
    response={409: ErrorOut},
    **requires(access.MANAGE_SURVEYS),
)
def identify_survey(request: HttpRequest, survey_id: uuid.UUID) -> Status:
    """Always refused, and written to the audit log: responses are anonymous for good."""
    survey = _survey(request, survey_id)
    try:
        services.identify_survey(survey, actor=request.auth)
    except services.AnonymityRefused as exc:
        return Status(409, {"detail": exc.messages[0], "errors": {}})
    return Status(409, {"detail": "Refused.", "errors": {}})  # not reached: always refused


for _name in ACTIONS:
    router.post(
        f"/{{survey_id}}/{_name}",
        response={200: ActionOut, 400: ErrorOut},
        **requires(access.MANAGE_SURVEYS),
    )(_action(_name))
