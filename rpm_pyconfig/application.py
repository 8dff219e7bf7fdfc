"""One application and its whole dependency closure as one RPM, in a private environment.

``rpm-pyconfig app`` does here what must not happen inside ``rpmbuild``: it asks the
runtime's own pip for the exact closure (markers evaluated by the interpreter the
environment is for), downloads every sdist (and the wheels the packager allows) into a
sources directory that doubles as a cache keyed by file hash, and writes a spec in which
each of them is a ``Source`` with its sha256.  The build is then offline: ``%prep``
checks the hashes, ``%build`` turns each sdist into a wheel with the build backends of
the build root (``--no-build-isolation``: they are ``BuildRequires``, never downloaded),
``%install`` runs :mod:`rpm_pyconfig.appenv` (shipped as ``Source0``) to lay out the
environment for its final path and to check the buildroot.

Everything taken from metadata reaches the spec through :func:`spec_text` (free text) or
a grammar check (names, versions, file names, paths, URLs): no metadata becomes spec
syntax.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any
from urllib.parse import unquote, urlsplit

from . import __version__, spectext
from ._files import sha256_of, write_atomically
from .contexts import AppContext
from .errors import PyConfigError
from .rendering import render
from .runtime import Runtime
from .specgen import changelog_today, license_tag
from .spectext import SpecText

__all__ = [
    "DEFAULT_PREFIX",
    "AppSpec",
    "ApplicationError",
    "Artifact",
    "generate_app_spec",
    "resolve_closure",
    "spec_text",
    "write_app_spec",
]

#: Where environments go unless the packager says otherwise: ``/usr/lib/NAME`` holds
#: ``VERSION-RELEASE/`` (the environment) and ``current`` (the link upgrades switch).
DEFAULT_PREFIX = "/usr/lib"
#: The helper's file name inside the source RPM.
HELPER = "rpm-pyconfig-appenv.py"

_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?\Z")  # PEP 508 names
_RPM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*\Z")
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+!-]*\.(tar\.gz|tar\.bz2|tar\.xz|tgz|zip|whl)\Z")
_PATH = re.compile(r"^(/(?!\.\.?(?:/|\Z))[A-Za-z0-9._+-]+)+\Z")  # no . or .. part
_URL = re.compile(r"^https?://[A-Za-z0-9._~:/?#@!$&'()*+,;=-]+\Z")
_SHA256 = re.compile(r"^[0-9a-f]{64}\Z")
_ERE_SPECIAL = frozenset(".[]()*+?{}|^$")
# rpm refuses ".." in a Name or Release ("Illegal sequence"): refused here, naming the option.
_RELEASE = re.compile(r"^[0-9](?:[A-Za-z0-9_]|\.(?!\.))*\Z")
_PACKAGE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_+-]|\.(?!\.))*\Z")


class ApplicationError(PyConfigError):
    """The application, its closure or an option cannot make a correct spec."""


def spec_text(value: str) -> SpecText:
    """Free text from metadata as one line of spec text: whitespace folded, ``%`` escaped.

    The only way free text reaches an application spec: a newline could start a new tag or
    section and ``%`` a macro, so neither survives.
    """
    return spectext.line(_folded(value))


def _folded(value: str) -> str:
    """*value* with every character that is not printable a blank, and blanks folded."""
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())


def _description_lines(text: str) -> SpecText:
    """*text* as %description lines (expanded once), folded as :func:`spec_text` folds it
    (an invisible character is a blank, not part of a word that could start a line) and
    filled by :func:`spectext.paragraph`: no line starts with ``%`` or ``#``."""
    lines = spectext.paragraph(_folded(text), lead="-", field="description")
    return spectext.join([spec_text(item) for item in lines], "\n")


_EXPECTED = {
    _NAME: "a distribution name (letters, digits, '.', '_', '-')",
    _RPM_NAME: "letters, digits and '.', '_', '+', '-', starting with a letter or digit",
    _FILE: "an sdist or wheel file name of letters, digits and '.', '_', '+', '!', '-'",
    _PATH: "an absolute path of letters, digits and '.', '_', '+', '-', no part '.' or '..'",
    _SHA256: "64 lowercase hexadecimal digits",
    _RELEASE: "a digit, then letters, digits, '.' and '_', no '..'",
    _PACKAGE: "letters, digits and '.', '_', '+', '-', starting with a letter or digit, no '..'",
}


def _checked(pattern: re.Pattern[str], value: str, what: str) -> str:
    """*value* if it matches the grammar *pattern* (so it cannot be spec syntax), else an error."""
    if not pattern.match(value) or "%" in value:
        expected = _EXPECTED.get(pattern, f"text matching {pattern.pattern}")
        raise ApplicationError(f"{what}: {value!r} is not valid: want {expected}")
    return value


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class Artifact:
    """One file of the closure: an sdist (built in ``%build``) or an allowed wheel."""

    __slots__ = ("filename", "metadata", "name", "path", "sha256", "version")

    def __init__(
        self, *, name: str, version: str, path: str, sha256: str, metadata: Mapping[str, Any]
    ) -> None:
        #: The distribution name as its metadata spells it.
        self.name = _checked(_NAME, name, "distribution name")
        #: Its version (PEP 440, checked).
        self.version = version
        #: The file in the sources directory.
        self.path = path
        #: Its base name: the ``Source`` name.
        self.filename = _checked(_FILE, os.path.basename(path), f"{name}: file name")
        #: Its sha256, checked in ``%prep``.
        self.sha256 = _checked(_SHA256, sha256, f"{self.filename}: sha256")
        #: Core metadata as pip's installation report gives it.
        self.metadata = metadata

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    @property
    def canonical_name(self) -> str:
        return _canonical(self.name)

    @property
    def rpm_version(self) -> str:
        """The version as rpm compares it (``1!2.0rc1`` -> ``1:2.0~rc1``); raises if not PEP 440."""
        from .versions import dependency_version

        return dependency_version(self.version, origin=f"{self.name} version")



def _pip_env(*, offline: bool) -> dict[str, str]:
    """pip's environment: offline runs ignore every pip setting of the machine."""
    env = dict(os.environ)
    if offline:
        for key in [k for k in env if k.startswith("PIP_")]:
            del env[key]
        env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_ROOT_USER_ACTION"] = "ignore"
    env["PYTHONNOUSERSITE"] = "1"
    return env


def _run_pip(
    runtime: Runtime, words: list[str], *, offline: bool
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [runtime.interpreter, "-m", "pip", *words],
        env=_pip_env(offline=offline),
        capture_output=True,
        text=True,
        check=False,
    )


def _pip_failure(done: subprocess.CompletedProcess[str], what: str) -> ApplicationError:
    lines = [
        line
        for line in (done.stderr + done.stdout).splitlines()
        if line.strip() and not line.startswith(("WARNING: Location", "DEPRECATION:"))
    ]
    return ApplicationError(f"{what} failed:\n" + "\n".join(lines[-25:]))


def _download_failure(
    runtime: Runtime,
    offline: subprocess.CompletedProcess[str] | None,
    fetched: subprocess.CompletedProcess[str],
    sources: str,
) -> ApplicationError:
    """The download's failure, after the offline resolution's when there was one.

    pip's refusal of a file already in *sources* (a wheel with two ``.dist-info``
    directories, a build requirement that is no requirement) names that file; the
    download that follows it only says the index does not answer or has no such version.
    """
    error = _pip_failure(fetched, f"{runtime.interpreter} -m pip download")
    if offline is None:
        return error
    first = _pip_failure(
        offline,
        f"{runtime.interpreter} -m pip install --dry-run --no-index (the lock, from {sources})",
    )
    return ApplicationError(f"{first}\nthen {error}")


def resolve_closure(
    runtime: Runtime,
    requirements: Sequence[str],
    *,
    sources: str,
    lock: str | None = None,
    binary: Sequence[str] = (),
) -> list[Artifact]:
    """The exact closure of *requirements* for *runtime*, every file present in *sources*.

    The runtime's own pip resolves (so markers are its own) with ``--ignore-installed``
    (what the system has installed is no part of a private environment), sdists only
    except for the distributions named in *binary*.  Files already in *sources* with the
    right hashes are reused: with a *lock* file (hashes required) the network is not used
    at all once the cache has every file; without one, pip asks the index for versions.
    Build backends come from the runtime's installed packages, as in ``rpmbuild``.
    """
    os.makedirs(sources, exist_ok=True)
    formats = ["--no-binary", ":all:"]
    for name in binary:
        formats += ["--only-binary", _checked(_NAME, name, "--binary")]
    # With a lock, the lock alone names what to install (pip wants a hash on every line).
    wanted = ["--require-hashes", "-r", lock] if lock else list(requirements)
    common = [*formats, "--no-build-isolation", *wanted]
    local = ["--no-index", "--find-links", sources]
    with tempfile.TemporaryDirectory(prefix="rpm-pyconfig-app-") as scratch:
        report_path = os.path.join(scratch, "report.json")
        dry_run = [
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--report",
            report_path,
        ]
        # With a lock the cache answers alone when it has every pinned file; without one,
        # the index decides the versions (the cache must not pin old ones by accident).
        done = _run_pip(runtime, [*dry_run, *local, *common], offline=True) if lock else None
        if done is None or done.returncode != 0:  # fetch what is missing, then resolve
            fetched = _run_pip(
                runtime, ["download", "--quiet", "--dest", sources, *common], offline=False
            )
            if fetched.returncode != 0:
                raise _download_failure(runtime, done, fetched, sources)
            done = _run_pip(runtime, [*dry_run, *local, *common], offline=True)
            if done.returncode != 0:
                raise _pip_failure(done, f"{runtime.interpreter} -m pip install --dry-run")
        with open(report_path, encoding="utf-8") as handle:
            report = json.load(handle)
    artifacts = []
    for item in report.get("install", []):
        metadata = item.get("metadata", {})
        url = str(item.get("download_info", {}).get("url", ""))
        if not url.startswith("file://"):
            raise ApplicationError(f"{metadata.get('name')}: pip chose {url}, not a local file")
        path = os.path.realpath(unquote(urlsplit(url).path))
        if os.path.isdir(path):
            raise ApplicationError(
                f"{path}: a project directory is not a source file; give its sdist "
                "(python -m build --sdist)"
            )
        if os.path.dirname(path) != os.path.realpath(sources):
            target = os.path.join(sources, os.path.basename(path))
            if not os.path.exists(target):
                shutil.copy2(path, target)
            elif sha256_of(target) != sha256_of(path):
                raise ApplicationError(f"{target}: differs from {path}, which pip resolved")
            path = target
        artifacts.append(
            Artifact(
                name=str(metadata.get("name", "")),
                version=str(metadata.get("version", "")),
                path=path,
                sha256=sha256_of(path),
                metadata=metadata,
            )
        )
    if not artifacts:
        raise ApplicationError("pip resolved nothing to install")
    return sorted(artifacts, key=lambda a: a.canonical_name)


class AppSpec:
    """A generated application spec and what it needs beside it."""

    __slots__ = ("artifacts", "filename", "helper", "name", "text", "warnings")

    def __init__(
        self, *, text: str, name: str, artifacts: list[Artifact], helper: str, warnings: list[str]
    ) -> None:
        #: The whole spec.
        self.text = text
        #: The package name.
        self.name = name
        #: ``NAME.spec``.
        self.filename = f"{name}.spec"
        #: The closure, each a ``Source``.
        self.artifacts = artifacts
        #: The helper written into the sources directory (``Source0``).
        self.helper = helper
        #: What the packager should check.
        self.warnings = warnings


def _license(artifact: Artifact, warnings: list[str]) -> str:
    from .licenses import license_for

    meta = artifact.metadata
    origin = f"{artifact.name} {artifact.version}"
    result = license_for(
        expression=meta.get("license_expression"),
        text=meta.get("license"),
        classifiers=meta.get("classifier", []),
        origin=origin,
    )
    return license_tag(result, origin, warnings)


def _combined_license(expressions: list[str]) -> str:
    unique = sorted(set(expressions))
    if len(unique) == 1:
        return unique[0]
    return " AND ".join(f"({e})" if " " in e else e for e in unique)


def _build_requires(
    artifacts: list[Artifact], runtime: Runtime, warnings: list[str]
) -> tuple[list[str], bool]:
    """``BuildRequires`` of the sdists' build backends for *runtime*, and whether C is built.

    Wheels are not built: an arch-specific wheel makes the package arch-specific, not gcc.
    """
    from .dependencies import runtime_requires
    from .metadata import read_metadata

    found: set[str] = set()
    compiled = False
    for artifact in artifacts:
        if artifact.is_wheel:
            continue
        try:
            meta = read_metadata(artifact.path)
            requires, has_ext = meta.build_requires, meta.has_ext_modules
        except PyConfigError as error:
            warnings.append(
                f"{artifact.filename}: build requirements unknown ({error}); "
                "assuming setuptools and C code"
            )
            requires, has_ext = ["setuptools>=40.8.0", "wheel"], True
        compiled = compiled or has_ext
        found.update(
            runtime_requires(requires, runtime, origin=f"{artifact.filename} build-system")
        )
    return sorted(found), compiled


def _description(artifact: Artifact, runtime: Runtime, count: int) -> str:
    summary = str(artifact.metadata.get("summary", "")).strip().rstrip(".")
    head = f"{summary}." if summary else f"The {artifact.name} application."
    return (
        f"{head} Packaged with its {count} Python distributions in a private environment "
        f"for {runtime.interpreter}."
    )


def _capitalized(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def _config_items(configs: Sequence[str]) -> list[tuple[str, str]]:
    items = []
    for item in configs:
        source, sep, target = item.partition("=")
        if not sep or not os.path.isfile(source):
            raise ApplicationError(f"--config {item!r}: want FILE=/etc/PATH with FILE a file")
        _checked(_PATH, target, "--config target")
        if not target.startswith("/etc/"):
            raise ApplicationError(f"--config target: {target!r} is not below /etc: want "
                                   "FILE=/etc/PATH (a configuration file rpm keeps as edited)")
        _checked(_RPM_NAME, os.path.basename(source), "--config file name")
        items.append((source, target))
    # Each FILE is copied into the sources directory under its own name, beside the helper
    # and the closure: a second file of that name would replace the first (the spec keeps the
    # first one's sha256) and the helper's name belongs to the helper.
    names: dict[str, str] = {}
    targets: dict[str, str] = {}
    for (source, target), item in zip(items, configs):
        base = os.path.basename(source)
        if base == HELPER:
            raise ApplicationError(
                f"--config {item!r}: the file name {base!r} is the helper's in the sources "
                "directory: rename the configuration file"
            )
        other = names.get(base)
        if other is not None and os.path.realpath(other) != os.path.realpath(source):
            raise ApplicationError(
                f"--config {item!r}: the file name {base!r} is taken by {other} in the "
                "sources directory: rename one of them"
            )
        names[base] = source
        if target in targets:
            raise ApplicationError(
                f"--config {item!r}: {target} is already the target of --config "
                f"{targets[target]!r}"
            )
        targets[target] = item
    return items


def _check_config_names(config_items: list[tuple[str, str]], artifacts: list[Artifact]) -> None:
    """Refuse a configuration file named like a file of the closure: copied into the sources
    directory (the cache of downloads), it would replace that sdist or wheel."""
    closure = {a.filename for a in artifacts}
    for source, target in config_items:
        if os.path.basename(source) in closure:
            raise ApplicationError(
                f"--config {source}={target}: the file name {os.path.basename(source)!r} is "
                "a file of the closure in the sources directory: rename the configuration file"
            )


def generate_app_spec(
    app: str,
    runtime: Runtime,
    *,
    sources: str,
    lock: str | None = None,
    name: str | None = None,
    prefix: str = DEFAULT_PREFIX,
    release: str = "1",
    commands: Sequence[str] = (),
    binary: Sequence[str] = (),
    configs: Sequence[str] = (),
    license: str | None = None,
    changelog_date: datetime.date | None = None,
) -> AppSpec:
    """Resolve and fetch *app*'s closure for *runtime*, then write its spec text.

    *app* is a requirement (``httpie==3.2.2``), an sdist or a project directory (whose
    sdist its build backend makes, into *sources*); *lock* a requirements file
    with hashes; *name* the package name (default: the application's canonical name);
    the environment goes to ``PREFIX/NAME/VERSION-RELEASE`` with ``PREFIX/NAME/current``
    pointing at it; *commands* replaces the application's own commands in ``%{_bindir}``;
    *binary* names distributions allowed as wheels; *configs* are ``FILE=/etc/PATH``
    items installed ``%config(noreplace)``; *license* the SPDX expression of the whole
    (default: the bundled distributions' licenses joined with AND).
    """
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    from .licenses import canonicalize_expression
    from .versions import rpm_version

    _checked(_PATH, prefix, "--prefix")
    _checked(_RELEASE, release, "--release")
    if name is not None:
        _checked(_PACKAGE, name, "--name")
    license_given = None if license is None else canonicalize_expression(
        license, origin="--license"
    )
    for command in commands:
        _checked(_RPM_NAME, command, "--command")
    config_items = _config_items(configs)
    given = app
    if os.path.isdir(app):
        app = _build_sdist(app, runtime, sources)
    if os.path.isfile(app):
        from .metadata import read_metadata

        app_name = read_metadata(app).name
        requirement_args = [os.path.abspath(app)]
    else:
        try:
            app_name = Requirement(app).name
        except InvalidRequirement as error:
            raise ApplicationError(
                f"{app!r}: neither an sdist nor a requirement: {error}"
            ) from None
        requirement_args = [app]
    wanted = str(canonicalize_name(app_name))
    artifacts = resolve_closure(
        runtime, requirement_args, sources=sources, lock=lock, binary=binary
    )
    main = next((a for a in artifacts if a.canonical_name == wanted), None)
    if main is None:
        raise ApplicationError(
            f"{app_name}: not in the resolved closure" + (f" of {lock}" if lock else "")
        )
    if not os.path.isfile(app) and not Requirement(app).specifier.contains(
        main.version, prereleases=True
    ):
        raise ApplicationError(f"{app!r}: the closure has {main.name} {main.version}")
    _check_config_names(config_items, artifacts)
    package = _checked(_PACKAGE, main.canonical_name if name is None else name, "--name")
    warnings: list[str] = []
    version = rpm_version(main.version, origin=f"{main.name} version")
    for artifact in artifacts:
        rpm_version(artifact.version, origin=f"{artifact.name} version")  # PEP 440 or error
    build_requires, compiled = _build_requires(artifacts, runtime, warnings)
    license_expr = (_combined_license([_license(a, warnings) for a in artifacts])
                    if license_given is None else license_given)
    binary_so = any(a.is_wheel and not a.filename.endswith("-any.whl") for a in artifacts)
    stdlib = _stdlib(runtime)
    helper = os.path.join(sources, HELPER)
    helper_text = resources.files("rpm_pyconfig").joinpath("appenv.py").read_bytes()
    write_atomically(helper, helper_text, replace=True, mode=0o644)
    url = str(main.metadata.get("home_page") or "")
    for label_url in main.metadata.get("project_url", []):
        label, _, candidate = str(label_url).partition(",")
        if not url and label.strip().lower() in ("homepage", "home", "source", "repository"):
            url = candidate.strip()
    values = {
        "tool_version": __version__,
        "app": spec_text(given),
        "package": package,
        "rpm_version": version,
        "release": release,
        "summary": spec_text(
            _capitalized(str(main.metadata.get("summary", "")).rstrip(".")) or main.name
        ),
        "license": spec_text(license_expr),
        "url": url if _URL.match(url) and "%" not in url else "",
        "description": _description_lines(_description(main, runtime, len(artifacts))),
        "pyapp_python": spectext.define_value(shlex.quote(runtime.interpreter),
                                             field="interpreter"),
        "pyapp_root": spectext.define_value(f"{prefix}/{package}", field="--prefix"),
        # rpm reads the *_exclude_from values as POSIX extended regular expressions:
        # "." and "+" (allowed in a prefix) are bracketed to stand for themselves.
        "pyapp_root_regex": spectext.define_value(
            "".join(f"[{c}]" if c in _ERE_SPECIAL else c for c in f"{prefix}/{package}"),
            field="--prefix",
        ),
        "runtime": runtime,
        "stdlib": stdlib,
        "main": main,
        "artifacts": artifacts,
        # a local sdist (given as a file or directory) is no PyPI file: its name alone
        "source_urls": {
            a.filename: a.filename if a is main and os.path.isfile(app) else _source_url(a)
            for a in artifacts
        },
        "helper": HELPER,
        "helper_sha256": hashlib.sha256(helper_text).hexdigest(),
        "build_requires": build_requires,
        "compiled": compiled,
        "binary_so": binary_so,
        "commands": list(commands),
        "configs": [(os.path.basename(s), t) for s, t in config_items],
        "config_sha256": [sha256_of(s) for s, _t in config_items],
        "warnings": [spec_text(w) for w in warnings],
        "changelog_date": (changelog_date or changelog_today()).strftime("%a %b %d %Y"),
    }
    for source, _target in config_items:
        target = os.path.join(sources, os.path.basename(source))
        if os.path.realpath(source) != os.path.realpath(target):
            shutil.copy2(source, target)
    text = render("app", [runtime], AppContext(**values))
    return AppSpec(text=text, name=package, artifacts=artifacts, helper=helper, warnings=warnings)


_BUILD_SDIST = """\
import importlib, sys
module, _, attribute = sys.argv[1].partition(":")
backend = importlib.import_module(module)
for name in filter(None, attribute.split(".")):
    backend = getattr(backend, name)
print(backend.build_sdist(sys.argv[2]))
"""


def _build_sdist(directory: str, runtime: Runtime, sources: str) -> str:
    """The sdist of a project *directory*, built by its backend from the runtime's packages.

    The spec's Source is that sdist (into *sources*, replacing an older build of it), so
    the build never reads the directory.
    """
    from .metadata import read_metadata

    backend = read_metadata(directory).build_backend
    os.makedirs(sources, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rpm-pyconfig-sdist-") as scratch:
        done = subprocess.run(
            [runtime.interpreter, "-I", "-c", _BUILD_SDIST, backend, scratch],
            cwd=directory,
            capture_output=True,
            text=True,
            check=False,
        )
        built = done.stdout.strip().splitlines()[-1:] if done.returncode == 0 else []
        if not built or not os.path.isfile(os.path.join(scratch, built[0])):
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise ApplicationError(f"{directory}: {backend} could not build an sdist:\n{tail}")
        target = os.path.join(sources, os.path.basename(built[0]))
        shutil.copyfile(os.path.join(scratch, built[0]), target)
    return target


def _stdlib(runtime: Runtime) -> str:
    """The runtime's standard library directory, asked from the runtime itself.

    The environment's layout (``lib/pythonX.Y``, ``lib/pypyX.Y``) belongs to one language
    version; where ``abi_requires`` is only an interpreter path (PyPy, debug builds), requiring
    this versioned directory is what turns a version change into a dependency problem.
    """
    done = subprocess.run(
        [runtime.interpreter, "-I", "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
        capture_output=True,
        text=True,
        check=False,
    )
    path = os.path.normpath(done.stdout.strip())
    if done.returncode != 0 or not _PATH.match(path):
        raise ApplicationError(
            f"{runtime.origin}: {runtime.interpreter} does not tell its standard library "
            f"directory: {done.stderr.strip() or done.stdout.strip()!r}"
        )
    return path


def write_app_spec(spec: AppSpec, path: str, *, force: bool = False) -> None:
    """Write *spec* to *path* whole or not at all; never replace a file unless *force*."""
    write_atomically(path, spec.text.encode("utf-8"), replace=force)


def _source_url(artifact: Artifact) -> str:
    """PyPI's stable address of an sdist; wheels (and local files) go by file name."""
    if artifact.is_wheel:
        return artifact.filename
    return (
        "https://files.pythonhosted.org/packages/source/"
        f"{artifact.name[0]}/{artifact.name}/{artifact.filename}"
    )
