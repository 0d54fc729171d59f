"""Respondent pages are translatable: a Welsh browser gets Welsh where translations exist."""


def test_a_welsh_browser_gets_the_welsh_catalogue(client, cast):
    page = client.get("/take/", HTTP_ACCEPT_LANGUAGE="cy").content.decode()
    assert '<html lang="cy"' in page
    assert "Dechrau" in page  # "Start"


def test_english_is_the_default(client, cast):
    page = client.get("/take/").content.decode()
    assert '<html lang="en-gb"' in page
    assert "Dechrau" not in page
