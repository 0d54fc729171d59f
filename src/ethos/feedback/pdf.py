"""A 360 report as PDF (WeasyPrint): the same published figures as the page, laid out for
print. WeasyPrint's output is deterministic, so the same report always gives the same bytes."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.text import slugify

from ethos.feedback.presenters import Published


def render_pdf(shown: Published) -> bytes:
    title = f"360 report: {shown.subject.staff.name}"
    return html_to_pdf(
        render_to_string("feedback/report_pdf.jinja", {"shown": shown, "title": title})
    )


def html_to_pdf(html: str) -> bytes:
    """``html`` as PDF. A report needs nothing from outside itself, so WeasyPrint may fetch
    only ``data:`` URLs: should a field ever reach the HTML unescaped, it still cannot make
    the server request a URL (server-side request forgery)."""
    import weasyprint  # imported here: it is slow to import and only PDFs need it

    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",))
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()


def download(shown: Published) -> HttpResponse:
    response = HttpResponse(render_pdf(shown), content_type="application/pdf")
    name = slugify(f"360 report {shown.subject.staff.name}") or "360-report"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    add_never_cache_headers(response)  # a personal report: never kept by a shared cache
    return response
