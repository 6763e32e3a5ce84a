"""Reading request parameters without a 500, paging, and the answer of a workbook download."""

from django.core.paginator import Paginator
from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PAGE_SIZE = 25


def int_param(value) -> int | None:
    """A positive whole number from a query or form value, else None (never a 500)."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdecimal() and len(text) < 10 else None


def paginate(request, queryset, *, param="page", per_page=PAGE_SIZE):
    """The page of `queryset` asked for by ?<param>=; a bad or out-of-range number gives the
    first or last page rather than an error."""
    page = Paginator(queryset, per_page).get_page(request.GET.get(param))
    page.param = param
    return page


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
