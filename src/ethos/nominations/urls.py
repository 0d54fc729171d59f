from django.urls import path

from ethos.nominations import views

app_name = "nominations"
urlpatterns = [
    path("", views.index, name="index"),
]
