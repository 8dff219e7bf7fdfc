"""Tests of rpm_pyconfig.runtime: the version format, checks, derivations, PEP 508 view, record."""

from __future__ import annotations

import pytest
from packaging.version import Version

from rpm_pyconfig.condition import VARIABLES, Condition
from rpm_pyconfig.dependencies import marker_environment
from rpm_pyconfig.errors import ConfigError
from rpm_pyconfig.expression import Expression
from rpm_pyconfig.registry import Registry
from rpm_pyconfig.runtime import (
    FIELDS,
    MARKER_VARIABLES,
    Field,
    Runtime,
    marker_values,
    parse_version,
    validate_raw,
)

REQUIRED = {
    "implementation": "cpython",
    "version": "3.11.2",
    "interpreter": "/usr/bin/python3.11",
    "package_prefix": "python3",
    "purelib": "/usr/lib/python3/dist-packages",
    "platlib": "/usr/lib/python3/dist-packages",
    "soabi": "cpython-311-x86_64-linux-gnu",
    "ext_suffix": ".cpython-311-x86_64-linux-gnu.so",
    "cache_tag": "cpython-311",
}


def make(**changes: object) -> Runtime:
    values: dict[str, object] = {"name": "python3.11", **REQUIRED, **changes}
    return Runtime(**values)  # type: ignore[arg-type]  # origin may be among them


# -- the version format --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("3.11", ((3, 11), None)),
        ("3.11.2", ((3, 11, 2), None)),
        ("3.13.0rc1", ((3, 13, 0), (2, 1))),
        ("3.14a7", ((3, 14), (0, 7))),
        ("3.14.0b2", ((3, 14, 0), (1, 2))),
        ("03.011", ((3, 11), None)),  # leading zeros: what the registry always took
    ],
)
def test_a_runtime_version(text: str, parsed: object) -> None:
    assert parse_version(text) == parsed
    assert parse_version(text, pep440=True) == parsed


@pytest.mark.parametrize(
    "text",
    ["3", "3.11.2.1", "3.13t", "3.x", "3.13.0rc", "3.11RC1", "v3.11", " 3.11", "3.11alpha1",
     "3.11-rc1", "3.11c1", "", "3.", ".3", "3..1", "\uff13.\uff11\uff11"],
)
def test_not_a_runtime_version(text: str) -> None:
    assert parse_version(text) is None


@pytest.mark.parametrize(
    "text",
    ["3", "3.11.2.1", "3.13.0rc", "3.11RC1", "v3.11", " 3.11 ", "3.11alpha1", "3.11-rc.1",
     "3.11c1", "3.11.0-beta.1", "3.11preview2", "3.11pre2", "V3.11"],
)
def test_pep440_spellings_compare_as_packaging_normalises_them(text: str) -> None:
    """What ``--where`` takes on the other side of a comparison (the old condition regex)."""
    parsed = parse_version(text, pep440=True)
    assert parsed is not None
    release, pre = parsed
    expected = Version(text)
    assert release == expected.release
    pre_rank = {"a": 0, "b": 1, "rc": 2}
    assert pre == (None if expected.pre is None else (pre_rank[expected.pre[0]], expected.pre[1]))


@pytest.mark.parametrize("text", ["3.13t", "3.x", "", "v", "3.11.", "3.11.*", "3.11+local"])
def test_not_a_version_even_for_pep440(text: str) -> None:
    assert parse_version(text, pep440=True) is None


# -- checks --------------------------------------------------------------------------------


def test_runtime_refuses_wrong_types_and_a_bad_version_listing_every_problem() -> None:
    with pytest.raises(ConfigError) as info:
        make(debug="no", version="3.x", priority=True, origin="test.conf")
    assert [str(problem) for problem in info.value.problems] == [
        "test.conf [runtime] version: must be a version like 3.11 or 3.11.2, optionally "
        "followed by a pre-release like rc1, got '3.x'",
        "test.conf [runtime] debug: must be a bool, got 'no'",
        "test.conf [runtime] priority: must be an int, got True",
    ]


def test_runtime_requires_the_required_keys_and_knows_its_keys() -> None:
    with pytest.raises(ConfigError) as info:
        Runtime(name="x", implementation="cpython")
    assert [str(problem) for problem in info.value.problems][:2] == [
        "runtime 'x' [runtime] version: is required",
        "runtime 'x' [runtime] interpreter: is required",
    ]
    with pytest.raises(TypeError, match="unexpected keyword arguments: colour"):
        make(colour="red")


def test_validate_raw_collects_every_problem_in_order() -> None:
    raw = {
        **REQUIRED,
        "debug": "maybe",
        "sitelib": "/x",
        "priority": "high",
        "version": "3.x",
    }
    del raw["soabi"]
    values, problems = validate_raw(raw)
    assert problems == [
        ("version", "must be a version like 3.11 or 3.11.2, optionally followed by a "
                    "pre-release like rc1, got '3.x'"),
        ("debug", "must be true or false (or yes/no, on/off, 1/0), got 'maybe'"),
        ("sitelib", "unknown key 'sitelib', did you mean 'purelib'?"),
        ("priority", "must be a decimal integer, got 'high'"),
        (None, "missing required key in [runtime]: soabi"),
    ]
    assert values["interpreter"] == "/usr/bin/python3.11"
    assert "debug" not in values


def test_validate_raw_converts_every_kind() -> None:
    values, problems = validate_raw(
        {**REQUIRED, "debug": "Yes", "free_threaded": "off", "priority": "-3", "abiflags": ""}
    )
    assert problems == []
    assert (values["debug"], values["free_threaded"], values["priority"]) == (True, False, -3)
    assert values["abiflags"] == ""


def test_every_field_kind_is_checked() -> None:
    kinds = {field.kind for field in FIELDS}
    assert kinds == {
        "rpmname",
        "identifier",
        "version",
        "path",
        "word",
        "flags",
        "bool",
        "int",
        "text",
        "shebang",
        "dependency",
    }


# -- defaults and derivations --------------------------------------------------------------


def test_absent_keys_take_defaults_and_derivations() -> None:
    plain = make()
    assert (plain.abiflags, plain.debug, plain.free_threaded, plain.default) == ("", False,
                                                                                 False, False)
    assert plain.priority == 50
    assert plain.abi_requires == "python(abi) = 3.11"
    assert (plain.dist_prefix, plain.versioned_dist_prefix) == ("python3", "python3.11")
    assert plain.script_suffix == "-python3.11"
    assert make(default=True).script_suffix == ""
    assert make(debug=True).abi_requires == "/usr/bin/python3.11"
    pypy = make(implementation="pypy", version="3.9.16", interpreter="/usr/bin/pypy3")
    assert (pypy.dist_prefix, pypy.versioned_dist_prefix) == ("pypy3", "pypy3.9")
    assert (pypy.major_version, pypy.minor_version, pypy.micro_version) == ("3", "9", "16")
    assert make(version="3.14").micro_version == "0"


def test_an_empty_script_suffix_is_a_value_an_empty_dist_prefix_derives() -> None:
    assert make(script_suffix="").script_suffix == ""
    assert make(dist_prefix="", abi_requires="").dist_prefix == "python3"
    # None re-derives any derived key, after a change it depends on.
    renamed = make(script_suffix="-x").replace(name="other", script_suffix=None)
    assert renamed.script_suffix == "-other"


def test_every_field_has_one_entry() -> None:
    names = [field.name for field in FIELDS]
    assert len(names) == len(set(names))
    assert all(isinstance(field, Field) and field.doc.endswith((".", "...")) for field in FIELDS)
    assert all(field.derive is None or not field.required for field in FIELDS)
    with pytest.raises(ValueError, match="unknown kind 'colour'"):
        Field("x", "colour", "X.")


# -- the PEP 508 view ----------------------------------------------------------------------


def test_conditions_and_requirement_markers_read_the_same_view(cpython: Runtime) -> None:
    view = marker_values(cpython)
    assert view == {
        "python_version": "3.11",
        "python_full_version": "3.11.2",
        "implementation_name": "cpython",
        "implementation_version": "3.11.2",
        "platform_python_implementation": "CPython",
    }
    assert set(MARKER_VARIABLES) <= set(VARIABLES)
    environment = marker_environment(cpython)
    assert {name: environment[name] for name in view} == view


# -- the record ----------------------------------------------------------------------------


def test_equality_ignores_origin_and_records_are_frozen(cpython: Runtime) -> None:
    moved = cpython.replace(origin="/etc/rpm-pyconfig.d/python3.conf")
    assert moved == cpython and hash(moved) == hash(cpython)
    assert moved.origin != cpython.origin
    assert cpython.replace(priority=1) != cpython
    registry = Registry([cpython])
    records: list[object] = [cpython, registry, Expression("@name"), Condition("debug == 'true'")]
    for record in records:
        with pytest.raises(AttributeError, match="is immutable: cannot set 'source'"):
            record.source = "x"  # type: ignore[attr-defined]
        with pytest.raises(AttributeError, match="is immutable: cannot delete 'x'"):
            del record.x  # type: ignore[attr-defined]
    assert Expression("@name") == Expression("@name") != Expression("@version")
    assert Registry([cpython]) == registry and hash(Registry([cpython])) == hash(registry)
    assert Condition("debug == 'true'") != Expression("debug == 'true'")


def test_provides_prefixes_are_abi_qualified(cpython: Runtime, cpython_debug: Runtime) -> None:
    """What a build's packages provide: the normal build's names as they are, a debug or
    free-threaded build's with its ABI tag (never the normal build's python3dist())."""
    assert (cpython.provides_prefix, cpython.versioned_provides_prefix) == (
        cpython.dist_prefix, cpython.versioned_dist_prefix)
    assert (cpython_debug.provides_prefix, cpython_debug.versioned_provides_prefix) == (
        "python3d", "python3.11d")
    free = cpython.replace(name="python3.13t", free_threaded=True, version="3.13.0",
                           dist_prefix="python3t", versioned_dist_prefix=None)
    assert (free.provides_prefix, free.versioned_provides_prefix) == ("python3t", "python3.13t")
    both = free.replace(debug=True, dist_prefix="python3")
    assert both.provides_prefix == "python3td"


@pytest.mark.parametrize("value", [
    "/", "//", "///", "/usr", "/usr/", "//usr", "/usr//lib", "/usr/./lib", "/.", "/./",
    "/usr/lib/python3.11/site-packages", "/a/b.c/.d/d.", "/usr/lib/", "/...", "/a/../b",
])
def test_a_path_is_normal_exactly_when_normpath_keeps_it(value: str) -> None:
    """runtime._path decides without os.path (the fallback of a spec parse imports no os)
    what it decided with it: a path is accepted exactly when normpath keeps it."""
    import posixpath

    from rpm_pyconfig.runtime import InvalidValueError, _path

    if ".." in value.split("/"):
        expected = False
    else:
        expected = "/" + posixpath.normpath(value).lstrip("/") == value
    try:
        accepted = _path(value) == value
    except InvalidValueError:
        accepted = False
    assert accepted == expected
