from django.urls import path

from ethos.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<uuid:survey_id>/", views.detail, name="detail"),
    path("<uuid:survey_id>/open/", views.open_survey, name="open"),
    path("<uuid:survey_id>/close/", views.close_survey, name="close"),
    path("<uuid:survey_id>/invitations/", views.send_invitations, name="invite"),
    path("<uuid:survey_id>/reminders/", views.send_reminders, name="remind"),
    path("<uuid:survey_id>/kiosk-codes/", views.create_kiosk_code, name="kiosk_code"),
    path("<uuid:survey_id>/open-link/", views.create_open_link, name="open_link"),
]
