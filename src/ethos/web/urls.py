"""URL configuration. Every view is decorated with ``access.requires`` or ``access.public``;
tests generated from this configuration check that and every refusal.

The respondent pages come first: they take most of the requests (every page of every
response), and Django tries the patterns in order. No other pattern matches their paths
(``take/``, ``o/``, ``kiosk/``, ``resume/``), so the order changes nothing else."""

from django.urls import include, path

from ethos.web import views
from ethos.web.api import api

urlpatterns = [
    path("", include("ethos.surveys.urls_respond")),
    path("", views.home, name="home"),
    path("sign-in/", views.login, name="login"),
    path("sign-out/", views.logout, name="logout"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("organisation/", include("ethos.organisations.urls")),
    path("surveys/", include("ethos.surveys.urls")),
    path("results/", include("ethos.results.urls")),
    path("workforce/", include("ethos.workforce.urls")),
    path("feedback/", include("ethos.feedback.urls")),
    path("nominations/", include("ethos.nominations.urls")),
    path("api/v1/", api.urls),
]
