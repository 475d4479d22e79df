"""Page numbers for the pagination component (templates/components/pagination.html)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import template

register = template.Library()


@register.filter
def page_numbers(page_obj: Any) -> Iterator[int | str]:
    """The numbers worth showing around ``page_obj`` — the first and last page and two on each side of
    the current one, an ellipsis (``Paginator.ELLIPSIS``) for each gap — without walking every page
    of a long list (800 pages for 20,000 records: the loop over ``page_range`` cost more than the rows)."""
    return page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)  # type: ignore[no-any-return]
