"""The route auditor: known answers for Flask, Starlette/FastAPI and Django, each one measured."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from safename import audit
from safename.audit import SUPERLINEAR_GROWTH, RouteFinding, SlowRouteError
from safename.audit._check import Counter
from safename.audit._count import STEP_BUDGET, count
from safename.cli import main
from safename.flask import SafeName

ROOT = Path(__file__).resolve().parent.parent

#: Rules and whether one URL can make werkzeug's matcher take superlinear time on them.
FLASK_RULES = [
    ("/d/<a>-<b>-<c>-<d>.txt", True),
    ("/p/<path:a>/<path:b>/x", True),  # the case regex-based ReDoS finders miss
    ("/i/<int:a><b>-<c>", True),
    ("/user/<int:user_id>", False),
    ("/<lang>/<page>", False),  # two variables, but "/" between them neither takes
    ("/f/<a>-<b>", False),  # nothing after the last variable: one split always works
    ("/files/<path:name>", False),
    ("/v/<int:a>-<int:b>.txt", False),  # "-" is not a digit
]


def flask_app(rules: list[str]) -> Flask:
    app = Flask("audited")
    for rule in rules:
        app.add_url_rule(rule, rule, lambda **values: "x")
    return app


def by_route(findings: list[RouteFinding]) -> dict[str, RouteFinding]:
    return {finding.route: finding for finding in findings}


def recounted_growth(finding: RouteFinding, counter: Counter) -> float:
    """Count the witness again at its two lengths: the finding's own claim, checked."""
    assert finding.witness is not None
    shorter, longer = finding.witness.shorter_path, finding.witness.path
    steps = [counter(path) for path in (shorter, longer)]
    return (steps[1] or STEP_BUDGET + 1) / max(steps[0] or 1, 1)


def regex_counter(regex: str, prefix: str = "") -> Counter:
    return lambda path: count(regex, path.removeprefix(prefix))[1]


@pytest.mark.slow
def test_flask_known_answers_and_each_finding_is_confirmed_by_its_growth() -> None:
    app = flask_app([rule for rule, _ in FLASK_RULES])
    findings = by_route(audit.audit(app))
    for rule, slow in FLASK_RULES:
        finding = findings[rule]
        assert finding.superlinear is slow, rule
        assert finding.status == ("slow" if slow else "ok"), rule
        if slow:
            assert finding.witness is not None
            assert finding.witness.step_growth >= SUPERLINEAR_GROWTH
            assert finding.safename_fixes is True
            assert finding.exposed


def test_a_route_with_no_candidate_is_not_measured() -> None:
    [finding] = [
        f for f in audit.audit(flask_app(["/user/<int:user_id>"])) if f.endpoint != "static"
    ]
    assert finding.witness is None
    assert finding.status == "ok"
    view_line = flask_app.__code__.co_firstlineno + 3  # the lambda in flask_app
    assert finding.location.endswith(f"{Path(__file__).name}:{view_line}")


def test_an_app_with_safenames_matcher_is_protected() -> None:
    app = Flask("protected")
    SafeName(app)
    app.add_url_rule("/d/<a>-<b>-<c>.txt", "d", lambda **values: "x")
    [finding] = [f for f in audit.audit(app) if f.endpoint == "d"]
    assert finding.superlinear
    assert finding.protected
    assert not finding.exposed


def starlette_app() -> Starlette:
    def answer(request: object) -> PlainTextResponse:
        return PlainTextResponse("x")

    return Starlette(
        routes=[
            Route("/user/{user_id:int}", answer),
            Route("/d/{a}-{b}.txt", answer),
            Route("/{a}/{b}", answer),
            Mount("/api", routes=[Route("/p/{a:path}/{b:path}/x", answer)]),
        ]
    )


@pytest.mark.slow
def test_starlette_known_answers_and_each_finding_is_confirmed_by_its_growth() -> None:
    app = starlette_app()
    findings = by_route(audit.audit(app))
    assert {route for route, finding in findings.items() if finding.superlinear} == {
        "/d/{a}-{b}.txt",
        "/api/p/{a:path}/{b:path}/x",
    }
    dashed, mount = app.routes[1], app.routes[3]
    two_paths = mount.routes[0]  # type: ignore[attr-defined]
    counters: dict[str, Counter] = {
        "/d/{a}-{b}.txt": regex_counter(dashed.path_regex.pattern),  # type: ignore[attr-defined]
        "/api/p/{a:path}/{b:path}/x": regex_counter(two_paths.path_regex.pattern, "/api"),
    }
    for route, counter in counters.items():
        finding = findings[route]
        # Recounted outside the audit, straight on Starlette's compiled pattern text.
        assert recounted_growth(finding, counter) >= SUPERLINEAR_GROWTH
        assert finding.safename_fixes is None
        assert "safename.Router" in finding.advice


@pytest.mark.slow
def test_fastapi_and_django_examples_flag_the_two_slow_routes() -> None:
    from examples.audit import fastapi_app

    fastapi = {f.route for f in audit.audit(fastapi_app.app) if f.superlinear}
    assert fastapi == {"/d/{a}-{b}.txt", "/p/{a:path}/{b:path}/x"}
    # Django's settings are global: its audit runs in a process of its own, through the command.
    command = [sys.executable, "-m", "safename", "audit-routes", "--json"]
    done = subprocess.run(
        [*command, "--django", "examples.audit.django_settings"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 1, done.stderr
    django_found = {item["route"] for item in json.loads(done.stdout) if item["superlinear"]}
    assert django_found == {"/d/<str:a>-<str:b>.txt", "/p/<path:a>/<path:b>/x"}


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        (["audit-routes", "examples.audit.flask_app:create_app"], 0),
        (["audit-routes", "examples.audit.nothing_here:app"], 2),
        (["audit-routes", "no-colon"], 2),
        (["audit-routes"], 2),
        (["audit-routes", "json:loads"], 2),  # callable, but not an app
    ],
)
def test_audit_routes_exit_statuses(argv: list[str], status: int) -> None:
    try:
        result = main(argv)
    except SystemExit as exit_:
        result = int(exit_.code or 0)
    assert result == status


@pytest.mark.slow
def test_audit_routes_json_lists_a_finding_with_its_witness(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["audit-routes", "--json", "examples.audit.flask_app:app"]) == 1
    findings = json.loads(capsys.readouterr().out)
    slow = {item["route"]: item for item in findings if item["superlinear"]}
    assert set(slow) == {"/d/<a>-<b>-<c>-<d>.txt", "/p/<path:a>/<path:b>/x"}
    assert all(item["status"] == "slow" for item in slow.values())
    for item in slow.values():
        fewer, more = item["witness"]["steps"]
        assert more >= SUPERLINEAR_GROWTH * fewer


def test_safename_with_werkzeugs_matcher_warns_or_raises_as_rules_are_added(
    caplog: pytest.LogCaptureFixture,
) -> None:
    warned = Flask("warned")
    warned.config["SAFENAME_MATCHER"] = False
    SafeName(warned)
    with caplog.at_level(logging.WARNING, logger="safename.flask"):
        warned.add_url_rule("/d/<a>-<b>-<c>-<d>.txt", "d", lambda **values: "x")
        warned.add_url_rule("/user/<int:user_id>", "user", lambda **values: "x")
    assert "/d/<a>-<b>-<c>-<d>.txt" in caplog.text
    assert "/user/" not in caplog.text
    raising = Flask("raising")
    raising.config.update(SAFENAME_MATCHER=False, SAFENAME_AUDIT="raise")
    SafeName(raising)
    with pytest.raises(SlowRouteError) as raised:
        raising.add_url_rule("/d/<a>-<b>-<c>-<d>.txt", "d", lambda **values: "x")
    assert raised.value.finding.witness is not None
    # Refused before it was added: the map holds no half-added rule.
    assert [rule.rule for rule in raising.url_map.iter_rules()] == ["/static/<path:filename>"]
    assert raising.test_client().get("/d/1-2-3-4.txt").status_code == 404


def test_an_unknown_audit_mode_is_refused() -> None:
    app = Flask("bad")
    app.config.update(SAFENAME_MATCHER=False, SAFENAME_AUDIT="loud")
    with pytest.raises(ValueError, match="SAFENAME_AUDIT must be one of"):
        SafeName(app)
