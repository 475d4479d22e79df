from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from kssp.accounts.actor import actor_from_request


class ActorMiddleware:
    """Attach ``request.actor`` (lazily) for page views. The API builds its own from the token."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = SimpleLazyObject(lambda: actor_from_request(request))  # type: ignore[attr-defined]
        return self.get_response(request)
