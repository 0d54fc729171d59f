from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ethos.web"
    label = "web"
    verbose_name = "Ethos web"
