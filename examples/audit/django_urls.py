"""A Django URLconf with two routes one URL can slow down, for ``safename audit-routes``.

``safename audit-routes --django examples.audit.django_settings`` flags
``/d/<str:a>-<str:b>.txt`` and ``/p/<path:a>/<path:b>/x``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path


def echo(request: HttpRequest, **values: object) -> HttpResponse:
    """Answer with the values read from the path."""
    return HttpResponse(repr(values))


urlpatterns = [
    path("user/<int:user_id>", echo, name="user"),
    path("d/<str:a>-<str:b>.txt", echo, name="dashed"),
    path("p/<path:a>/<path:b>/x", echo, name="two-paths"),
]
