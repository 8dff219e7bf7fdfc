"""PEP 508 requirements -> RPM dependencies, per runtime."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import Specifier
from packaging.version import Version

from rpm_pyconfig.dependencies import (
    dist_name,
    extras_of,
    marker_environment,
    parse_requirement,
    requirement_dependencies,
    requires_prefix,
    runtime_requires,
    specifier_dependency,
)
from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.runtime import Runtime
from rpm_pyconfig.versions import dependency_version

try:
    import rpm
except ImportError:  # pragma: no cover - depends on the machine
    rpm = None

needs_rpm = pytest.mark.skipif(
    rpm is None, reason="the rpm Python bindings (import rpm) are not installed"
)

FOO = "python3.11dist(foo)"


# -- conversion of specifiers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("requirement", "expected"),
    [
        ("foo", FOO),
        ("foo~=2.4.8", f"({FOO} >= 2.4.8 with {FOO} < 2.5)"),
        ("foo~=2.4", f"({FOO} >= 2.4 with {FOO} < 3)"),
        ("foo~=1!2.4.8", f"({FOO} >= 1:2.4.8 with {FOO} < 1:2.5)"),
        ("foo~=2.2.post3", f"({FOO} >= 2.2^post3 with {FOO} < 3)"),
        ("foo==2.4.*", f"({FOO} >= 2.4 with {FOO} < 2.5)"),
        ("foo==2.0.*", f"({FOO} >= 2 with {FOO} < 2.1)"),
        ("foo!=2.4.*", f"({FOO} < 2.4 or {FOO} >= 2.5)"),
        ("foo!=2.4.8", f"({FOO} < 2.4.8 or {FOO} > 2.4.8)"),
        ("foo<2.4.8", f"{FOO} < 2.4.8~~"),
        ("foo<2.4.8rc1", f"{FOO} < 2.4.8~rc1"),
        ("foo<2.4.8.dev1", f"{FOO} < 2.4.8~~dev1"),
        ("foo<2.4.post1", f"{FOO} < 2.4^post1~~"),
        ("foo<=2.4.8", f"{FOO} <= 2.4.8"),
        ("foo>=2.4.8", f"{FOO} >= 2.4.8"),
        ("foo>=1.0", f"{FOO} >= 1"),
        ("foo>2.4.8", f"{FOO} > 2.4.8.0"),
        ("foo>1.0", f"{FOO} > 1.0"),
        ("foo>1.0rc1", f"{FOO} > 1~rc1.0"),
        ("foo>2.4.8.post1", f"{FOO} > 2.4.8^post1"),
        ("foo>2.4.8.dev1", f"{FOO} > 2.4.8~~dev1"),
        ("foo==1.0", f"{FOO} = 1"),
        ("foo==1.0rc1", f"{FOO} = 1~rc1"),
        ("foo==1.0+local", f"{FOO} = 1"),
        ("foo!=1.0+local", FOO),
        ("foo>=1,!=1.0+local", f"{FOO} >= 1"),
        ("foo===1.0", f"{FOO} = 1"),
        ("foo===foobar", f"{FOO} = foobar"),
        ("foo>=1.0,<2", f"({FOO} >= 1 with {FOO} < 2~~)"),
        ("foo<2,>=1.0", f"({FOO} >= 1 with {FOO} < 2~~)"),
        (
            "foo>=1.0,!=1.5,<2",
            f"({FOO} >= 1 with ({FOO} < 1.5 or {FOO} > 1.5) with {FOO} < 2~~)",
        ),
        ("foo>=1,>=1.0", f"{FOO} >= 1"),
        ("foo @ https://example.org/foo-1.0.tar.gz", FOO),
        ("Foo.Bar_baz>=1", "python3.11dist(foo-bar-baz) >= 1"),
        ("foo[CLI]>=1", "python3.11dist(foo[cli]) >= 1"),
    ],
)
def test_requirement_dependencies(requirement: str, expected: str, cpython: Runtime) -> None:
    assert requirement_dependencies(requirement, cpython) == [expected]


def test_one_dependency_per_extra(cpython: Runtime) -> None:
    assert requirement_dependencies("foo[b,a]>=1", cpython) == [
        "python3.11dist(foo[a]) >= 1",
        "python3.11dist(foo[b]) >= 1",
    ]


def test_names_use_the_runtime_versioned_dist_prefix(pypy: Runtime, cpython: Runtime) -> None:
    assert requirement_dependencies("Foo>=1", pypy) == ["pypy3.9dist(foo) >= 1"]
    assert dist_name("Foo_Bar", cpython) == "python3.11dist(foo-bar)"
    assert dist_name("Foo", pypy, extra="A_B") == "pypy3.9dist(foo[a-b])"
    # what every CPython's packages provide, whatever its version: never required
    assert dist_name("Foo_Bar", cpython, versioned=False) == "python3dist(foo-bar)"


def test_other_versions_of_cpython_require_their_own_names(cpython: Runtime) -> None:
    newer = cpython.replace(version="3.13.1", versioned_dist_prefix="")
    assert requires_prefix(newer) == "python3.13"
    assert runtime_requires(["markupsafe>=2"], newer) == ["python3.13dist(markupsafe) >= 2"]


def test_a_free_threaded_build_requires_its_own_abi(cpython: Runtime) -> None:
    """python3.13t loads only cp313t extension modules, from its own site directory: the
    packages of its ABI provide python3.13tdist (templates/subpackages.j2), so it requires
    that; a free-threaded debug build requires them too (it loads the same modules)."""
    free = cpython.replace(version="3.13.1", free_threaded=True, abiflags="t",
                           versioned_dist_prefix="")
    assert requires_prefix(free) == "python3.13t"
    assert dist_name("Foo", free, extra="x") == "python3.13tdist(foo[x])"
    both = free.replace(debug=True, abiflags="td")
    assert requires_prefix(both) == "python3.13t"
    # a registry that already names the tag gets no second one
    assert requires_prefix(free.replace(versioned_dist_prefix="python3.13t")) == "python3.13t"


def test_a_debug_build_requires_what_the_normal_build_provides(
    cpython: Runtime, cpython_debug: Runtime
) -> None:
    """Since 3.8 a debug build loads the normal build's extension modules, from the same
    site directories here: the normal build's python3.11dist(x) satisfies it."""
    assert requires_prefix(cpython_debug) == requires_prefix(cpython) == "python3.11"
    assert runtime_requires(["foo"], cpython_debug) == runtime_requires(["foo"], cpython)


def test_arbitrary_equality_with_an_impossible_rpm_version() -> None:
    with pytest.raises(MetadataError) as caught:
        specifier_dependency(FOO, "===foo-bar")
    assert str(caught.value) == (
        "cannot express '===foo-bar' as an RPM dependency: 'foo-bar' is not an RPM version"
    )


def test_invalid_requirement_names_the_string(cpython: Runtime) -> None:
    with pytest.raises(MetadataError) as caught:
        runtime_requires(
            ["good", "bad >= "], cpython, origin="x/pyproject.toml [project] dependencies"
        )
    message = str(caught.value)
    assert message.startswith(
        "x/pyproject.toml [project] dependencies: invalid requirement 'bad >= ': "
    )
    with pytest.raises(MetadataError, match=r"^invalid requirement 'foo\[': "):
        parse_requirement("foo[")


# -- markers, per runtime ---------------------------------------------------------------------

REQUIREMENTS = [
    "attrs>=22",
    'tomli>=1.1; python_version < "3.11"',
    'exceptiongroup; python_full_version < "3.11.0"',
    'cffi>=1.15; implementation_name != "pypy"',
    'greenlet; platform_python_implementation == "CPython"',
    'pypy-only; implementation_name == "pypy"',
    'windows-only; sys_platform == "win32"',
    'posix-only; os_name == "posix" and platform_system == "Linux"',
    'click>=8; extra == "cli"',
    'rich; extra == "cli" and python_version >= "3.10"',
    'sphinx; extra == "Docs"',
    'typing-extensions; python_version < "3.10" and extra == "cli"',
    "attrs>=22",
]


def test_base_requires_for_cpython_311(cpython: Runtime) -> None:
    assert runtime_requires(REQUIREMENTS, cpython) == [
        "python3.11dist(attrs) >= 22",
        "python3.11dist(cffi) >= 1.15",
        "python3.11dist(greenlet)",
        "python3.11dist(posix-only)",
    ]


def test_base_requires_for_pypy_39(pypy: Runtime) -> None:
    assert runtime_requires(REQUIREMENTS, pypy) == [
        "pypy3.9dist(attrs) >= 22",
        "pypy3.9dist(exceptiongroup)",
        "pypy3.9dist(posix-only)",
        "pypy3.9dist(pypy-only)",
        "pypy3.9dist(tomli) >= 1.1",
    ]


def test_extra_requires_only_what_the_extra_adds(cpython: Runtime, pypy: Runtime) -> None:
    assert runtime_requires(REQUIREMENTS, cpython, extra="cli") == [
        "python3.11dist(click) >= 8",
        "python3.11dist(rich)",
    ]
    assert runtime_requires(REQUIREMENTS, pypy, extra="CLI") == [
        "pypy3.9dist(click) >= 8",
        "pypy3.9dist(typing-extensions)",
    ]
    assert runtime_requires(REQUIREMENTS, cpython, extra="docs") == ["python3.11dist(sphinx)"]
    assert runtime_requires(REQUIREMENTS, cpython, extra="nothing") == []


def test_extras_never_reach_the_base_package(cpython: Runtime, pypy: Runtime) -> None:
    for runtime in (cpython, pypy):
        base = set(runtime_requires(REQUIREMENTS, runtime))
        for extra in extras_of(REQUIREMENTS):
            assert not base & set(runtime_requires(REQUIREMENTS, runtime, extra=extra))


def test_negated_extra_marker_belongs_to_the_base(cpython: Runtime) -> None:
    requirements = ['slow-fallback; extra != "fast"']
    assert runtime_requires(requirements, cpython) == ["python3.11dist(slow-fallback)"]
    assert runtime_requires(requirements, cpython, extra="fast") == []


def test_marker_environment_is_the_runtime_s(cpython: Runtime, pypy: Runtime) -> None:
    env = marker_environment(pypy, platform_machine="aarch64")
    assert env == {
        "implementation_name": "pypy",
        "implementation_version": "3.9.16",
        "os_name": "posix",
        "platform_machine": "aarch64",
        "platform_python_implementation": "PyPy",
        "platform_release": os.uname().release,
        "platform_system": "Linux",
        "platform_version": os.uname().version,
        "python_full_version": "3.9.16",
        "python_version": "3.9",
        "sys_platform": "linux",
        "extra": "",
    }
    env = marker_environment(cpython, extra="Foo_Bar")
    assert env["platform_python_implementation"] == "CPython"
    assert env["platform_machine"] == os.uname().machine
    assert env["extra"] == "foo-bar"


def test_platform_machine_can_be_chosen(cpython: Runtime) -> None:
    requirements = ['x86-only; platform_machine == "x86_64"']
    assert runtime_requires(requirements, cpython, platform_machine="x86_64") == [
        "python3.11dist(x86-only)"
    ]
    assert runtime_requires(requirements, cpython, platform_machine="aarch64") == []


def test_marker_that_cannot_be_evaluated(cpython: Runtime) -> None:
    with pytest.raises(MetadataError, match=r"^x: cannot evaluate the marker of requirement"):
        runtime_requires(['foo; python_version ~= "3"'], cpython, origin="x")


@pytest.mark.parametrize("marker", ['dependency_groups == "x"', '"x" in dependency_groups',
                                    '"x" in extras'])
def test_a_lock_file_marker_is_a_clear_error_not_an_internal_one(
    cpython: Runtime, marker: str
) -> None:
    """packaging 25+ raises UndefinedEnvironmentName, a KeyError, for these variables: it
    ended in "internal error: KeyError".  Older packaging refuses to parse them."""
    requirement = f"foo; {marker}"
    try:
        Marker(marker)
    except InvalidMarker:
        with pytest.raises(MetadataError) as info:
            runtime_requires([requirement], cpython, origin="pyproject.toml")
        assert str(info.value).startswith(f"pyproject.toml: invalid requirement {requirement!r}: ")
        return
    variable = "extras" if "extras" in marker else "dependency_groups"
    with pytest.raises(MetadataError) as info:
        runtime_requires([requirement], cpython, origin="pyproject.toml")
    assert str(info.value) == (
        f"pyproject.toml: cannot evaluate the marker of requirement {requirement!r}: "
        f"{variable!r} is not a variable of a runtime's environment (evaluated for runtime "
        f"{cpython.name}, {cpython.implementation} {cpython.version})"
    )


def test_build_requires_evaluate_markers_per_runtime(cpython: Runtime, pypy: Runtime) -> None:
    requires = ["setuptools>=61", "wheel", 'cffi>=1.0; implementation_name == "cpython"']
    assert runtime_requires(requires, cpython) == [
        "python3.11dist(cffi) >= 1",
        "python3.11dist(setuptools) >= 61",
        "python3.11dist(wheel)",
    ]
    assert runtime_requires(requires, pypy) == [
        "pypy3.9dist(setuptools) >= 61",
        "pypy3.9dist(wheel)",
    ]


def test_extras_of() -> None:
    assert extras_of(REQUIREMENTS) == ["cli", "docs"]
    assert extras_of(['a; "Test_X" == extra'], ["Docs", "cli"]) == ["cli", "docs", "test-x"]
    assert extras_of([]) == []


# -- the converted dependencies mean what the specifiers mean --------------------------------

_ATOM = re.compile(r"(?P<name>[\w.]+dist\([^)]*\))(?: (?P<op><=|>=|=|<|>) (?P<evr>[^\s)]+))?")


def _split_evr(evr: str) -> tuple[str, str, None]:
    epoch, _, version = evr.rpartition(":")
    return (epoch or "0", version, None)


def _satisfied(dependency: str, candidate: str) -> bool:
    """Does a package providing ``NAME = candidate`` satisfy ``dependency``?"""
    position = 0

    def term() -> bool:
        nonlocal position
        if dependency[position] == "(":
            position += 1
            values = [term()]
            operators = set()
            while dependency[position] != ")":
                match = re.compile(r" (with|or) ").match(dependency, position)
                assert match is not None, dependency[position:]
                operators.add(match.group(1))
                position = match.end()
                values.append(term())
            position += 1
            assert len(operators) == 1
            return all(values) if operators == {"with"} else any(values)
        match = _ATOM.match(dependency, position)
        assert match is not None, dependency[position:]
        position = match.end()
        if match.group("op") is None:
            return True
        order: int = rpm.labelCompare(_split_evr(candidate), _split_evr(match.group("evr")))
        return {
            "<": order < 0, "<=": order <= 0, "=": order == 0, ">=": order >= 0, ">": order > 0
        }[match.group("op")]

    result = term()
    assert position == len(dependency)
    return result


@st.composite
def versions(draw: st.DrawFn, *, release_only: bool = False, min_parts: int = 1) -> str:
    epoch = draw(st.sampled_from(["", "", "", "1!"]))
    release = draw(st.lists(st.integers(0, 3), min_size=min_parts, max_size=4))
    text = epoch + ".".join(map(str, release))
    if release_only:
        return text
    if draw(st.booleans()):
        text += draw(st.sampled_from(["a", "b", "rc"])) + str(draw(st.integers(0, 2)))
    if draw(st.booleans()):
        text += f".post{draw(st.integers(0, 2))}"
    if draw(st.booleans()):
        text += f".dev{draw(st.integers(0, 2))}"
    return text


@st.composite
def specifiers(draw: st.DrawFn) -> Specifier:
    operator = draw(st.sampled_from(["~=", "==", "!=", "<", "<=", ">", ">=", "==*", "!=*"]))
    if operator.endswith("*"):
        return Specifier(f"{operator[:2]}{draw(versions(release_only=True))}.*")
    min_parts = 2 if operator == "~=" else 1
    return Specifier(operator + draw(versions(min_parts=min_parts)))


def _documented_deviation(spec: Specifier, candidate: Version) -> bool:
    """Pre-releases at the boundaries of ~= and ==V.* (see the dependencies module doc)."""
    if not candidate.is_prerelease:
        return False
    base = Version(candidate.base_version)
    if spec.operator == "~=":
        version = Version(spec.version)
        upper = Version(f"{version.epoch}!" + ".".join(
            map(str, (*version.release[:-2], version.release[-2] + 1))))
        return base == upper
    if spec.version.endswith(".*"):
        prefix = Version(spec.version[:-2])
        upper = Version(f"{prefix.epoch}!" + ".".join(
            map(str, (*prefix.release[:-1], prefix.release[-1] + 1))))
        return base in (prefix, upper)
    return False


@needs_rpm
@settings(max_examples=1000)
@given(specifiers(), versions())
def test_rpm_dependency_matches_what_the_specifier_matches(
    spec: Specifier, candidate_text: str
) -> None:
    candidate = Version(candidate_text)
    expected = spec.contains(candidate, prereleases=True)
    dependency = specifier_dependency(FOO, str(spec))
    got = _satisfied(dependency, dependency_version(candidate))
    if got != expected:
        assert _documented_deviation(spec, candidate), (str(spec), dependency, candidate_text)


@needs_rpm
@pytest.mark.parametrize(
    ("spec", "candidate", "expected"),
    [
        (">1.0", "1.0.post1", False),
        (">1.0", "1.0.0.1", True),
        (">1.0", "1.1.dev0", True),
        (">1.0rc1", "1.0rc1.post1", False),
        (">1.0rc1", "1.0.post1", True),
        ("<=1.0", "1.0.post1", False),
        ("<=1.0", "1.0.0", True),
        ("<2", "2.0rc1", False),
        ("<2", "1.9.post1", True),
        ("==1.0", "1.0.0", True),
        ("==1.0", "1.0.post1", False),
        ("~=2.4.8", "2.5rc1", True),  # documented deviation: PEP 440 says no
        ("==2.4.*", "2.4rc1", False),  # documented deviation: PEP 440 says yes
    ],
)
def test_edge_cases_against_rpm(spec: str, candidate: str, expected: bool) -> None:
    assert _satisfied(specifier_dependency(FOO, spec), dependency_version(candidate)) is expected


def test_markers_name_implementations_as_the_token_and_where_do(pypy: Runtime) -> None:
    """One spelling everywhere: requirement markers, --where and @platform_python_implementation."""
    from rpm_pyconfig.condition import Condition
    from rpm_pyconfig.expression import Expression

    odd = pypy.replace(implementation="micropython")
    spelled = Expression.parse("@platform_python_implementation").evaluate(odd)
    assert spelled == "micropython"
    assert Condition.parse(f"platform_python_implementation == '{spelled}'").evaluate(odd)
    marker = f'foo; platform_python_implementation == "{spelled}"'
    assert runtime_requires([marker], odd) == ["pypy3.9dist(foo)"]  # the marker matched
