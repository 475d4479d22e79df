"""Page-number pagination: ``?page=2&page_size=100`` (default 50, at most 200)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    page_size_query_description = _("Number of results per page (at most 200).")  # type: ignore[assignment]
    page_query_description = _("A page number within the paginated result set.")  # type: ignore[assignment]
    max_page_size = 200
    invalid_page_message = _("There is no such page.")  # type: ignore[assignment]
