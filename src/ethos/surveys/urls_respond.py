"""Respondent pages: public, anonymous, no session."""

app_name = "respond"
urlpatterns: list = []
