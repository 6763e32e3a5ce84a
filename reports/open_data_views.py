"""Open data pages (reports/open_data.py): the public page listing the datasets, the
catalogue as JSON and each dataset as CSV and JSON, for anyone, signed in or not.

The data files are the same for everyone and in every language, so anonymous answers are
cacheable (`Cache-Control: public`) with an ETag of their bytes (If-None-Match → 304); a
signed-in user's still get `private, no-store` from core.middleware.PrivateCacheMiddleware.
"""

import hashlib
import json

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.utils.translation import get_language, gettext_lazy
from django.views.decorators.http import require_safe

from core import writers
from reports import open_data

MAX_AGE = 3600  # seconds a cache may keep a data file
CSV = "text/csv; charset=utf-8"
JSON = "application/json; charset=utf-8"


# What the units of open_data's columns mean, for the page.
UNITS = {
    "alliances": gettext_lazy("number of alliances"),
    "firms": gettext_lazy("number of firms"),
    "alliance-years": gettext_lazy("number of alliance-years"),
    "仟元": gettext_lazy("NT$1,000"),
    "%": gettext_lazy("percent"),
}


def _key_language(key: str | None) -> str:
    return "zh-Hant-TW" if key and not key.isascii() else "en"


def _data_response(request, body: bytes, content_type: str, filename: str = "") -> HttpResponse:
    etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["Link"] = f'<{open_data.LICENSE_URL}>; rel="license"'
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return get_conditional_response(request, etag=etag, response=response)


def _json(request, data: dict) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    return _data_response(request, body, JSON)


def _csv(request, dataset: open_data.Dataset) -> HttpResponse:
    body = writers.csv_bytes(dataset.csv_headers(), dataset.csv_rows())
    return _data_response(request, body, CSV, f"alliance-{dataset.key}.csv")


def _entry_urls(request, entry: open_data.Entry) -> dict:
    name = f"open_data_{entry.kind}"
    return {
        fmt: request.build_absolute_uri(reverse(f"{name}_{fmt}", kwargs=entry.kwargs))
        for fmt in ("csv", "json")
    }


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


@require_safe
def open_data_page(request):
    """The datasets with their addresses, data dates, columns and licence."""
    chinese = _chinese()
    datasets = [
        {"entry": entry, "title": entry.title if chinese else entry.title_en}
        | _entry_urls(request, entry)
        for entry in open_data.catalogue()
    ]

    def columns(cols):
        return {
            "columns": [
                # The unit's key is a value of the data, in the data's own language.
                {"column": c, "unit": UNITS.get(c.unit), "key_lang": _key_language(c.unit)}
                for c in cols
            ],
            "rules": [(r, zh if chinese else en) for r, zh, en in open_data.rules_of(cols)],
        }

    return render(
        request,
        "reports/open_data.html",
        {
            "datasets": datasets,
            "fields_columns": columns(open_data.FIELD_COLUMNS),
            "band_columns": columns(open_data.BAND_COLUMNS),
            "notes": [zh if chinese else en for zh, en in open_data.NOTES],
            "license": open_data.LICENSE,
            "license_en": open_data.LICENSE_EN,
            "license_url": open_data.LICENSE_URL,
            "source": open_data.SOURCE if chinese else open_data.SOURCE_EN,
            "span_years": open_data.SPAN_YEARS,
            "catalogue_url": reverse("open_data_catalogue"),
        },
    )


@require_safe
def open_data_catalogue(request):
    return _json(request, open_data.catalogue_json(lambda entry: _entry_urls(request, entry)))


def _fields(roc_year: int) -> open_data.Dataset:
    dataset = open_data.fields_dataset(roc_year)
    if dataset is None:  # no such year, or not every second filing of it accepted yet
        raise Http404
    return dataset


def _fee_bands(first: int, last: int) -> open_data.Dataset:
    dataset = open_data.fee_bands_dataset(first, last)
    if dataset is None:  # not five years, or one of them not published
        raise Http404
    return dataset


@require_safe
def open_data_fields_csv(request, roc_year):
    return _csv(request, _fields(roc_year))


@require_safe
def open_data_fields_json(request, roc_year):
    return _json(request, _fields(roc_year).as_json())


@require_safe
def open_data_fee_bands_csv(request, first, last):
    return _csv(request, _fee_bands(first, last))


@require_safe
def open_data_fee_bands_json(request, first, last):
    return _json(request, _fee_bands(first, last).as_json())
