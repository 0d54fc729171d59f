from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "ethos.organisations"
    label = "organisations"
    verbose_name = "Organisations"
