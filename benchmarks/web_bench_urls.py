"""Ethos's URLs plus the baseline of ``web_submissions.py``: Django's own one-row insert.

``/bench/insert-one/`` takes a POST with one form field, ``answers`` (the same 60 answers an
Ethos submission carries, as JSON text), inserts it as one row of a plain table in the same
SQLite database (same WAL and ``synchronous=FULL`` settings) and answers 200. It goes through
the same middleware as every Ethos page and is CSRF-exempt, like the respondent pages.
"""

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from ethos.web.urls import urlpatterns as ethos_urlpatterns

TABLE = "bench_one_row"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} "
    "(id INTEGER PRIMARY KEY AUTOINCREMENT, answers TEXT NOT NULL)"
)


@csrf_exempt
def insert_one(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (answers) VALUES (%s)", [request.POST["answers"]])
    return HttpResponse("stored", content_type="text/plain")


urlpatterns = [path("bench/insert-one/", insert_one), *ethos_urlpatterns]
