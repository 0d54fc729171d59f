"""Respondent pages: public, anonymous, no session. See :mod:`ethos.surveys.respond_views`.

Nothing that identifies a respondent is ever part of these paths: the personal token, the
kiosk code and the resume code travel only in POST bodies.
"""

from django.urls import path

from ethos.surveys import respond_views

app_name = "respond"
urlpatterns = [
    path("take/", respond_views.start, name="start"),
    path("take/answer/", respond_views.answer, name="answer"),
    path("o/<str:key>/", respond_views.open_link, name="open"),
    path("kiosk/", respond_views.kiosk, name="kiosk"),
    path("resume/", respond_views.resume, name="resume"),
]
