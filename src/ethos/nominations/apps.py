from django.apps import AppConfig


class NominationsConfig(AppConfig):
    name = "ethos.nominations"
    label = "nominations"
    verbose_name = "Nominations"
