"""Pages that belong to no one app: home, sign-in and sign-out, and the information pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ethos.organisations import access


@access.requires(access.VIEW_RESULTS)
def home(request: HttpRequest) -> HttpResponse:
    from ethos.surveys.models import Survey

    viewer = request.viewer  # type: ignore[attr-defined]
    surveys = Survey.objects.filter(organisation=viewer.organisation).order_by("-opens_on")
    return render(
        request,
        "home.jinja",
        {"title": "Surveys and results", "surveys": surveys, "viewer": viewer},
    )


@access.public
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy.jinja", {"title": "How your anonymity is protected"})


@access.public
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility.jinja", {"title": "Accessibility statement"})


login = access.public(
    auth_views.LoginView.as_view(
        template_name="login.jinja",
        extra_context={"title": "Sign in"},
        redirect_authenticated_user=True,
    )
)
logout = access.public(
    auth_views.LogoutView.as_view(
        template_name="logged_out.jinja", extra_context={"title": "Signed out"}
    )
)
