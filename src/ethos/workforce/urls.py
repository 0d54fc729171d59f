from django.urls import path

from ethos.workforce import views

app_name = "workforce"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_file, name="import"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("leadership/", views.leadership, name="leadership"),
    path("<slug:standard>/", views.standard, name="standard"),
    path("<slug:standard>/export.<slug:fmt>", views.standard_export, name="standard_export"),
]
