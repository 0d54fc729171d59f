from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "ethos.surveys"
    label = "surveys"
    verbose_name = "Surveys"
