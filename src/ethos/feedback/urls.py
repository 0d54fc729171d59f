from django.urls import path

from ethos.feedback import views

app_name = "feedback"
urlpatterns = [
    path("", views.index, name="index"),
]
