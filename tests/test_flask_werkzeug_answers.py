"""A Flask app with ``SafeName(app)`` answers as plain Flask does, with the same rules.

The differential properties here build the same random rules (every converter, with
arguments, methods, strict slashes and ``defaults`` of every converter, fitting or not)
into a plain Flask app and into one with ``SafeName(app)``, and compare what each answers
to random paths and methods: whether the rule can be added at all, then the status code,
``Location``, ``Allow`` and the body, exactly.

Where safename refuses a value that Werkzeug's converter reads (a dot segment in a
``path``, an infinite float), the answer is the one Werkzeug gives when its own
converter refuses a value. The reference app is therefore plain Flask whose converters
refuse those same values: everything else is Werkzeug's, order of 404, 405 and 308
answers and ``Allow`` header included.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.routing import BaseConverter, ValidationError
from werkzeug.routing import converters as werkzeug_converters
from werkzeug.test import TestResponse

from safename.errors import ConversionError
from safename.flask import SafeName
from safename.routing.converters import DEFAULT_CONVERTERS

UPPER_UUID = "12345678-1234-5678-1234-56781234567A"
LOWER_UUID = UPPER_UUID.lower()

#: A variable of each converter, with arguments: (rule text, default values to draw from).
VARIABLES: list[tuple[str, list[Any]]] = [
    ("<{}>", ["a", "..", "a b", 42]),
    ("<string(length=2):{}>", ["ab", "a", ".."]),
    ("<int:{}>", [0, 7, -1]),
    ("<int(min=2):{}>", [1, 2, 5]),
    ("<int(signed=True):{}>", [-3, 0, 4]),
    ("<int(fixed_digits=3):{}>", [7, 1234]),
    ("<float:{}>", [9.9, -1.5, 1e-07, 0.0]),
    ("<float(signed=True, max=10):{}>", [-0.0, 20.0, 2.5]),
    ("<path:{}>", ["a/b", "a//b", "../x"]),
    ("<any(a, b):{}>", ["a", "c"]),
    ("<uuid:{}>", [uuid.UUID(LOWER_UUID), LOWER_UUID]),
]
STATIC = ["a", "b", ""]
SEGMENTS = [
    "a",
    "b",
    "ab",
    "1",
    "007",
    "-1",
    "-0",
    "5",
    "9.90",
    "9.9",
    "-0.0",
    "20.0",
    "\u0663",
    ".",
    "..",
    "",
    "a-b",
    "a b",
    LOWER_UUID,
    UPPER_UUID,
]
METHODS = [None, ["GET"], ["POST"], ["GET", "PUT"]]


def werkzeug_class(name: str) -> type[BaseConverter]:
    return werkzeug_converters.DEFAULT_CONVERTERS[name]


def refusing(name: str) -> type[BaseConverter]:
    """Werkzeug's converter *name*, refusing the values safename's converter would not write."""
    base = werkzeug_class(name)

    class Refusing(base):  # type: ignore[valid-type,misc]
        def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
            super().__init__(map, *args, **kwargs)
            self.safename = DEFAULT_CONVERTERS[name](*args, **kwargs)

        def to_python(self, value: str) -> Any:
            if not value.isascii() and name in ("int", "float"):
                raise ValidationError  # only ASCII digits are digits, as in Werkzeug 3.2
            read = super().to_python(value)
            try:
                self.safename.to_url(read)
            except ConversionError:
                raise ValidationError from None
            return read

    return Refusing


def view(endpoint: str) -> Callable[..., str]:
    def answer(**values: Any) -> str:
        return f"{endpoint} {sorted(values.items())!r}"

    return answer


Rules = list[tuple[str, str, dict[str, Any] | None, list[str] | None, bool]]


@st.composite
def rule_sets(draw: st.DrawFn) -> Rules:
    """A few rules: static and variable segments, methods, strict slashes, defaults."""
    rules: Rules = []
    for number in range(draw(st.integers(1, 4))):
        parts: list[str] = []
        defaults: dict[str, Any] = {}
        for index in range(draw(st.integers(1, 3))):
            if draw(st.booleans()):
                parts.append(draw(st.sampled_from(STATIC)))
                continue
            text, values = draw(st.sampled_from(VARIABLES))
            name = f"v{number}_{index}"
            parts.append(text.format(name))
            if draw(st.integers(0, 3)) == 0:
                defaults[name] = draw(st.sampled_from(values))
        endpoint = f"e{draw(st.integers(0, 2))}"
        methods = draw(st.sampled_from(METHODS))
        strict = draw(st.booleans())
        rules.append(("/" + "/".join(parts), endpoint, defaults or None, methods, strict))
    return rules


def make_app(rules: Rules, kind: str) -> tuple[Flask, list[str | None]]:
    """An app with *rules*: ``plain`` Flask, ``reference`` (refusing) or ``safename``.

    Also what adding each rule raised, by type name (``None``: added).
    """
    app = Flask(f"answers_{kind}")
    if kind == "safename":
        SafeName(app)
    elif kind == "reference":
        for name in ("default", "string", "int", "float", "path", "any", "uuid"):
            app.url_map.converters[name] = refusing(name)
    added: list[str | None] = []
    views: dict[str, Callable[..., str]] = {}
    for rule, endpoint, defaults, methods, strict in rules:
        function = views.setdefault(endpoint, view(endpoint))
        try:
            app.add_url_rule(
                rule, endpoint, function, defaults=defaults, methods=methods, strict_slashes=strict
            )
        except Exception as error:  # what each app raises is the comparison
            added.append(type(error).__name__)
        else:
            added.append(None)
    return app, added


def request(client: FlaskClient, path: str, method: str) -> TestResponse:
    """*path* as the server hands it over (WSGI's ``PATH_INFO``), untouched by URL parsing."""
    wsgi_path = path.encode("utf-8").decode("latin-1")
    return client.open("/", method=method, environ_overrides={"PATH_INFO": wsgi_path})


def answer(response: TestResponse) -> tuple[int, str | None, str | None, str | None]:
    body = response.text if response.status_code == 200 else None
    return (
        response.status_code,
        response.headers.get("Location"),
        response.headers.get("Allow"),
        body,
    )


paths = st.lists(st.sampled_from(SEGMENTS), max_size=4).map(lambda parts: "/" + "/".join(parts))


@given(
    rule_sets(),
    st.lists(st.tuples(paths, st.sampled_from(["GET", "POST", "PUT", "HEAD"])), max_size=8),
)
def test_a_safename_app_gives_werkzeugs_answer_to_every_request(
    rules: Rules, requests: list[tuple[str, str]]
) -> None:
    plain, plain_added = make_app(rules, "plain")
    reference, reference_added = make_app(rules, "reference")
    safename, safename_added = make_app(rules, "safename")
    assert safename_added == plain_added == reference_added
    clients = [app.test_client() for app in (plain, reference, safename)]
    for path, method in requests:
        plain_answer, expected, got = (answer(request(c, path, method)) for c in clients)
        assert got == expected, (path, method)
        if expected != plain_answer:  # a value safename refuses: only a 200 can change
            assert plain_answer[0] == 200


@given(rule_sets())
def test_url_for_with_only_the_defaults_builds_werkzeugs_url(rules: Rules) -> None:
    plain, _ = make_app(rules, "plain")
    safename, _ = make_app(rules, "safename")
    for endpoint in sorted({rule[1] for rule in rules}):
        built = []
        for app in (plain, safename):
            with app.test_request_context():
                try:
                    built.append(url_for(endpoint))
                except Exception as error:  # compared between the two apps
                    built.append(type(error).__name__)
        assert built[1] == built[0]


# Regression cases, each of which failed before safename's converters matched as Werkzeug's.
def test_a_default_the_converter_refuses_still_adds_the_rule_as_in_plain_flask() -> None:
    rules: Rules = [("/page/<int(min=2):n>", "page", {"n": 1}, None, True)]
    for kind in ("plain", "safename"):
        app, added = make_app(rules, kind)
        assert added == [None]
        client = app.test_client()
        # Werkzeug writes the default as it is, and refuses it when it comes back.
        with app.test_request_context():
            assert url_for("page") == "/page/1"
        assert client.get("/page/1").status_code == 404
        assert client.get("/page/5").text == "page [('n', 1)]"  # the default wins, as in Werkzeug


def test_url_for_stays_strict_for_values_the_converter_refuses() -> None:
    app, _ = make_app([("/page/<int(min=2):n>", "page", None, None, True)], "safename")
    with app.test_request_context(), pytest.raises(ConversionError, match="cannot build a URL"):
        url_for("page", n=1)


@pytest.mark.parametrize(
    ("rule", "path", "value"),
    [
        ("/prices/<float:p>", "/prices/9.90", 9.9),
        ("/prices/<float:p>", "/prices/09.9", 9.9),
        ("/page/<int:p>", "/page/007", 7),
        ("/page/<int(signed=True):p>", "/page/-0", 0),
        ("/item/<uuid:p>", f"/item/{UPPER_UUID}", uuid.UUID(LOWER_UUID)),
    ],
)
def test_a_number_in_another_form_is_read_as_werkzeug_reads_it(
    rule: str, path: str, value: object
) -> None:
    for kind in ("plain", "safename"):
        app, _ = make_app([(rule, "e", None, None, True)], kind)
        assert app.test_client().get(path).text == f"e {[('p', value)]!r}"


@pytest.mark.parametrize(
    ("rules", "path", "method"),
    [
        # Werkzeug's int regex takes 007 and the method decides: 405, not 404.
        ([("/p/<int:x>", "e0", None, ["POST"], True)], "/p/007", "GET"),
        # ... and the first rule takes the path, where a stricter regex passed it on.
        (
            [("/p/<int:x>", "e0", None, None, True), ("/p/<y>", "e1", None, None, True)],
            "/p/007",
            "GET",
        ),
        # A path with an empty segment: Werkzeug's path regex takes it, no slash-merging redirect.
        ([("/f/<path:x>", "e0", None, ["POST"], True)], "/f/a//b", "GET"),
    ],
)
def test_the_rule_werkzeug_reaches_decides_the_status(rules: Rules, path: str, method: str) -> None:
    answers = [
        answer(request(make_app(rules, kind)[0].test_client(), path, method))
        for kind in ("reference", "safename")
    ]
    assert answers[1] == answers[0]


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("int", {}),
        ("int", {"signed": True}),
        ("float", {}),
        ("float", {"signed": True}),
        ("uuid", {}),
    ],
)
@given(
    value=st.integers()
    | st.floats()
    | st.uuids()
    | st.booleans()
    | st.sampled_from([None, "5", -0.0, 0.0, 1e-07, 1e22])
)
def test_the_short_to_url_writes_what_the_converter_writes(
    name: str, arguments: dict[str, Any], value: object
) -> None:
    app = Flask("writers")
    SafeName(app)
    wrapped = app.url_map.converters[name](app.url_map, **arguments)
    try:
        expected = DEFAULT_CONVERTERS[name](**arguments).to_url(value)
    except ConversionError:
        with pytest.raises(ConversionError, match="cannot build a URL"):
            wrapped.to_url(value)
    else:
        assert wrapped.to_url(value) == expected
