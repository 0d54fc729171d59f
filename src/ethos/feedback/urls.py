"""360 URLs. Staff pages name a cycle (and a subject) by id; the public pages reached from
personal links name nothing: their tokens travel only in POST bodies."""

from django.urls import path

from ethos.feedback import respond_views, views

app_name = "feedback"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("nominate/", respond_views.nominate, name="nominate"),
    path("approve/", respond_views.approve, name="approve"),
    path("rate/", respond_views.rate, name="rate"),
    path("rate/answer/", respond_views.answer, name="answer"),
    path("your-report/", respond_views.my_report, name="my_report"),
    path("<uuid:cycle_id>/", views.cycle, name="cycle"),
    path("<uuid:cycle_id>/leaders/", views.add_subject, name="add_subject"),
    path("<uuid:cycle_id>/open/", views.open_cycle, name="open"),
    path("<uuid:cycle_id>/close/", views.close_cycle, name="close"),
    path("<uuid:cycle_id>/leaders/<uuid:subject_id>/", views.report, name="report"),
    path("<uuid:cycle_id>/leaders/<uuid:subject_id>/pdf/", views.report_pdf, name="report_pdf"),
]
