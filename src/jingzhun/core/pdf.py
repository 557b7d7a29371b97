"""HTML → PDF with WeasyPrint. The templates are ordinary Django templates (shared with the pages where they can
be); the Chinese font (Noto CJK from Debian's fonts-noto-cjk) is embedded as a subset, so the file prints the same
on any machine."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse
from django.template.loader import render_to_string

PDF_CONTENT_TYPE = "application/pdf"
# Font families tried in order; fontconfig finds the installed one (see `make browser` for the package).
CJK_FONTS = '"Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC", sans-serif'


def render_pdf(template: str, context: dict, request=None) -> bytes:
    from weasyprint import HTML  # imported on use: it loads Pango, which the web pages do not need

    html = render_to_string(template, {**context, "cjk_fonts": CJK_FONTS}, request=request)
    return HTML(string=html).write_pdf()


def pdf_file_response(data: bytes, name: str) -> HttpResponse:
    """``data`` as ``name``.pdf (``name`` may be Chinese), shown in the browser's viewer to print."""
    response = HttpResponse(data, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}.pdf"
    return response


def pdf_response(template: str, context: dict, request, name: str) -> HttpResponse:
    """The template rendered as ``name``.pdf."""
    return pdf_file_response(render_pdf(template, context, request), name)
