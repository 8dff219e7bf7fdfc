"""Hostile project metadata through the spec generator and the real rpm tools.

Every metadata field the generator reads gets payloads of every rpm construct, from every kind
of source (project directory, sdist, wheel, and ``--static``).  A generated spec goes through
``rpmspec -P``, ``rpmspec -q --qf`` of every scriptlet tag and ``rpmbuild -bs``; each payload
would ``touch`` a marker file if rpm ever ran it.  The rule under test: the value comes out
literally (in the SRPM's metadata, or in what the macros read back), or the generator refuses
it with a message naming the field and the value.  Nothing runs, nothing reaches a scriptlet.

Many projects go into one rpm call (``rpmspec`` and ``rpmbuild`` take several specs): one
project per payload carries it in every field that accepts it.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from rpm_pyconfig.dropin import format_conf
from rpm_pyconfig.errors import MetadataError, PyConfigError
from rpm_pyconfig.registry import load_registry
from rpm_pyconfig.runtime import Runtime
from rpm_pyconfig.specgen import generate_spec
from tests.rpmtools import MACROS, have_rpm_tools, run, tool_env
from tests.test_specgen_declarative import check_declarative, rpm_has_buildsystem

REGISTRY = Path(__file__).parent / "data" / "specgen" / "registry"

#: Every scriptlet tag a package can carry: none may be set in a generated spec's packages.
SCRIPTLET_TAGS = (
    "PREIN", "POSTIN", "PREUN", "POSTUN", "PRETRANS", "POSTTRANS", "VERIFYSCRIPT",
    "PREINPROG", "POSTINPROG", "PREUNPROG", "POSTUNPROG", "PRETRANSPROG", "POSTTRANSPROG",
)
SCRIPTLET_ARRAYS = ("TRIGGERSCRIPTS", "FILETRIGGERSCRIPTS", "TRANSFILETRIGGERSCRIPTS")
SEP = "@@|@@"
QUERY = (
    f"%{{NAME}}{SEP}%{{SUMMARY}}{SEP}"
    + SEP.join(f"%{{{tag}}}" for tag in SCRIPTLET_TAGS)
    + SEP
    + SEP.join(f"[%{{{tag}}}]" for tag in SCRIPTLET_ARRAYS)
    + "\\n"
)
PREFIXES = ("python", "python3", "python3-debug", "pypy3")


def rpm_required() -> None:
    if not have_rpm_tools():
        if os.environ.get("CI") == "true":
            pytest.fail("rpmbuild/rpmspec/rpm are missing (CI=true: a missing tool is a failure)")
        pytest.skip("rpmbuild not installed")


# -- payloads ---------------------------------------------------------------------------------


def payloads(marker: Path, include: Path) -> dict[str, list[str]]:
    """Families of hostile text; running any of them creates *marker*."""
    m = str(marker)
    return {
        "shell": [f"%(touch {m})", f"x %%(touch {m}) y", f"%%%%(touch {m})", f"a%(touch {m}"],
        "lua": [f"%{{lua:os.execute('touch {m}')}}", f"%%{{lua:os.execute('touch {m}')}}",
                f"x %{{lua: os.execute(\"touch {m}\") }} y"],
        "expand": [f"%{{expand:%%(touch {m})}}", f"%{{expand:%%%%(touch {m})}}",
                   f"%{{?nil:%(touch {m})}}", f"%[ %(touch {m}) ]"],
        "include": [f"%include {include}", f"x\n%include {include}\n", f" %include {include}"],
        "source": ["%{SOURCE0}", "%{_sourcedir}", "%{buildroot}", "%{S:0}", "%_topdir"],
        "section": [f"x\n%post\ntouch {m}\n", f"x\n%pretrans -p <lua>\nos.execute('touch {m}')",
                    "x\n%files\n/etc/shadow", "%package -n evil", "\n%description\nx"],
        "conditional": ["x\n%if 1\ny", " %endif", "%else", "%{?!x:%{error:boom}}", "%if 0"],
        "brace": ["%{", "}", "x %{y", "{{", "%(", ")", "%[1+", "}}%{", "a{b}c"],
        "backslash": ["x\\", "\\", "\\%{", "a\\\nb", "\\\\%%{", "a\\b"],
        "comment": ["# c", "x\n# c", "#"],
        "control": ["a\x00b", "\x1b[31mred", "a\rb", "a\x7fb", "a\x0bb", "a\u2028b"],
        "percent": ["100%", "%%", "%", "50%% off", "%%%"],
    }


# -- building hostile sources -----------------------------------------------------------------


def toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, except that TOML wants \\uXXXX for DEL."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


@dataclass
class Project:
    """One hostile project: what it declares, and the fields expected in the spec."""

    payload: str
    summary: str | None = None
    requires: list[str] = field(default_factory=list)
    build_requires: list[str] = field(default_factory=list)
    license_text: str | None = None
    classifiers: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    readme: str | None = None
    scripts: dict[str, str] = field(default_factory=dict)
    homepage: str | None = None
    extras: dict[str, list[str]] = field(default_factory=dict)
    name: str = "hostile"
    version: str = "1.0"


def pyproject(project: Project) -> str:
    lines = [
        "[build-system]",
        "requires = [{}]".format(
            ", ".join(toml_string(r) for r in project.build_requires or ["setuptools"])
        ),
        'build-backend = "setuptools.build_meta"',
        "[project]",
        f"name = {toml_string(project.name)}",
        f"version = {toml_string(project.version)}",
    ]
    if project.summary is not None:
        lines.append(f"description = {toml_string(project.summary)}")
    if project.requires:
        lines.append(f"dependencies = [{', '.join(toml_string(r) for r in project.requires)}]")
    if project.license_text is not None:
        lines.append(f"license = {{text = {toml_string(project.license_text)}}}")
    if project.classifiers:
        lines.append(f"classifiers = [{', '.join(toml_string(c) for c in project.classifiers)}]")
    if project.keywords:
        lines.append(f"keywords = [{', '.join(toml_string(k) for k in project.keywords)}]")
    if project.readme is not None:
        lines.append(
            f"readme = {{text = {toml_string(project.readme)}, content-type = \"text/plain\"}}"
        )
    if project.homepage is not None:
        lines.append(f"urls = {{Homepage = {toml_string(project.homepage)}}}")
    if project.scripts:
        lines.append("[project.scripts]")
        lines += [f"{toml_string(k)} = {toml_string(v)}" for k, v in project.scripts.items()]
    if project.extras:
        lines.append("[project.optional-dependencies]")
        lines += [
            f"{toml_string(k)} = [{', '.join(toml_string(r) for r in v)}]"
            for k, v in project.extras.items()
        ]
    return "\n".join(lines) + "\n"


def _header(value: str) -> str:
    """A core-metadata header value: continuation lines start with blanks (RFC 822 folding)."""
    return value.replace("\r", " ").replace("\n", "\n        ")


def core_metadata(project: Project) -> bytes:
    lines = ["Metadata-Version: 2.2", f"Name: {project.name}", f"Version: {project.version}"]
    if project.summary is not None:
        lines.append(f"Summary: {_header(project.summary)}")
    if project.homepage is not None:
        lines.append(f"Project-URL: Homepage, {_header(project.homepage)}")
    if project.license_text is not None:
        lines.append(f"License: {_header(project.license_text)}")
    lines += [f"Classifier: {_header(c)}" for c in project.classifiers]
    if project.keywords:
        lines.append(f"Keywords: {_header(','.join(project.keywords))}")
    lines += [f"Requires-Dist: {_header(r)}" for r in project.requires]
    for extra, requirements in project.extras.items():
        lines.append(f"Provides-Extra: {_header(extra)}")
        lines += [f"Requires-Dist: {_header(r)}; extra == {json.dumps(extra)}"
                  for r in requirements]
    text = "\n".join(lines) + "\n\n" + (project.readme or "")
    return text.encode("utf-8", "surrogateescape")


def make_directory(project: Project, where: Path) -> Path:
    where.mkdir(parents=True)
    (where / "pyproject.toml").write_text(pyproject(project), encoding="utf-8")
    (where / "hostile").mkdir()
    (where / "hostile" / "__init__.py").write_text("", encoding="utf-8")
    return where


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def make_sdist(
    project: Project, where: Path, *, top: str | None = None, filename: str | None = None
) -> Path:
    """An sdist with PKG-INFO (and, for the build requirements, a pyproject.toml with no
    [project] table: PKG-INFO then supplies every field)."""
    where.mkdir(parents=True)
    top = top or f"{project.name}-{project.version}"
    path = where / (filename or f"{project.name}-{project.version}.tar.gz")
    build = "[build-system]\nrequires = [{}]\nbuild-backend = \"setuptools.build_meta\"\n".format(
        ", ".join(toml_string(r) for r in project.build_requires or ["setuptools"])
    )
    with tarfile.open(path, "w:gz") as tar:
        _add(tar, f"{top}/PKG-INFO", core_metadata(project))
        _add(tar, f"{top}/pyproject.toml", build.encode())
        _add(tar, f"{top}/hostile/__init__.py", b"")
    return path


def make_wheel(project: Project, where: Path, *, filename: str | None = None) -> Path:
    where.mkdir(parents=True)
    path = where / (filename or f"{project.name}-{project.version}-py3-none-any.whl")
    info = "hostile-1.0.dist-info"  # the reader takes the one *.dist-info, whatever its name
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"{info}/METADATA", core_metadata(project))
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
        wheel.writestr("hostile/__init__.py", "")
        if project.scripts:
            wheel.writestr(
                f"{info}/entry_points.txt",
                "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in project.scripts.items()),
            )
    return path


SOURCES: dict[str, Callable[[Project, Path], Path]] = {
    "directory": make_directory,
    "sdist": make_sdist,
    "wheel": make_wheel,
    "static": make_directory,
    "declarative": make_directory,
}


def runtimes() -> tuple[Runtime, ...]:
    return load_registry([str(REGISTRY)], explicit=True).runtimes


def generate(kind: str, source: Path) -> str:
    static = kind == "static"
    return generate_spec(source, static=static, declarative=kind == "declarative",
                         runtimes=runtimes() if static else ()).text


# -- what rpm makes of generated specs ----------------------------------------------------------

#: Appended to each spec: what the macros read back of the values they pass to rpm-pyconfig.
PROBE = """
%{lua:
local out = io.open(rpm.expand("%{_hostile_probe}"), "w")
for _, name in ipairs({"pyconfig_requires_dist", "pyconfig_build_requires", "pyconfig_summary"}) do
  out:write(name, "=", rpm.expand("%{?" .. name .. "}"), "\\0")
end
out:close()
}
"""


@dataclass
class Case:
    family: str
    kind: str
    project: Project
    spec: Path
    expected_summary: str


def _summary_as_written(summary: str | None, name: str) -> str:
    if summary is None:
        return f"The {name} Python project"
    return " ".join(summary.split()).rstrip(".") or f"The {name} Python project"


class Rpm:
    """rpm's view of many generated specs, asked in a few calls."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.sourcedir = tmp / "SOURCES"
        self.sourcedir.mkdir(parents=True, exist_ok=True)
        self.env = tool_env(REGISTRY)
        registry = tmp / "registry"
        registry.mkdir(exist_ok=True)
        for runtime in runtimes():
            (registry / f"{runtime.name}.conf").write_text(format_conf(runtime), encoding="utf-8")
        self.env["RPM_PYCONFIG_PATH"] = str(registry)

    def options(self) -> list[str]:
        return [
            "--define", f"_topdir {self.tmp / 'top'}",
            "--define", f"_sourcedir {self.sourcedir}",
        ]

    def write(self, text: str, spec: Path) -> None:
        """The generated *text*, and around it the test's scaffolding: the macros loaded by
        the spec itself (rpm forgets --load after the first of several specs) and the probe."""
        spec.write_text(
            f"%{{load:{MACROS}}}\n%global _hostile_probe {spec}.probe\n{text}{PROBE}",
            encoding="utf-8",
        )
        for line in text.splitlines():
            if line.startswith("Source0:"):
                name = line.split("/")[-1].replace("%{pypi_version}", self._version(text))
                (self.sourcedir / name).write_bytes(b"")

    @staticmethod
    def _version(text: str) -> str:
        return text.split("%global pypi_version ", 1)[1].split("\n", 1)[0]

    def check(self, cases: list[Case], marker: Path) -> None:
        """rpmspec -P, rpmspec -q of every scriptlet tag, rpmbuild -bs, then the SRPMs."""
        specs = [str(case.spec) for case in cases]
        parsed = run(["rpmspec", "-P", *self.options(), *specs], self.env, cwd=self.tmp)
        assert parsed.returncode == 0, parsed.stderr
        assert not marker.exists(), "rpmspec -P ran a payload"
        query = run(["rpmspec", "-q", "--qf", QUERY, *self.options(), *specs], self.env,
                    cwd=self.tmp)
        assert query.returncode == 0, query.stderr
        assert not marker.exists(), "rpmspec -q ran a payload"
        summaries = {
            f"{prefix}-{canonicalize_name(case.project.name)}": case.expected_summary
            for case in cases for prefix in PREFIXES
        }
        lines = query.stdout.split("\n")[:-1]
        assert len(lines) == len(summaries), query.stdout  # every runtime's subpackage
        for line in lines:
            name, summary, *scripts = line.split(SEP)
            assert all(s in ("(none)", "") for s in scripts), line
            assert summary == summaries[name], (name, summary)  # subpackages too
        for case in cases:
            self.check_probe(case)
        built = run(["rpmbuild", "-bs", "--nodeps", *self.options(), *specs], self.env,
                    cwd=self.tmp)
        assert built.returncode == 0, built.stderr
        assert not marker.exists(), "rpmbuild -bs ran a payload"
        for case in cases:
            srpm = next((self.tmp / "top" / "SRPMS").glob(f"python-{case.project.name}-*.src.rpm"))
            self.check_srpm(case, srpm)
            srpm.unlink()

    def check_probe(self, case: Case) -> None:
        values = dict(
            item.split("=", 1)
            for item in Path(f"{case.spec}.probe").read_text(encoding="utf-8").split("\0")
            if item
        )
        if case.kind != "static":
            assert values["pyconfig_summary"] == case.expected_summary
            assert values["pyconfig_requires_dist"].lstrip("\n").split("\n") == (
                requires_dist_of(case.project) or [""]
            )
            default = ["setuptools>=40.8.0"] if case.kind == "wheel" else ["setuptools"]
            assert values["pyconfig_build_requires"].lstrip("\n").split("\n") == (
                case.project.build_requires or default
            )

    def check_srpm(self, case: Case, srpm: Path) -> None:
        fmt = "@@SEP@@".join(["%{SUMMARY}", "%{DESCRIPTION}", "%{URL}", "%{LICENSE}",
                              "[%{CHANGELOGTEXT}]", "[%{SOURCE}]"])
        out = subprocess.run(["rpm", "-qp", "--qf", fmt, str(srpm)], capture_output=True,
                             check=True).stdout.decode("utf-8", "surrogateescape")
        summary, description, url, _license, changelog, source = out.split("@@SEP@@")
        assert summary == case.expected_summary, (case.family, case.kind, case.project.payload)
        flat = " ".join(description.split())
        assert flat.endswith(case.expected_summary + "."), (description, case.expected_summary)
        if case.project.homepage is not None:
            assert url == case.project.homepage, (url, case.project.homepage)
        assert changelog.startswith("- Spec generated from ")
        assert source.endswith(".tar.gz") and "%" not in source, source


def requires_dist_of(project: Project) -> list[str]:
    """The Requires-Dist lines a project declares, as the spec carries them."""
    lines = list(project.requires)
    for extra, requirements in project.extras.items():
        lines += [f"{r}; extra == \"{extra}\"" for r in requirements]
    return lines


# -- which field takes which payload --------------------------------------------------------

_CONTROL = set(map(chr, range(32))) | {"\x7f", "\u2028", "\u2029", "\x85"}


def summary_accepts(text: str) -> bool:
    """Blanks and line breaks become one space; other control characters are refused."""
    return not any(c in _CONTROL and c not in " \t\n\r" for c in text)


def marker_value_accepts(text: str) -> bool:
    """A marker's quoted string: no braces, backslashes, control characters or quotes."""
    return not (set(text) & (_CONTROL | set('{}\\"')))


def literal_project(payload: str, name: str) -> Project:
    """*payload* in every field that accepts it (the others get harmless values)."""
    marker_value = payload if marker_value_accepts(payload) else "x86"
    return Project(
        payload=payload,
        name=name,
        summary=f"S {payload} E" if summary_accepts(payload) else None,
        requires=[f'foo; platform_machine == "{marker_value}"', "bar>=1"],
        build_requires=["setuptools", f'wheel; platform_machine == "{marker_value}"'],
        license_text=f"L {payload}",
        classifiers=[f"License :: {payload}", f"Topic :: {payload}"],
        keywords=[payload],
        readme=f"R {payload}",
        scripts={f"cmd {payload}": "hostile:main"},
        homepage="https://example.com/a%20b?q=1&r=%25",
    )


FAMILIES = payloads(Path("/MARKER"), Path("/INCLUDE"))

#: How many payloads of each family go through rpm per source kind in the default run (static
#: specs parse fast: all of them); ``-m property`` runs every payload for every kind.
SAMPLE = {"directory": 2, "sdist": 1, "wheel": 1, "static": 99, "declarative": 2}


def _kinds() -> list[Any]:
    return [pytest.param(kind, SAMPLE[kind], id=f"{kind}-sample") for kind in sorted(SOURCES)] + [
        pytest.param(kind, 99, id=f"{kind}-every", marks=pytest.mark.property)
        for kind in sorted(SOURCES) if SAMPLE[kind] < 99
    ]


@pytest.mark.rpm
@pytest.mark.parametrize(("kind", "per_family"), _kinds())
def test_payloads_come_out_literally_or_run_nowhere(
    tmp_path: Path, kind: str, per_family: int, request: pytest.FixtureRequest
) -> None:
    """One project per payload, every accepting field loaded with it, through rpm."""
    if per_family > SAMPLE[kind] and "property" not in request.config.getoption("markexpr", ""):
        pytest.skip("every payload through rpm (minutes): select it with -m property")
    rpm_required()
    marker = tmp_path / "MARKER"
    include = tmp_path / "include.spec"
    include.write_text(f"%(touch {marker})\n%post\ntouch {marker}\n", encoding="utf-8")
    rpm = Rpm(tmp_path)
    cases = []
    for family, values in payloads(marker, include).items():
        for index, payload in enumerate(values):
            if index >= per_family:
                continue
            name = f"hostile-{family}-{index}"
            project = literal_project(payload, name)
            if kind != "directory" and any(c in _CONTROL and c not in " \t\n" for c in payload):
                project.license_text = project.readme = None  # a NUL ends a header
                project.classifiers = project.keywords = []
            if kind == "wheel":
                project.build_requires = []  # a wheel has no build requirements
                project.scripts = {"hostile-cmd": "hostile:main"}  # entry_points.txt is INI
            source = SOURCES[kind](project, tmp_path / "src" / name)
            text = generate(kind, source)
            if kind == "declarative":  # BuildSystem: pyconfig adds only fixed text
                check_declarative(generate("directory", source), text)
            assert str(marker) not in text or "%%" in text or payload not in text
            spec = tmp_path / "specs" / f"{name}.spec"
            spec.parent.mkdir(exist_ok=True)
            rpm.write(text, spec)
            expected = _summary_as_written(project.summary, name)
            cases.append(Case(family, kind, project, spec, expected))
    if kind == "declarative" and not rpm_has_buildsystem():
        return  # rpm < 4.20 stops at the guard; check_declarative above holds it to "directory"
    rpm.check(cases, marker)
    assert not marker.exists()


# -- refusals ---------------------------------------------------------------------------------

#: field -> (what the project declares, the label its messages use).  Each gets every payload.
REFUSING_FIELDS: dict[str, tuple[Callable[[str], dict[str, object]], tuple[str, ...]]] = {
    "name": (lambda p: {"name": f"n{p}"}, ("name", "Name")),
    "version": (lambda p: {"version": f"1.0{p}"}, ("version", "Version")),
    "homepage": (lambda p: {"homepage": f"https://e.com/{p}"}, ("urls", "Project-URL")),
    "extra": (lambda p: {"extras": {f"x{p}": ["foo"]}}, ("optional-dependencies",
                                                        "Provides-Extra", "Requires-Dist")),
    "requirement-name": (lambda p: {"requires": [f"foo{p}"]}, ("dependencies", "Requires-Dist")),
    "direct-url-brace": (lambda p: {"requires": [f"foo @ https://e.com/{{{p}"]},
                         ("dependencies", "Requires-Dist")),
    # marker strings the %{expand:} landing spot cannot carry: braces, backslashes, controls
    "marker": (lambda p: {"requires": [f'foo; platform_machine == "{p}"']},
               ("dependencies", "Requires-Dist")),
}


def _refusal_applies(field_name: str, payload: str) -> bool:
    """Payloads a field's grammar lets through (they are tested as literals elsewhere)."""
    if field_name in ("name", "version", "extra", "requirement-name", "direct-url-brace"):
        return True
    if field_name == "marker":
        return not marker_value_accepts(payload) and '"' not in payload
    if field_name == "homepage":
        return not all(c.isalnum() or c in "-._~:/?#[]@!$&'()*+,;=" for c in payload) or (
            "%" in payload
        )
    return True


@pytest.mark.parametrize("kind", ["directory", "sdist", "wheel"])
@pytest.mark.parametrize("field_name", sorted(REFUSING_FIELDS))
def test_fields_with_a_grammar_refuse_every_payload(
    tmp_path: Path, field_name: str, kind: str
) -> None:
    """Names, versions, extras, requirement names and URLs are checked, never escaped."""
    declare, labels = REFUSING_FIELDS[field_name]
    count = 0
    for family, values in FAMILIES.items():
        for index, payload in enumerate(values):
            if not _refusal_applies(field_name, payload):
                continue
            if kind != "directory" and ("\n" in payload or "\r" in payload or "\x00" in payload
                                         or "\u2028" in payload):
                continue  # headers fold or end there: the value read is another one
            project = Project(payload=payload, summary="s")
            for key, value in declare(payload).items():
                setattr(project, key, value)
            where = tmp_path / f"{family}-{index}"
            if kind == "sdist":
                source = make_sdist(project, where, top="hostile-1.0",
                                    filename="hostile-1.0.tar.gz")
            elif kind == "wheel":
                source = make_wheel(project, where, filename="hostile-1.0-py3-none-any.whl")
            else:
                source = SOURCES[kind](project, where)
            with pytest.raises(MetadataError) as caught:
                generate(kind, source)
            message = str(caught.value)
            assert any(label in message for label in labels), message
            declared = [payload, payload.strip(), canonicalize_name(f"x{payload}")[1:]]
            for value in declare(payload).values():
                if isinstance(value, str):
                    declared.append(value)
                elif isinstance(value, (list, dict)):
                    declared += list(value)
            shown = {repr(text) for text in declared} | {repr(text)[1:-1] for text in declared}
            assert any(text in message for text in shown), (payload, message)
            assert "Traceback" not in message
            count += 1
    assert count > (10 if field_name == "marker" else 20)


@pytest.mark.parametrize(
    ("top", "filename", "label"),
    [
        ("hostile-1.0 %(touch M)", None, "top directory"),
        ("hostile-1.0\n%post\necho INJECTED", None, "member"),
        ("..", None, "member"),
        ("hostile-1.0'$(id)'", None, "top directory"),
        (None, "hostile-%(touch M)-1.0.tar.gz", "sdist file name"),
        (None, "hostile-1.0 x.tar.gz", "sdist file name"),
        (None, "hostile-1.0'$(id)'.tar.gz", "sdist file name"),
        (None, "hostile-1.0\n%post.tar.gz", "sdist file name"),
    ],
)
def test_sdist_names_are_checked(
    tmp_path: Path, top: str | None, filename: str | None, label: str
) -> None:
    """%autosetup -n and Source0 take the sdist's own names: refused unless plain file names."""
    project = Project(payload="", summary="s")
    try:
        source = make_sdist(project, tmp_path / "s", top=top, filename=filename)
    except OSError:
        pytest.skip("the file system refuses that name")
    with pytest.raises(PyConfigError) as caught:
        generate("sdist", source)
    assert label in str(caught.value)
    assert repr(top or filename)[1:-1] in str(caught.value) or "outside" in str(caught.value)


def test_non_utf8_metadata_is_refused(tmp_path: Path) -> None:
    project = Project(payload="", summary="s")
    source = make_sdist(project, tmp_path / "s")
    with tarfile.open(source, "w:gz") as tar:
        _add(tar, "hostile-1.0/PKG-INFO", b"Metadata-Version: 2.2\nName: hostile\nVersion: 1.0\n"
             b"Summary: caf\xe9 %(touch M)\n")
    with pytest.raises(MetadataError, match=r"PKG-INFO: not UTF-8 text"):
        generate("sdist", source)
    directory = make_directory(project, tmp_path / "d")
    (directory / "pyproject.toml").write_bytes(
        b'[project]\nname = "hostile"\nversion = "1.0"\ndescription = "caf\xe9"\n'
    )
    with pytest.raises(MetadataError, match=r"pyproject\.toml: not UTF-8 text"):
        generate("directory", directory)


def test_summary_control_characters_are_refused(tmp_path: Path) -> None:
    for payload in FAMILIES["control"]:
        if summary_accepts(payload):
            continue
        project = Project(payload=payload, summary=f"s{payload}")
        with pytest.raises(MetadataError) as caught:
            generate("directory", make_directory(project, tmp_path / f"c{ord(payload[1])}"))
        assert "[project] description" in str(caught.value)
        assert repr(f"s{payload}") in str(caught.value)


# -- hypothesis: rpm as the oracle ------------------------------------------------------------

_URL_PATHS = st.lists(
    st.sampled_from([*"-._~:/?#[]@!$&'()*+,;=az09", "%25", "%7B", "%7D", "%0A", "%28"]),
    max_size=16,
).map("".join)


_RPM_ALPHABET = st.sampled_from([*"%{}()[]\\#:?!-*@$'\"` \nxyz0SOURCElua", "%post", "%if"])
_TEXTS = st.lists(_RPM_ALPHABET, min_size=1, max_size=24).map("".join)


@pytest.mark.rpm
@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(summaries=st.lists(_TEXTS, min_size=6, max_size=6),
       urls=st.lists(_URL_PATHS, min_size=6, max_size=6))
def test_any_summary_comes_out_literally(tmp_path_factory: pytest.TempPathFactory,
                                         summaries: list[str], urls: list[str]) -> None:
    """Six projects per rpm run; each summary, marker and URL comes out as written (blanks
    normalised) or is refused."""
    rpm_required()
    tmp = tmp_path_factory.mktemp("hyp")
    marker = tmp / "MARKER"
    rpm = Rpm(tmp)
    cases = []
    for index, summary in enumerate(summaries):
        name = f"hyp-{index}"
        project = Project(payload=summary, name=name, summary=summary,
                          requires=[f'foo; platform_machine == "{summary}"']
                          if marker_value_accepts(summary) else [],
                          homepage=f"https://example.com/{urls[index]}")
        source = make_directory(project, tmp / "src" / name)
        try:
            text = generate("directory", source)
        except MetadataError as error:
            assert repr(summary)[1:-1] in str(error) or "invalid requirement" in str(error)
            continue
        spec = tmp / f"{name}.spec"
        rpm.write(text, spec)
        cases.append(Case("hypothesis", "directory", project, spec,
                          _summary_as_written(summary, name)))
    if cases:
        rpm.check(cases, marker)


@pytest.mark.rpm
def test_hostile_source_names_come_out_literally(tmp_path: Path) -> None:
    """The wheel's file name and the project directory's name land in a comment and in the
    changelog (expanded once): literal there, and nothing runs."""
    rpm_required()
    marker = tmp_path / "MARKER"  # rpm runs in tmp_path: the payloads' relative name
    rpm = Rpm(tmp_path)
    hostile = "x %(touch MARKER) %{lua:os.execute('touch MARKER')} \\"
    cases = []
    for kind, index in (("wheel", 0), ("directory", 1)):
        name = f"hostile-source-{index}"
        project = Project(payload=hostile, name=name, summary="s")
        if kind == "wheel":
            source = make_wheel(project, tmp_path / "w", filename=f"{hostile}.whl")
        else:
            source = make_directory(project, tmp_path / "d" / hostile)
        spec = tmp_path / f"{name}.spec"
        rpm.write(generate(kind, source), spec)
        cases.append(Case("source-name", kind, project, spec, "s"))
    rpm.check(cases, marker)
    for case in cases:
        changelog = run(["rpmspec", "-q", "--srpm", "--qf", "[%{CHANGELOGTEXT}]",
                         *rpm.options(), str(case.spec)], rpm.env, cwd=tmp_path)
        expected = f"{hostile}.whl" if case.kind == "wheel" else hostile
        assert changelog.stdout == f"- Spec generated from {expected}", changelog.stderr
    assert not marker.exists()


@pytest.mark.rpm
def test_a_hostile_backend_name_in_the_note_runs_nowhere(tmp_path: Path) -> None:
    """The NOTE that names the build backend which computed the metadata: a backend can
    succeed under any attribute name (``hb:%(touch MARKER)``), so the name lands in the spec
    and must stay inert there; the generated spec goes through rpmspec -P, -q and rpmbuild
    -bs, and its distname line (``python-`` project names) too."""
    import sys

    from rpm_pyconfig.backend import MetadataBackend

    rpm_required()
    marker = tmp_path / "MARKER"
    assert "." not in str(marker)  # the backend's object path is split at dots
    payload = f"%(touch {marker})"
    project = tmp_path / "src" / "python-hb-1.0"
    (project / "_build").mkdir(parents=True)
    (project / "_build" / "hb.py").write_text(
        "import os, sys\n"
        "class Backend:\n"
        "    @staticmethod\n"
        "    def prepare_metadata_for_build_wheel(directory, config_settings=None):\n"
        "        info = os.path.join(directory, 'python_hb-1.0.dist-info')\n"
        "        os.makedirs(info)\n"
        "        with open(os.path.join(info, 'METADATA'), 'w') as out:\n"
        "            out.write('Metadata-Version: 2.1\\nName: python-hb\\nVersion: 1.0\\n'\n"
        "                      'Requires-Dist: foo\\nProvides-Extra: tests\\n'\n"
        "                      'Requires-Dist: pytest; extra == \"tests\"\\n')\n"
        "        return 'python_hb-1.0.dist-info'\n"
        f"setattr(sys.modules[__name__], {payload!r}, Backend)\n",
        encoding="utf-8",
    )
    (project / "pyproject.toml").write_text(
        "[build-system]\nrequires = []\nbackend-path = [\"_build\"]\n"
        f"build-backend = {toml_string('hb:' + payload)}\n", encoding="utf-8",
    )
    (project / "PKG-INFO").write_text(
        "Metadata-Version: 2.1\nName: python-hb\nVersion: 1.0\nSummary: s\nLicense: MIT\n",
        encoding="utf-8",
    )
    sdist = tmp_path / "python-hb-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        tar.add(project, arcname="python-hb-1.0")
    text = generate_spec(sdist, backend=MetadataBackend(sys.executable)).text
    note = (f"# NOTE: Provides-Extra, Requires-Dist: computed by the project's build backend "
            f"(hb:{payload}); no static metadata vouched for them")
    assert note.replace("%", "%%") in text
    assert "%global pyconfig_distname python-hb\n" in text
    assert "# NOTE: REVIEW extras that look like development-only ones: tests " in text
    rpm = Rpm(tmp_path)
    spec = tmp_path / "specs" / "python-hb.spec"
    spec.parent.mkdir()
    rpm.write(text, spec)
    parsed = run(["rpmspec", "-P", *rpm.options(), str(spec)], rpm.env, cwd=tmp_path)
    assert parsed.returncode == 0, parsed.stderr
    assert not marker.exists(), "rpmspec -P ran the backend's name"
    query = run(["rpmspec", "-q", "--provides", *rpm.options(), str(spec)], rpm.env,
                cwd=tmp_path)
    assert query.returncode == 0, query.stderr
    assert "python3dist(python-hb) = 1" in query.stdout.splitlines()
    assert not marker.exists(), "rpmspec -q ran the backend's name"
    built = run(["rpmbuild", "-bs", "--nodeps", *rpm.options(), str(spec)], rpm.env,
                cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert not marker.exists()
# -- %generate_buildrequires ------------------------------------------------------------------


@pytest.mark.rpm
def test_generated_build_dependencies_come_out_literally(tmp_path: Path) -> None:
    """A new landing spot: the words %generate_buildrequires echoes (dependencies computed
    from requirements and from the registry, whose devel_requires is free text).  rpmbuild
    -br runs the scriptlet and reads its lines literally: the hostile registry value comes
    out whole as one requirement of the buildreqs package, and nothing runs."""
    from tests.rpmtools import macros_options, probe_registry, rpm_query
    from tests.test_specgen import DATA, build_sdist

    rpm_required()
    marker = tmp_path / "MARKER"
    payload = (f"/x/%(touch${{IFS}}{marker})$(touch${{IFS}}{marker})`touch${{IFS}}{marker}`"
               f"%{{lua:os.execute(\"touch\\32{marker}\")}}'\"%%{{?nil}}\\")
    registry = probe_registry(tmp_path / "registry")
    for conf in registry.glob("*.conf"):
        lines = [line for line in conf.read_text(encoding="utf-8").splitlines()
                 if not line.startswith("devel_requires")]
        conf.write_text("\n".join([*lines, f"devel_requires = {payload}", ""]), encoding="utf-8")
    assert load_registry([str(registry)], explicit=True).runtimes[0].devel_requires == payload
    sources = tmp_path / "sources"
    sources.mkdir()
    sdist = build_sdist(DATA / "c-extension", sources)
    env = tool_env(registry)
    spec = tmp_path / "python-fastsum.spec"
    made = run(["rpm-pyconfig", "spec", str(sdist), "-o", str(spec)], env)
    assert made.returncode == 0, made.stderr
    options = [*macros_options(), "--define", f"_topdir {tmp_path / 'top'}",
               "--define", f"_sourcedir {sources}", str(spec)]
    parsed = run(["rpmspec", "-P", *options], env)
    assert parsed.returncode == 0, parsed.stderr
    assert not marker.exists(), "rpmspec -P ran a payload"
    generated = run(["rpmbuild", "-br", "--nodeps", *options], env)
    assert generated.returncode == 11, generated.stderr[-3000:]
    assert not marker.exists(), "rpmbuild -br ran a payload"
    (nosrc,) = (tmp_path / "top" / "SRPMS").glob("*.buildreqs.nosrc.rpm")
    assert payload in rpm_query(nosrc, "--requires")
