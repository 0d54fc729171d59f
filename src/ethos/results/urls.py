"""Staff-facing results pages (every view checks its capability with ``access.requires``)."""

from django.urls import path

from ethos.results import teams, views

app_name = "results"
urlpatterns = [
    path("<uuid:survey_id>/", views.overview, name="overview"),
    path("<uuid:survey_id>/heatmap/", views.heatmap, name="heatmap"),
    path("<uuid:survey_id>/units/<str:code>/", views.unit, name="unit"),
    path("<uuid:survey_id>/breakdowns/", views.breakdowns, name="breakdowns"),
    path("<uuid:survey_id>/comments/", views.comments, name="comments"),
    path("<uuid:survey_id>/teams/", teams.teams, name="teams"),
]
