"""The route auditor's verdicts: never a crash, never ``ok`` for what it cannot model, the
same on every run, and its exit statuses and SARIF output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.routing import BaseConverter

from safename import audit
from safename.audit._count import count
from safename.cli import main

ROOT = Path(__file__).resolve().parent.parent


class SlugConverter(BaseConverter):
    """A converter whose regex takes seconds at 26 characters in werkzeug."""

    regex = r"(?:[a-z0-9]+-?)+(?<=[a-z0-9])"


class NestedConverter(BaseConverter):
    """No look-around this time: a repeat of a repeat with nothing between the turns."""

    regex = r"(?:[a-z]+\.?)+"


def test_a_catastrophic_custom_converter_is_unchecked_not_ok() -> None:
    app = Flask("custom")
    app.url_map.converters.update(slug=SlugConverter, nested=NestedConverter)
    app.add_url_rule("/post/<slug:name>", "post")
    app.add_url_rule("/tag/<nested:name>", "tag")
    found = {f.endpoint: f for f in audit.audit(app)}
    for endpoint in ("post", "tag"):
        assert found[endpoint].status == "unchecked", found[endpoint]
        assert "converter regex" in found[endpoint].reason
        assert not found[endpoint].superlinear


DJANGO_SETTINGS = """
SECRET_KEY = "audit"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "mysite_urls"
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
"""
DJANGO_URLS = """
from django.contrib import admin
from django.http import HttpResponse
from django.urls import path, re_path

def view(request, **kwargs):
    return HttpResponse("x")

urlpatterns = [
    path("admin/", admin.site.urls),
    re_path(r"^archive/(?P<year>[0-9]{4})/$", view, name="archive"),
    path("user/<int:user_id>", view, name="user"),
]
"""


def run_audit(cwd: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own (Django's settings are global), from *cwd*.

    ``-P``: the current directory is not put on ``sys.path`` by Python, as with the
    installed ``safename`` script; the command must do it itself.
    """
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-P", "-m", "safename", "audit-routes", *arguments],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=environment,
    )


@pytest.mark.slow
def test_django_admin_with_a_named_re_path_is_audited_from_the_projects_root(
    tmp_path: Path,
) -> None:
    (tmp_path / "mysite_settings.py").write_text(DJANGO_SETTINGS)
    (tmp_path / "mysite_urls.py").write_text(textwrap.dedent(DJANGO_URLS))
    # From the project's root, as `manage.py` would run: the settings are found there.
    done = run_audit(tmp_path, "--json", "--django", "mysite_settings")
    assert done.returncode == 1, done.stderr
    found = {item["route"]: item for item in json.loads(done.stdout)}
    assert found["/^archive/(?P<year>[0-9]{4})/$"]["status"] == "unchecked"
    # The finding the crash used to hide: two path converters in Django's own admin.
    admin = found["/admin/r/<path:content_type_id>/<path:object_id>/"]
    assert admin["status"] == "slow", admin
    assert found["/user/<int:user_id>"]["status"] == "ok"


def test_a_django_settings_module_that_does_not_load_is_exit_status_2(tmp_path: Path) -> None:
    done = run_audit(tmp_path, "--django", "no_such_settings_module")
    assert done.returncode == 2
    assert "cannot load Django" in done.stderr
    assert "Traceback" not in done.stderr


def flask_app() -> Flask:
    app = Flask("repeated")
    app.url_map.converters["slug"] = SlugConverter
    for rule in ("/d/<a>-<b>-<c>.txt", "/p/<path:a>/<path:b>/x", "/u/<int:a>", "/s/<slug:x>"):
        app.add_url_rule(rule, rule, view)
    return app


def view(**values: str) -> str:
    return "x"


def verdicts(findings: list[audit.RouteFinding]) -> list[tuple[Any, ...]]:
    return [
        (f.route, f.status, f.candidate, f.reason, f.witness and f.witness.steps) for f in findings
    ]


def test_five_runs_of_the_same_audit_give_identical_verdicts() -> None:
    runs = [verdicts(audit.audit(flask_app())) for _ in range(5)]
    assert all(run == runs[0] for run in runs)
    assert [status for _, status, *_ in runs[0]] == ["ok", "slow", "slow", "ok", "unchecked"]


@pytest.mark.parametrize(
    ("arguments", "status"),
    [
        ([], 1),  # a slow route
        (["--strict"], 1),
        (["--format", "sarif"], 1),
    ],
)
def test_exit_status_is_one_for_a_slow_route(arguments: list[str], status: int) -> None:
    assert main(["audit-routes", *arguments, "examples.audit.flask_app:app"]) == status


def test_unchecked_routes_count_as_findings_only_with_strict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = "tests.test_audit_verdicts:unchecked_only_app"
    assert main(["audit-routes", target]) == 0
    assert "1 unchecked" in capsys.readouterr().out
    assert main(["audit-routes", "--strict", target]) == 1


def unchecked_only_app() -> Flask:
    app = Flask("unchecked")
    app.url_map.converters["slug"] = SlugConverter
    app.add_url_rule("/s/<slug:x>", "s")
    return app


def failing_factory() -> Flask:
    raise RuntimeError("the app's own code failed")


def test_a_target_whose_code_raises_is_exit_status_2() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["audit-routes", "tests.test_audit_verdicts:failing_factory"])
    assert exited.value.code == 2


def test_sarif_output_has_the_shape_code_scanning_reads(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["audit-routes", "--format", "sarif", "tests.test_audit_verdicts:flask_app"])
    log = json.loads(capsys.readouterr().out)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"]
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == ["slow-route", "unchecked-route"]
    results = run["results"]
    assert sorted(r["ruleId"] for r in results) == ["slow-route", "slow-route", "unchecked-route"]
    for result in results:
        assert result["level"] in {"error", "warning", "note"}
        assert result["message"]["text"]
        assert result["ruleId"] == rule_ids[result["ruleIndex"]]
        [location] = result["locations"]
        physical = location["physicalLocation"]
        assert not physical["artifactLocation"]["uri"].startswith("/")  # relative to the repo
        assert physical["region"]["startLine"] >= 1


#: Regexes the counting engine models, each with ``re``'s own answer to compare against.
MODELLED = [
    r"[^/]+-[^/]+\Z",
    r"^/p/(?P<a>.*)/(?P<b>.*)/x$",
    r"[0-9]+(\.[0-9]+)?\Z",
    r"(?:a|ab|b)*?c",
    r"[^/]+(?:/[^/]+)*?\Z(?<!/)(/?)",
    r"\d{2,3}-\w+$",
    r"a{0,3}b",
]


@given(regex=st.sampled_from(MODELLED), text=st.text(alphabet="ab1-/.cx9\n", max_size=12))
def test_the_counting_engine_matches_exactly_where_re_does(regex: str, text: str) -> None:
    matched, steps, end = count(regex, text)
    expected = re.match(regex, text)
    assert matched is (expected is not None)
    assert end == (expected.end() if expected else -1)
    assert steps >= 1
    full = count(regex, text, full=True)[0]
    assert full is (re.fullmatch(regex, text) is not None)
