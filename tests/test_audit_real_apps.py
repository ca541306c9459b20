"""The route auditor on real apps from PyPI: Flask-Admin, FastAPI, Django's admin with auth
and Django REST framework, and Wagtail. Each is audited without a crash and its findings are
the ones recorded in docs/auditing.md.

The packages are in the ``audit-apps`` extra (part of ``dev``). Without them the tests skip,
unless ``CI`` is set: there a missing package is a failure, not a silent skip.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from safename import audit

ROOT = Path(__file__).resolve().parent.parent


def need(*modules: str) -> None:
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} not installed: pip install -e '.[audit-apps]'"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def statuses(findings: list[dict[str, str]]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"slow": set(), "unchecked": set(), "ok": set()}
    for finding in findings:
        found[finding["status"]].add(finding["route"])
    return found


def test_flask_admin() -> None:
    need("flask_admin")
    from flask import Flask
    from flask_admin import Admin, BaseView, expose  # type: ignore[import-untyped,unused-ignore]

    class Reports(BaseView):  # type: ignore[misc]
        @expose("/")  # type: ignore[untyped-decorator]
        def index(self) -> str:
            return "reports"

        @expose("/<int:year>/<slug>")  # type: ignore[untyped-decorator]
        def report(self, year: int, slug: str) -> str:
            return slug

    app = Flask("flask_admin_app")
    admin = Admin(app, name="audited")
    admin.add_view(Reports(name="Reports", endpoint="reports"))
    found = statuses([finding.to_json() for finding in audit.audit(app)])
    assert found["slow"] == set()
    assert found["unchecked"] == set()
    assert {"/admin/", "/admin/reports/<int:year>/<slug>"} <= found["ok"]


def test_fastapi() -> None:
    need("fastapi")
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/items/{item_id}")
    def item(item_id: int) -> int:
        return item_id

    @app.get("/files/{name}.{ext}")
    def file(name: str, ext: str) -> str:
        return name + ext

    @app.get("/static/{rest:path}")
    def static(rest: str) -> str:
        return rest

    found = statuses([finding.to_json() for finding in audit.audit(app)])
    # "{name}.{ext}": both take "a." repeated and the "." between them.
    assert found["slow"] == {"/files/{name}.{ext}"}
    assert {"/items/{item_id}", "/static/{rest:path}", "/docs"} <= found["ok"]


DJANGO_BASE = """
SECRET_KEY = "audit"
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "audited_urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
MIGRATION_MODULES = {}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages",
"""
DRF_SETTINGS = DJANGO_BASE + '"rest_framework"]\n'
DRF_URLS = """
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import include, path
from rest_framework import routers, serializers, viewsets

class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username"]

class UserViewSet(viewsets.ModelViewSet):
    queryset = User.objects.all()
    serializer_class = UserSerializer

router = routers.DefaultRouter()
router.register("users", UserViewSet)
urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include(router.urls)),
    path("api-auth/", include("rest_framework.urls")),
]
"""
WAGTAIL_SETTINGS = (
    DJANGO_BASE
    + """
    "wagtail.contrib.forms", "wagtail.contrib.redirects", "wagtail.sites", "wagtail.users",
    "wagtail.snippets", "wagtail.documents", "wagtail.images", "wagtail.search",
    "wagtail.admin", "wagtail", "modelcluster", "taggit",
]
WAGTAIL_SITE_NAME = "audited"
WAGTAILADMIN_BASE_URL = "http://localhost"
STATIC_URL = "/static/"
"""
)
WAGTAIL_URLS = """
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include(wagtail_urls)),
]
"""


def audit_django(tmp_path: Path, settings: str, urls: str) -> dict[str, set[str]]:
    """The command from the project's root, in a process of its own (Django's settings are
    global)."""
    (tmp_path / "audited_settings.py").write_text(settings)
    (tmp_path / "audited_urls.py").write_text(textwrap.dedent(urls))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "safename",
            "audit-routes",
            "--json",
            "--django",
            "audited_settings",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert done.returncode in (0, 1), done.stderr
    found = statuses(json.loads(done.stdout))
    print({key: len(value) for key, value in found.items()})
    assert done.returncode == (1 if found["slow"] else 0)
    return found


@pytest.mark.slow
def test_django_admin_auth_and_rest_framework(tmp_path: Path) -> None:
    need("django", "rest_framework")
    found = audit_django(tmp_path, DRF_SETTINGS, DRF_URLS)
    assert found["slow"] == {"/admin/r/<path:content_type_id>/<path:object_id>/"}
    # DRF's router and the admin's app list are re_path routes: listed, not claimed safe.
    assert "/api/^users/$" in found["unchecked"]
    assert "/accounts/reset/<uidb64>/<token>/" in found["ok"]


@pytest.mark.slow
def test_wagtail(tmp_path: Path) -> None:
    need("django", "wagtail")
    found = audit_django(tmp_path, WAGTAIL_SETTINGS, WAGTAIL_URLS)
    assert found["slow"] == set()
    # Wagtail's page server and its admin's catch-all are re_path routes.
    assert {"/^((?:[\\w\\-]+/)*)$", "/cms/^.*/$"} <= found["unchecked"]
    assert "/cms/pages/<int:page_id>/edit/" in found["ok"]
