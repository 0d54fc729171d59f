"""Peer nomination pages. ``nominate/`` and ``opt-out/`` are public (a personal link is the
credential); every other page needs a leadership capability."""

from django.urls import path

from ethos.nominations import public, views

app_name = "nominations"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("opt-outs/", views.opt_outs, name="opt_outs"),
    path("nominate/", public.nominate, name="nominate"),
    path("opt-out/", public.opt_out, name="opt_out"),
    path("<uuid:campaign_id>/", views.detail, name="detail"),
    path("<uuid:campaign_id>/open/", views.open_campaign, name="open"),
    path("<uuid:campaign_id>/close/", views.close_campaign, name="close"),
    path("<uuid:campaign_id>/results/", views.results, name="results"),
    path("<uuid:campaign_id>/results/names/", views.names, name="names"),
]
