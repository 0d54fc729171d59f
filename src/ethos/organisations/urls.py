from django.urls import path

from ethos.organisations import views

app_name = "organisations"
urlpatterns = [
    path("", views.units, name="units"),
    path("import/units/", views.import_units, name="import_units"),
    path("import/roster/", views.import_roster, name="import_roster"),
    path("audit/", views.audit, name="audit"),
]
