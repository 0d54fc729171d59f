from django.urls import path

from ethos.organisations import views

app_name = "organisations"
urlpatterns = [
    path("", views.units, name="units"),
]
