"""One fixed page size for every list (settings.API_PAGE_SIZE); `?page=` moves through
them. The count and the links to the next and previous pages come with each page."""

from django.conf import settings
from rest_framework.pagination import PageNumberPagination


class FixedPagination(PageNumberPagination):
    page_size = settings.API_PAGE_SIZE
    page_size_query_param = None  # fixed: a client cannot ask for everything at once
    max_page_size = settings.API_PAGE_SIZE
