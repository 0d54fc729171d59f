from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "ethos.feedback"
    label = "feedback"
    verbose_name = "Feedback"
