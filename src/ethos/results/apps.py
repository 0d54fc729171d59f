from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "ethos.results"
    label = "results"
    verbose_name = "Results"
