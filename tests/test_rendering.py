"""Tests of rpm_pyconfig.rendering and the shipped templates, and that the wheel ships them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from rpm_pyconfig import spectext
from rpm_pyconfig.errors import ConfigError, PyConfigError
from rpm_pyconfig.installing import file_owners, relies_on
from rpm_pyconfig.rendering import TemplateError, available_templates, render
from rpm_pyconfig.runtime import Runtime

REPO = Path(__file__).resolve().parent.parent
SITE = "/usr/lib/python3/dist-packages"
SHIPPED = ["app", "build", "buildrequires", "check", "generate_buildrequires", "install", "prep",
           "spec", "subpackages", "test"]


@pytest.fixture
def three(cpython: Runtime, cpython_debug: Runtime, pypy: Runtime) -> list[Runtime]:
    return [cpython, cpython_debug, pypy]


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_available_templates() -> None:
    assert available_templates() == SHIPPED


# -- each shipped template for the three runtimes -----------------------------------------


def test_prep(three: list[Runtime]) -> None:
    assert render("prep", three) == "".join(
        f"rm -rf _pyconfig/src/{name} && mkdir -p _pyconfig/src/{name}\n"
        f"find . -mindepth 1 -maxdepth 1 ! -name _pyconfig -exec cp -a -t _pyconfig/src/{name} "
        "{} + || exit 1\n"
        for name in ("python3.11", "python3.11-dbg", "pypy3")
    )


def test_prep_copies_the_tree_and_a_failed_copy_fails_the_scriptlet(
    cpython: Runtime, tmp_path: Path
) -> None:
    script = render("prep", [cpython])
    tree = tmp_path / "tree"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "mod.py").write_text("x = 1\n")
    (tree / "setup.py").write_text("")
    (tree / "_pyconfig" / "src").mkdir(parents=True)  # earlier copies are not copied again
    done = subprocess.run(["/bin/sh", "-e", "-c", script], cwd=tree, check=False)
    assert done.returncode == 0
    copy = tree / "_pyconfig" / "src" / "python3.11"
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*")) == [
        "pkg", "pkg/mod.py", "setup.py",
    ]
    # rpm runs %prep with sh -e: a copy that fails must stop it, not leave a partial tree.
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "cp").write_text("#!/bin/sh\nexit 1\n")
    (stubs / "cp").chmod(0o755)
    env = dict(os.environ, PATH=f"{stubs}:{os.environ['PATH']}")
    failed = subprocess.run(
        ["/bin/sh", "-e", "-c", script + "echo still-running\n"],
        cwd=tree, env=env, capture_output=True, text=True, check=False,
    )
    assert failed.returncode != 0
    assert "still-running" not in failed.stdout


def test_build(three: list[Runtime]) -> None:
    lines = render("build", three).splitlines()
    assert len(lines) == 9
    assert lines[6:] == [
        "echo 'rpm-pyconfig: building a wheel for pypy3 (3/3)' >&2",
        "rm -rf _pyconfig/wheels/pypy3",
        "(cd _pyconfig/src/pypy3 && %{?pyconfig_deps_root:PYTHONPATH=\"%{pyconfig_deps_root}\""
        f'{SITE}:"%{{pyconfig_deps_root}}"{SITE}${{PYTHONPATH:+:$PYTHONPATH}} }}'
        "/usr/bin/pypy3 -m pip wheel --no-deps --no-build-isolation "
        "--no-index --no-cache-dir --disable-pip-version-check --wheel-dir ../../wheels/pypy3 .) "
        "|| exit 1",
    ]
    assert lines[3] == "echo 'rpm-pyconfig: building a wheel for python3.11-dbg (2/3)' >&2"


def test_install(three: list[Runtime]) -> None:
    lines = render(
        "install", three, {"tool": "rpm-pyconfig", "selection_args": "'--exclude=x*'"}
    ).splitlines()
    # One command: the tool installs every runtime's wheel itself (pypa/installer).
    assert lines == [
        "rpm-pyconfig '--exclude=x*' install --buildroot \"%{buildroot}\" --bindir \"%{_bindir}\" "
        "|| exit 1",
    ]


def test_install_with_the_registry_embedded(pypy: Runtime) -> None:
    text = render(
        "install", [pypy],
        {"tool": "/opt/rpm pyconfig", "selection_args": "", "embed_registry": True},
    )
    assert text == (
        "rm -rf _pyconfig/registry && mkdir -p _pyconfig/registry\n"
        "cat > _pyconfig/registry/pypy3.conf <<'RPM_PYCONFIG_EOF'\n"
        "[runtime]\n"
        "name = pypy3\n"
        "implementation = pypy\n"
        "version = 3.9.16\n"
        "interpreter = /usr/bin/pypy3\n"
        "package_prefix = pypy3\n"
        f"purelib = {SITE}\n"
        f"platlib = {SITE}\n"
        "soabi = pypy39-pp73\n"
        "ext_suffix = .pypy39-pp73-x86_64-linux-gnu.so\n"
        "cache_tag = pypy39\n"
        # Every key, even those loading would derive: the file means the same in any registry.
        "abiflags =\n"
        "debug = false\n"
        "free_threaded = false\n"
        "default = false\n"
        "priority = 50\n"
        "abi_requires = /usr/bin/pypy3\n"
        "dist_prefix = pypy3\n"
        "versioned_dist_prefix = pypy3.9\n"
        "script_suffix = -pypy3\n"
        "shebang_flags =\n"
        "devel_requires =\n"
        "include = /usr/include/pypy3.9\n"
        "RPM_PYCONFIG_EOF\n"
        "'/opt/rpm pyconfig' --confdir _pyconfig/registry install --buildroot \"%{buildroot}\" "
        "--bindir \"%{_bindir}\" || exit 1\n"
    )


def test_check(three: list[Runtime]) -> None:
    lines = render("check", three, {"modules": "foo foo.bar", "check_exclude": "foo.x.*",
                                    "tool": "rpm-pyconfig"}).splitlines()
    # rpm-pyconfig check-imports runs each interpreter in an empty directory: a flat-layout
    # source tree is never what gets imported (tests/test_importcheck.py).
    assert len(lines) == 3
    assert lines[2] == (
        "rpm-pyconfig check-imports --name pypy3 --interpreter /usr/bin/pypy3 "
        f'--buildroot "%{{buildroot}}" --path "%{{buildroot}}"{SITE} '
        f'--path "%{{buildroot}}"{SITE}'
        f'%{{?pyconfig_deps_root: --path "%{{pyconfig_deps_root}}"{SITE} '
        f'--path "%{{pyconfig_deps_root}}"{SITE}}} '
        "--exclude-module 'foo.x.*' -- foo foo.bar || exit 1"
    )
    assert render("check", three, {"modules": " ", "tool": "rpm-pyconfig"}) == ""


def test_test(three: list[Runtime]) -> None:
    """%pyconfig_test: the test command per runtime from its copy of the sources, with the
    current directory taken off sys.path, the buildroot on PYTHONPATH and its commands first
    on PATH."""
    lines = render("test", three[2:], {"test_args": " -k 'not slow' tests "}).splitlines()
    assert lines == [
        "echo 'rpm-pyconfig: testing with pypy3 (1/1)' >&2",
        "(cd _pyconfig/src/pypy3 && PATH=\"%{buildroot}%{_bindir}%{?pyconfig_deps_root::"
        "%{pyconfig_deps_root}%{_bindir}}:$PATH\" CFLAGS=\"${CFLAGS:-${RPM_OPT_FLAGS}}\" "
        "LDFLAGS=\"${LDFLAGS:-${RPM_LD_FLAGS}}\" PYTHONNOUSERSITE=1 PYTHONDONTWRITEBYTECODE=1 "
        f'PYTHONPATH="%{{buildroot}}"{SITE}:"%{{buildroot}}"{SITE}'
        f'%{{?pyconfig_deps_root::"%{{pyconfig_deps_root}}"{SITE}:'
        f'"%{{pyconfig_deps_root}}"{SITE}}} '
        "/usr/bin/pypy3 -s -c 'import runpy, sys; sys.path[:] = [entry for entry in sys.path "
        "if entry]; runpy.run_module(sys.argv.pop(1), run_name=\"__main__\", alter_sys=True)' "
        "pytest -k 'not slow' tests) || { echo 'rpm-pyconfig: the tests failed with pypy3 "
        "(/usr/bin/pypy3)' >&2; exit 1; }",
    ]
    other = render("test", three[2:], {"test_command": "unittest discover", "test_args": "100%"})
    assert "' unittest discover 100%%) ||" in other


def test_buildrequires(three: list[Runtime]) -> None:
    text = render(
        "buildrequires", three,
        {"build_requires": "setuptools>=61\n# a comment\n\nwheel; python_version < '3.10'"},
    )
    assert text == (
        "BuildRequires: python3.11dist(pip)\n"
        "BuildRequires: python3.11dist(setuptools) >= 61\n"
        "BuildRequires: pypy3.9dist(pip)\n"
        "BuildRequires: pypy3.9dist(setuptools) >= 61\n"
        "BuildRequires: pypy3.9dist(wheel)\n"
    )
    assert render("buildrequires", three) == (
        "BuildRequires: python3.11dist(pip)\nBuildRequires: pypy3.9dist(pip)\n"
    )


def test_buildrequires_for_check(three: list[Runtime]) -> None:
    """%check imports the project, so its run-time requirements (per runtime, no extras) are
    build dependencies too, unless the spec is built --without check."""
    text = render(
        "buildrequires", three,
        {"build_requires": "hatchling",
         "requires_dist": "hatchling\nrich>=13\ntyping-extensions; python_version < '3.11'\n"
                          "pytest; extra == 'test'"},
    )
    assert text == (
        "BuildRequires: python3.11dist(pip)\n"
        "BuildRequires: python3.11dist(hatchling)\n"
        "BuildRequires: pypy3.9dist(pip)\n"
        "BuildRequires: pypy3.9dist(hatchling)\n"
        "%if ! %{without check}\n"
        "BuildRequires: python3.11dist(rich) >= 13\n"
        "BuildRequires: pypy3.9dist(rich) >= 13\n"
        "BuildRequires: pypy3.9dist(typing-extensions)\n"
        "%endif\n"
    )


def test_buildrequires_headers_tests_and_generated(three: list[Runtime]) -> None:
    """compiled adds each runtime's devel_requires; test_requires join the check's; the
    generated form prints the same list from %generate_buildrequires, shell-quoted, then
    asks the tool what each runtime's build backend adds (same selection; in a chain, with
    its dependency tree first)."""
    headers = [rt.replace(devel_requires=f"/usr/include/{rt.name}/Python.h") for rt in three]
    headers[1] = headers[1].replace(devel_requires="")  # a registry that names none
    values = {"build_requires": "setuptools", "requires_dist": "rich>=13",
              "test_requires": "pytest; implementation_name == 'cpython'", "compiled": "1"}
    assert render("buildrequires", headers, values) == (
        "BuildRequires: python3.11dist(pip)\n"
        "BuildRequires: python3.11dist(setuptools)\n"
        "BuildRequires: /usr/include/python3.11/Python.h\n"
        "BuildRequires: pypy3.9dist(pip)\n"
        "BuildRequires: pypy3.9dist(setuptools)\n"
        "BuildRequires: /usr/include/pypy3/Python.h\n"
        "%if ! %{without check}\n"
        "BuildRequires: python3.11dist(rich) >= 13\n"
        "BuildRequires: python3.11dist(pytest)\n"
        "BuildRequires: pypy3.9dist(rich) >= 13\n"
        "%endif\n"
    )
    generated = dict(values, selection_args="--only='python3*'")
    assert render("generate_buildrequires", headers, generated) == (
        "printf '%%s\\n' 'python3.11dist(pip)'\n"
        "printf '%%s\\n' 'python3.11dist(setuptools)'\n"
        "printf '%%s\\n' /usr/include/python3.11/Python.h\n"
        "printf '%%s\\n' 'pypy3.9dist(pip)'\n"
        "printf '%%s\\n' 'pypy3.9dist(setuptools)'\n"
        "printf '%%s\\n' /usr/include/pypy3/Python.h\n"
        "rpm-pyconfig --only='python3*' backend-requires%{lua:print(pyconfig.rpm_dbpath_option())}"
        "%{?pyconfig_deps_root: --deps-root "
        "\"%{pyconfig_deps_root}\"} || exit 1\n"
        "%if ! %{without check}\n"
        "printf '%%s\\n' 'python3.11dist(rich) >= 13'\n"
        "printf '%%s\\n' 'python3.11dist(pytest)'\n"
        "printf '%%s\\n' 'pypy3.9dist(rich) >= 13'\n"
        "%endif\n"
    )
    assert "Python.h" not in render("buildrequires", headers, dict(values, compiled="0"))


SUBPACKAGE_VALUES: dict[str, Any] = {
    "pkgname": "foo",
    "requires_each": "@{versioned_dist_prefix}dist(jinja2), /usr/bin/@name",
    "requires_dist": "packaging>=21\ntomli; python_version < '3.11'\npytest; extra == 'test'",
    "extras": "test",
    "doc": "README.md",
    "version_evr": "1.0",
}


def stanza(text: str, package: str) -> list[str]:
    """The lines of ``%package -n PACKAGE`` up to the next ``%package``."""
    start = text.index(f"%package -n {package}\n")
    end = text.find("%package -n ", start + 1)
    return text[start : end if end >= 0 else len(text)].splitlines()


def test_subpackages_owner(three: list[Runtime]) -> None:
    text = render("subpackages", three, SUBPACKAGE_VALUES)
    assert stanza(text, "python3-foo") == [
        "%package -n python3-foo",
        "Summary: %{summary}",
        "Requires: python(abi) = 3.11",
        "Provides: python3dist(foo) = 1",
        "Provides: python3.11dist(foo) = 1",
        "Requires: python3.11dist(jinja2)",
        "Requires: /usr/bin/python3.11",
        "Requires: python3.11dist(packaging) >= 21",
        "",
        "%description -n python3-foo",
        "%{?_description}%{!?_description:%{summary}.}",
        "",
        "Built for CPython 3.11.2.",
        "",
        "%files -n python3-foo -f _pyconfig/files/python3.11.files",
        "%doc README.md",
        "",
    ]
    assert stanza(text, "python3-foo+test") == [
        "%package -n python3-foo+test",
        "Summary: Dependencies of the test extra of python3-foo",
        "BuildArch: noarch",
        "Requires: python3-foo = %{?epoch:%{epoch}:}%{version}-%{release}",
        "Provides: python3dist(foo[test]) = 1",
        "Provides: python3.11dist(foo[test]) = 1",
        "Requires: python3.11dist(pytest)",
        "",
        "%description -n python3-foo+test",
        "This package brings in the dependencies of the test extra of",
        "python3-foo.",
        "It ships no files.",
        "",
        "%files -n python3-foo+test",
        "",
    ]


def test_a_free_threaded_build_requires_what_its_own_abi_provides(cpython: Runtime) -> None:
    """python3.13t's packages provide python3.13tdist(NAME): its Requires name the same, so
    that only packages built for its ABI and site directory satisfy them."""
    free = cpython.replace(name="python3.13t", version="3.13.1", free_threaded=True,
                           abiflags="t", package_prefix="python3.13t",
                           interpreter="/usr/bin/python3.13t", versioned_dist_prefix="",
                           abi_requires="", script_suffix=None)
    text = render("subpackages", [free], {**SUBPACKAGE_VALUES, "requires_each": ""})
    lines = stanza(text, "python3.13t-foo")
    assert "Provides: python3.13tdist(foo) = 1" in lines
    assert [line for line in lines if "dist(" in line and line.startswith("Requires:")] == [
        "Requires: python3.13tdist(packaging) >= 21",
    ]


def test_subpackages_sharers_require_the_owner(three: list[Runtime]) -> None:
    text = render("subpackages", three, SUBPACKAGE_VALUES)
    debug = stanza(text, "python3-dbg-foo")
    assert debug[:6] == [
        "%package -n python3-dbg-foo",
        "Summary: %{summary}",
        "Requires: /usr/bin/python3.11-dbg",
        "# python3.11-dbg installs files that python3.11's package ships (shared directory, "
        "cache tag cpython-311).",
        "Requires: python3-foo = %{?epoch:%{epoch}:}%{version}-%{release}",
        "Provides: python3ddist(foo) = 1",  # its own ABI's name, never python3dist(foo)
    ]
    assert "Provides: python3.11ddist(foo) = 1" in debug
    # what the normal build's packages provide: it loads their modules (same site directory)
    assert "Requires: python3.11dist(packaging) >= 21" in debug
    assert not [line for line in debug if line.startswith("Requires: python3.11ddist")]
    assert "Built for CPython 3.11.2, debug build." in debug
    pypy = stanza(text, "pypy3-foo")
    assert [line for line in pypy if line.startswith(("Requires:", "Provides:"))] == [
        "Requires: /usr/bin/pypy3",
        "Requires: python3-foo = %{?epoch:%{epoch}:}%{version}-%{release}",
        "Provides: pypy3dist(foo) = 1",
        "Provides: pypy3.9dist(foo) = 1",
        "Requires: pypy3.9dist(jinja2)",
        "Requires: /usr/bin/pypy3",
        "Requires: pypy3.9dist(packaging) >= 21",
        "Requires: pypy3.9dist(tomli)",  # the marker holds for Python 3.9 only
    ]
    assert "%files -n pypy3-foo -f _pyconfig/files/pypy3.files" in pypy
    assert text.count("%package -n ") == 6


def test_free_threaded_provides_its_own_names_once(cpython: Runtime) -> None:
    """python3.13t provides python3.13tdist(); a registry that already says so is kept."""
    threaded = cpython.replace(name="python3.13t", version="3.13.1", free_threaded=True,
                               abiflags="t", dist_prefix="python3", versioned_dist_prefix="")
    told = threaded.replace(dist_prefix="python3t", versioned_dist_prefix="python3.13t")
    for runtime in (threaded, told):
        text = render("subpackages", [runtime], {"pkgname": "foo", "version_evr": "1"})
        assert [line for line in text.splitlines() if line.startswith("Provides:")] == [
            "Provides: python3tdist(foo) = 1", "Provides: python3.13tdist(foo) = 1",
        ]


def test_subpackages_without_a_version_provide_the_spec_version(pypy: Runtime) -> None:
    """Literal template text inside a macro is not escaped (it once came out as %%{version})."""
    text = render("subpackages", [pypy], {"pkgname": "foo", "extras": "x"})
    assert [line for line in text.splitlines() if line.startswith("Provides:")] == [
        "Provides: pypy3dist(foo) = %{?epoch:%{epoch}:}%{version}",
        "Provides: pypy3.9dist(foo) = %{?epoch:%{epoch}:}%{version}",
        "Provides: pypy3dist(foo[x]) = %{?epoch:%{epoch}:}%{version}",
        "Provides: pypy3.9dist(foo[x]) = %{?epoch:%{epoch}:}%{version}",
    ]


def test_subpackages_noarch_in_an_arch_spec(three: list[Runtime]) -> None:
    """pyconfig_noarch: each runtime's package says BuildArch: noarch itself (an arch main
    package's subpackages inherit its architecture); unset, they say nothing."""
    values = {"pkgname": "foo", "extras": "x"}
    plain = render("subpackages", three, values)
    text = render("subpackages", three, {**values, "noarch": "1"})
    assert plain.count("BuildArch: noarch\n") == 3  # the extras' metapackages only
    assert text.count("BuildArch: noarch\n") == 6
    assert "Summary: %{summary}\nBuildArch: noarch\nRequires: " in text
    assert render("subpackages", three, {**values, "noarch": "0"}) == plain


def test_subpackages_escape_values_once(pypy: Runtime) -> None:
    text = render(
        "subpackages", [pypy],
        {"pkgname": "foo", "version_evr": "2.0%x", "summary": "100% %{name}", "doc": "a%b"},
    )
    assert "Provides: pypy3dist(foo) = 2%%x" in text
    assert "Summary: 100%% %%{name}" in text
    assert "%doc a%%b" in text


def test_subpackages_provide_the_canonical_name(cpython: Runtime) -> None:
    """Provides must match what converted requirements ask for: python3dist(zope-interface)."""
    text = render("subpackages", [cpython], {"pkgname": "zope.interface", "version_evr": "5.0"})
    assert "Provides: python3dist(zope-interface) = 5\n" in text
    assert "%package -n python3-zope.interface\n" in text  # the package name stays as given


def test_subpackages_requires_each_per_runtime(cpython: Runtime, pypy: Runtime) -> None:
    """Every subpackage gets requires_each, @-tokens evaluated for its runtime, % escaped."""
    text = render(
        "subpackages", [cpython, pypy],
        {"pkgname": "foo", "requires_each": "a-@name, c%@{implementation}"},
    )
    assert [line for line in text.splitlines() if line.startswith("Requires: ")] == [
        "Requires: python(abi) = 3.11",
        "Requires: a-python3.11",
        "Requires: c%%cpython",
        "Requires: /usr/bin/pypy3",
        "Requires: python3-foo = %{?epoch:%{epoch}:}%{version}-%{release}",
        "Requires: a-pypy3",
        "Requires: c%%pypy",
    ]


# -- owners -----------------------------------------------------------------------------------


def test_owners(cpython: Runtime, cpython_debug: Runtime, pypy: Runtime) -> None:
    assert file_owners([cpython, cpython_debug, pypy]) == {
        "python3.11": None, "python3.11-dbg": cpython, "pypy3": cpython,
    }
    # The first runtime of the selection ships the sources: without CPython, the debug build.
    assert file_owners([cpython_debug, pypy]) == {"python3.11-dbg": None, "pypy3": cpython_debug}
    fedora = pypy.replace(
        purelib="/usr/lib/pypy3.9/site-packages", platlib="/usr/lib64/pypy3.9/site-packages"
    )
    assert file_owners([cpython, fedora]) == {"python3.11": None, "pypy3": None}
    half = fedora.replace(name="half", platlib=SITE)
    assert file_owners([cpython, fedora, half]) == {
        "python3.11": None, "pypy3": None, "half": cpython,
    }
    # A chain: an arch wheel of half goes to SITE first, so python3.11 relies on half there.
    assert relies_on([fedora, half, cpython]) == {
        "pypy3": (), "half": (fedora,), "python3.11": (half,),
    }
    assert relies_on([fedora, half, cpython], pure=True)["python3.11"] == ()


def test_sharers_require_every_subpackage_they_rely_on(
    cpython: Runtime, cpython_debug: Runtime, pypy: Runtime
) -> None:
    """PyPy first: it ships the sources; the debug build relies on it and on python3.11, the
    first of its cache tag."""
    text = render("subpackages", [pypy, cpython, cpython_debug], {"pkgname": "foo"})
    requires = [line for line in stanza(text, "python3-dbg-foo") if line.startswith("Requires:")]
    assert requires == [
        "Requires: /usr/bin/python3.11-dbg",
        "Requires: pypy3-foo = %{?epoch:%{epoch}:}%{version}-%{release}",
        "Requires: python3-foo = %{?epoch:%{epoch}:}%{version}-%{release}",
    ]


def test_runtimes_that_cannot_install_side_by_side_are_refused(cpython: Runtime) -> None:
    twin = cpython.replace(name="twin", default=False, origin="/etc/rpm-pyconfig.d/twin.conf")
    with pytest.raises(ConfigError) as caught:
        render("subpackages", [cpython, twin], {"pkgname": "foo"})
    assert str(caught.value).splitlines() == [
        "/etc/rpm-pyconfig.d/twin.conf: runtimes 'python3.11' and 'twin' both install extension "
        f"modules named *{cpython.ext_suffix} into {SITE}: their subpackages would ship the same "
        "files; give one of them its own platlib or leave it out",
        "/etc/rpm-pyconfig.d/twin.conf: runtimes 'python3.11' and 'twin' have the same "
        "script_suffix '': both would install the commands /usr/bin/NAME; give one of them "
        "another script_suffix",
    ]


def test_owners_in_templates(three: list[Runtime], tmp_path: Path) -> None:
    template = write(
        tmp_path / "owners.j2",
        "{% for rt in runtimes %}{{ rt.name | literal }}: {{ (owners[rt.name].name if "
        "owners[rt.name] else '-') | literal }}\n{% endfor %}",
    )
    assert render(template, three) == (
        "python3.11: -\npython3.11-dbg: python3.11\npypy3: python3.11\n"
    )


# -- escaping ---------------------------------------------------------------------------------


def test_values_are_escaped_but_template_text_is_not(pypy: Runtime, tmp_path: Path) -> None:
    template = write(
        tmp_path / "t.j2",
        "%{name} 100% {{ value | literal }} {{ '%{literal}' | literal }} {{ spec }} {{ number }}\n"
        "{% for rt in runtimes %}{{ rt.interpreter | literal }} {{ rt.interpreter | sh }}"
        "{% endfor %}\n",
    )
    odd = pypy.replace(interpreter="/opt/100%/py py")
    assert render(
        template, [odd],
        {"value": "50%", "spec": spectext.syntax("%{pypi_version}"), "number": 7},
    ) == "%{name} 100% 50%% %%{literal} %{pypi_version} 7\n/opt/100%%/py py '/opt/100%%/py py'"


@pytest.mark.parametrize(
    "body",
    [
        "{{ v }}",  # a plain string
        "{% macro m() %}%{x} {{ v | literal }}{% endmacro %}{{ m() }}",  # a macro's output
        "{{ ('a' | literal) ~ v }}",  # concatenation makes a plain string again
        "{{ runtimes[0].name }}",
    ],
)
def test_plain_strings_are_refused(pypy: Runtime, tmp_path: Path, body: str) -> None:
    """By construction: a template prints spec text only, never a value it forgot to filter."""
    template = write(tmp_path / "t.j2", body + "\n")
    with pytest.raises(TemplateError, match="prints the plain value"):
        render(template, [pypy], {"v": "1%"})


@pytest.mark.parametrize("value", ["a\nb", "a\x00b", "a\rb", "\x1b[0m"])
def test_literal_refuses_line_breaks_and_control_characters(
    pypy: Runtime, tmp_path: Path, value: str
) -> None:
    """render --set values with a newline must not start a new spec line."""
    template = write(tmp_path / "t.j2", "Summary: {{ v | literal }}\n")
    with pytest.raises(PyConfigError, match="must not contain"):
        render(template, [pypy], {"v": value})



def test_at_filter(pypy: Runtime, tmp_path: Path) -> None:
    template = write(
        tmp_path / "t.j2", "{{ '@{dist_prefix}dist(x) @@ @confbin' | at(runtimes[0]) | literal }}\n"
    )
    assert render(template, [pypy]) == "pypy3dist(x) @ /usr/bin/pypy3\n"
    bad = write(tmp_path / "bad.j2", "{{ '@nme' | at(runtimes[0]) }}\n")
    with pytest.raises(TemplateError) as caught:
        render(bad, [pypy])
    assert str(caught.value) == (
        f"template {bad}: a value's @-expression is wrong: unknown token '@nme' "
        "(did you mean '@name'?)\n    @nme\n    ~~~^"
    )


# -- errors -----------------------------------------------------------------------------------


def test_missing_value_is_an_error(pypy: Runtime, tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as caught:
        render("subpackages", [pypy])
    assert str(caught.value) == (
        "template subpackages.j2: 'pkgname' is undefined; give it with --set NAME=VALUE"
    )
    template = write(tmp_path / "t.j2", "a\n{% if runtimes %}{{ missing ~ '' }}{% endif %}\n")
    with pytest.raises(TemplateError) as caught:
        render(template, [pypy])
    assert str(caught.value) == (
        f"template {template}: 'missing' is undefined; give it with --set NAME=VALUE"
    )
    filtered = write(tmp_path / "f.j2", "{{ runtimes[0].nosuch | literal }}\n")
    with pytest.raises(TemplateError) as caught:  # a filter never sees the missing value
        render(filtered, [pypy])
    assert str(caught.value) == (
        f"template {filtered}: 'rpm_pyconfig.runtime.Runtime object' has no attribute 'nosuch'"
    )
    attribute = write(tmp_path / "a.j2", "{{ runtimes[0].nosuch }}\n")
    with pytest.raises(TemplateError) as caught:
        render(attribute, [pypy])
    assert str(caught.value) == (
        f"template {attribute}: 'rpm_pyconfig.runtime.Runtime object' has no attribute 'nosuch'"
    )


def test_syntax_error_names_the_line(pypy: Runtime, tmp_path: Path) -> None:
    template = write(tmp_path / "t.j2", "line 1\n{{ fine }}\n{% for x in %}\n{% endfor %}\n")
    with pytest.raises(TemplateError) as caught:
        render(template, [pypy], {"fine": 1})
    assert str(caught.value) == (
        f"template {template}:3: Expected an expression, got 'end of statement block'"
    )


def test_unknown_template_suggests_a_name(pypy: Runtime) -> None:
    with pytest.raises(TemplateError) as caught:
        render("subpackage", [pypy])
    assert str(caught.value) == (
        "no template 'subpackage' (did you mean 'subpackages'?); shipped templates: "
        + ", ".join(SHIPPED) + "; or give the path of a template file"
    )
    assert render("prep.j2", [pypy]) == render("prep", [pypy])


def test_unreadable_template_file(pypy: Runtime, tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as caught:
        render(str(tmp_path / "nope.j2"), [pypy])
    assert str(caught.value) == (
        f"cannot read template {tmp_path / 'nope.j2'}: No such file or directory"
    )


def test_include_of_a_name_not_shipped(pypy: Runtime, tmp_path: Path) -> None:
    template = write(tmp_path / "t.j2", '{% include "prep.j2" %}{% include "nosuch.j2" %}\n')
    with pytest.raises(TemplateError) as caught:
        render(template, [pypy])
    assert str(caught.value) == (
        f"template {template}: cannot include 'nosuch.j2'; shipped templates: "
        + ", ".join(name + ".j2" for name in SHIPPED)
    )


# -- the wheel ships the templates ---------------------------------------------------------


def _copy_repository(destination: Path) -> Path:
    """The working tree without caches, builds and the virtualenv (symlinks kept as links)."""
    skip = {".git", ".venv", "build", "dist", "out", ".hypothesis", ".mypy_cache", ".pytest_cache",
            ".ruff_cache", "__pycache__"}
    shutil.copytree(
        REPO, destination, symlinks=True,
        ignore=lambda _dir, names: [n for n in names if n in skip or n.endswith(".egg-info")],
    )
    return destination


def test_wheel_ships_templates_and_py_typed(tmp_path: Path) -> None:
    source = _copy_repository(tmp_path / "src")
    assert (source / "rpm_pyconfig" / "templates").is_symlink()
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-w", str(tmp_path / "dist"), "."],
        cwd=source, capture_output=True, text=True, check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert wheel.name == "rpm_pyconfig-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        members = archive.namelist()
        templates = sorted(m for m in members if m.startswith("rpm_pyconfig/templates/"))
        assert templates == [
            "rpm_pyconfig/templates/__init__.py",
            "rpm_pyconfig/templates/app.j2",
            "rpm_pyconfig/templates/build.j2",
            "rpm_pyconfig/templates/buildrequires.j2",
            "rpm_pyconfig/templates/check.j2",
            "rpm_pyconfig/templates/generate_buildrequires.j2",
            "rpm_pyconfig/templates/install.j2",
            "rpm_pyconfig/templates/prep.j2",
            "rpm_pyconfig/templates/spec.j2",
            "rpm_pyconfig/templates/subpackages.j2",
            "rpm_pyconfig/templates/test.j2",
        ]
        for name in templates:
            assert archive.read(name) == (REPO / "templates" / name.rsplit("/", 1)[1]).read_bytes()
        assert "rpm_pyconfig/py.typed" in members
        # the build-time helper that application specs copy into their source RPM
        assert "rpm_pyconfig/appenv.py" in members
        entry_points = archive.read("rpm_pyconfig-0.1.0.dist-info/entry_points.txt").decode()
        assert "[console_scripts]\nrpm-pyconfig = rpm_pyconfig.cli:" in entry_points


# -- names against files ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["prep", "prep.j2"])
def test_shipped_names_never_read_the_working_directory(
    name: str, three: list[Runtime], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file called `prep` where rpm runs must not replace %pyconfig_prep."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / name, "hijacked\n")
    shipped = render(name, three)
    assert "hijacked" not in shipped
    assert shipped.startswith(
        "rm -rf _pyconfig/src/python3.11 && mkdir -p _pyconfig/src/python3.11\n"
    )
    assert render(f".{os.sep}{name}", three) == "hijacked\n"  # asked for as a path: the file


def test_other_names_still_find_files_of_the_working_directory(
    three: list[Runtime], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "mine.j2", "{{ runtimes | length }}\n")
    assert render("mine.j2", three) == "3\n"
