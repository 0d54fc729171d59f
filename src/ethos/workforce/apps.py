from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "ethos.workforce"
    label = "workforce"
    verbose_name = "Workforce"
