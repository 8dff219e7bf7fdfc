"""``rpm-pyconfig app``: real applications from PyPI through generate, rpmbuild, install, run,
upgrade and erase, with the real rpm tools and the machine's default runtime (probed).

The applications (closures pinned with hashes in tests/data/application/):
- flake8 7.0.0 -> 7.1.1: pure Python, four sdists, setuptools backends;
- jinja2-cli 0.8.1 -> 0.8.2: Jinja2 (flit-core) and MarkupSafe, whose C extension is
  compiled from its sdist inside rpmbuild.

Installed packages are run for real: in a private mount namespace the root's ``/usr`` is
laid over the host's (which has the runtime) with overlayfs and the command runs chrooted
there, through ``%{_bindir}/CMD``, its shebang and the environment's interpreter link.  A
writable upper layer records anything the run writes (there must be nothing).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from rpm_pyconfig import appenv
from rpm_pyconfig.application import (
    ApplicationError,
    Artifact,
    _config_items,
    _description_lines,
    spec_text,
)
from rpm_pyconfig.cli import main
from rpm_pyconfig.probe import probe_all, write_conf
from rpm_pyconfig.registry import load_registry
from rpm_pyconfig.runtime import Runtime

from .rpmtools import REPO, TOOL_BIN, have_rpm_tools, rpm_query, run, tool_env

DATA = REPO / "tests" / "data" / "application"
#: Downloaded sdists, reused across runs (pip checks every file against the lock's hashes).
CACHE = REPO / "out" / "app-sources"
CI = os.environ.get("CI") == "true"

APPS = {
    # package: (command, old version, new version)
    "flake8": ("flake8", "7.0.0", "7.1.1"),
    "jinja2-cli": ("jinja2", "0.8.1", "0.8.2"),
}
LICENSES = {"flake8": "MIT", "jinja2-cli": "BSD-2-Clause AND BSD-3-Clause"}


def _missing(reason: str) -> None:
    if CI:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def registry_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The machine's interpreters, probed (never a hard-coded path)."""
    directory = tmp_path_factory.mktemp("registry")
    runtimes, _skipped = probe_all(os.environ.get("PATH", os.defpath))
    assert runtimes, "no Python runtime found on PATH"
    for found in runtimes:
        write_conf(found, str(directory))
    return directory


@pytest.fixture(scope="module")
def runtime(registry_dir: Path) -> Runtime:
    default = load_registry([str(registry_dir)], explicit=True).default
    assert default is not None
    return default


# -- spec text: nothing from metadata becomes spec syntax ----------------------------------


def test_spec_text_escapes_macros_and_folds_lines() -> None:
    assert spec_text("50% off\nRequires: evil") == "50%% off Requires: evil"
    assert spec_text("a\tb\x00c  d") == "a b c d"


# An invisible character before a word (U+200B, U+FEFF, U+00AD, U+2060, NUL): once folded
# into a blank, the word must not start a %description line, where rpm reads a section.
@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u00ad", "\u2060", "\x00"])
def test_description_words_after_invisible_characters_start_no_line(
    tmp_path: Path, invisible: str
) -> None:
    """The audit's attack (stop 27): a summary wrapped so that ``%post`` would start a line
    once its zero-width prefix is folded away; rpm must read it as text, no scriptlet."""
    summary = ("A" * 77 + f" {invisible}%post touch${{IFS}}{tmp_path}/PWNED;" + ":" * 50
               + " " + "B" * 60 + f" {invisible}#x {invisible}%include /etc/hostname")
    text = _description_lines(summary)
    assert all(not line.lstrip(" \t").startswith(("%", "#")) for line in text.split("\n"))
    if not have_rpm_tools():
        if os.environ.get("CI") == "true":
            pytest.fail("rpmspec is missing (CI=true)")
        pytest.skip("rpmspec not installed")
    spec = tmp_path / "desc.spec"
    spec.write_text("Name: desc\nVersion: 1\nRelease: 1\nLicense: MIT\nSummary: s\n"
                    f"%description\n{text}\n%files\n", encoding="utf-8")
    got = run(["rpmspec", "-q", "--qf", "%{POSTIN}@@%{DESCRIPTION}", str(spec)],
              dict(os.environ))
    assert got.returncode == 0, got.stderr
    postin, description = got.stdout.split("@@")
    assert postin == "(none)"
    assert description.split() == " ".join(
        "".join(c if c.isprintable() else " " for c in summary).split()).split()


@pytest.mark.parametrize(("target", "message"), [
    ("/etc/../usr/lib/python3/dist-packages/sitecustomize.py", "is not valid: want an absolute "
     "path of letters, digits and '.', '_', '+', '-', no part '.' or '..'"),
    ("/usr/lib/python3/dist-packages/sitecustomize.py", "is not below /etc: want FILE=/etc/PATH"),
    ("/etc", "is not below /etc"),
])
def test_config_targets_stay_below_etc(tmp_path: Path, target: str, message: str) -> None:
    """The audit of stop 27: ``--config conf=/etc/../usr/lib/.../sitecustomize.py`` built a
    package whose "configuration file" replaced the interpreter's startup hook."""
    source = tmp_path / "conf"
    source.write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(ApplicationError) as raised:
        _config_items([f"{source}={target}"])
    assert str(raised.value).startswith(f"--config target: {target!r} "), raised.value
    assert message in str(raised.value)
    assert _config_items([f"{source}=/etc/app/conf"]) == [(str(source), "/etc/app/conf")]


def test_config_files_keep_their_own_names_and_targets(tmp_path: Path) -> None:
    """Each --config FILE is copied into the sources directory by its base name: another FILE
    of that name (or the helper's name) replaced the first after its sha256 was written, and
    the build failed in %prep; a second FILE for one target silently replaced the first."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "site.conf", tmp_path / "b" / "site.conf"
    first.write_text("one\n", encoding="utf-8")
    second.write_text("two\n", encoding="utf-8")
    other = tmp_path / "b" / "other.conf"
    other.write_text("three\n", encoding="utf-8")
    helper = tmp_path / "rpm-pyconfig-appenv.py"
    helper.write_text("print('not the helper')\n", encoding="utf-8")
    refusals = [
        ([f"{first}=/etc/app/one", f"{second}=/etc/app/two"],
         f"--config '{second}=/etc/app/two': the file name 'site.conf' is taken by {first}"),
        ([f"{first}=/etc/app/one", f"{other}=/etc/app/one"],
         f"--config '{other}=/etc/app/one': /etc/app/one is already the target of --config "
         f"'{first}=/etc/app/one'"),
        ([f"{helper}=/etc/app/x"], f"--config '{helper}=/etc/app/x': the file name "
         "'rpm-pyconfig-appenv.py' is the helper's"),
    ]
    for configs, message in refusals:
        with pytest.raises(ApplicationError) as raised:
            _config_items(configs)
        assert str(raised.value).startswith(message), raised.value
    # one file for two targets is one Source twice: nothing is replaced
    assert _config_items([f"{first}=/etc/app/one", f"{first}=/etc/app/two"]) == [
        (str(first), "/etc/app/one"), (str(first), "/etc/app/two")]


def test_artifact_names_are_checked(tmp_path: Path) -> None:
    good = {
        "name": "foo",
        "version": "1.0",
        "path": str(tmp_path / "foo-1.0.tar.gz"),
        "sha256": "0" * 64,
        "metadata": {},
    }
    assert Artifact(**good).canonical_name == "foo"  # type: ignore[arg-type]
    for key, value in [
        ("name", "foo%{lua:x}"),
        ("name", "foo\nRequires: x"),
        ("path", str(tmp_path / "foo%{x}-1.0.tar.gz")),
        ("path", str(tmp_path / "foo-1.0.exe")),
        ("sha256", "xyz"),
    ]:
        with pytest.raises(ApplicationError):
            Artifact(**dict(good, **{key: value}))  # type: ignore[arg-type]


# -- appenv on a wheel made here: install, then every rule of check ------------------------


def _wheel(directory: Path) -> Path:
    """A small pure wheel with a console script, an executable env-python script and data."""
    path = directory / "demo_app-1.0-py3-none-any.whl"
    files = {
        "demo_app/__init__.py": '"""Demo."""\nfrom __future__ import annotations\n\n'
        "def main() -> int:\n    print('demo ok')\n    return 0\n",
        "demo_app/tool.py": "#!/usr/bin/env python\nprint('tool')\n",
        "demo_app/module.py": "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nX = 1\n",
        "demo_app-1.0.data/scripts/demo-legacy": "#!python\nprint('legacy')\n",
        "demo_app-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: demo-app\nVersion: 1.0\n",
        "demo_app-1.0.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        "demo_app-1.0.dist-info/entry_points.txt": "[console_scripts]\ndemo = demo_app:main\n",
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name)
            executable = name.endswith(("tool.py", "demo-legacy"))
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            archive.writestr(info, text)
        record = "".join(f"{name},,\n" for name in files) + "demo_app-1.0.dist-info/RECORD,,\n"
        archive.writestr("demo_app-1.0.dist-info/RECORD", record)
    return path


def _appenv(runtime: Runtime, *words: str) -> subprocess.CompletedProcess[str]:
    """The helper as the spec runs it: the runtime's interpreter, isolated, the file itself."""
    return subprocess.run(
        [runtime.interpreter, "-I", appenv.__file__, *words],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def built_env(tmp_path: Path, runtime: Runtime) -> tuple[Path, str]:
    root = tmp_path / "buildroot"
    env = "/usr/lib/demo/1.0-1"
    done = _appenv(
        runtime,
        "install",
        "--root",
        str(root),
        "--env",
        env,
        "--current",
        "/usr/lib/demo/current",
        "--bindir",
        "/usr/bin",
        "--app",
        "demo-app",
        str(_wheel(tmp_path)),
    )
    assert done.returncode == 0, done.stderr
    return root, env


def _check(runtime: Runtime, root: Path, env: str) -> subprocess.CompletedProcess[str]:
    return _appenv(runtime, "check", "--root", str(root), "--env", env, "--bindir", "/usr/bin")


def test_appenv_install_writes_the_environment_for_its_final_path(
    built_env: tuple[Path, str], runtime: Runtime
) -> None:
    root, env = built_env
    staged = root / env.lstrip("/")
    python = f"{env}/bin/python"
    assert (staged / "bin" / "demo").read_text().splitlines()[0] == f"#!{python}"
    assert (staged / "bin" / "demo-legacy").read_text() == f"#!{python}\nprint('legacy')\n"
    site = next(staged.glob("lib/*/site-packages"))
    assert (site / "demo_app" / "tool.py").read_text() == f"#!{python}\nprint('tool')\n"
    # a module's shebang (not executable) becomes a comment on the same line
    assert (site / "demo_app" / "module.py").read_text() == (
        "# /usr/bin/env python\n# -*- coding: utf-8 -*-\nX = 1\n"
    )
    # the first line stays the first: nothing inserted above a shebang or __future__
    assert (
        (site / "demo_app" / "__init__.py").read_text().startswith('"""Demo."""\nfrom __future__')
    )
    assert os.readlink(root / "usr/bin/demo") == "../lib/demo/current/bin/demo"
    assert os.readlink(root / "usr/lib/demo/current") == "1.0-1"
    link = os.readlink(staged / "bin" / "python")
    assert not os.path.isabs(link)
    assert os.path.normpath(os.path.join(env, "bin", link)) == runtime.interpreter
    assert (site / "demo_app-1.0.dist-info" / "INSTALLER").read_text() == "rpm\n"
    record = (site / "demo_app-1.0.dist-info" / "RECORD").read_text()
    assert "../../../bin/demo," in record and ".pyc," in record
    done = _check(runtime, root, env)
    assert done.returncode == 0, done.stderr
    assert "check passed" in done.stdout


def test_appenv_check_names_every_broken_file(
    built_env: tuple[Path, str], runtime: Runtime
) -> None:
    root, env = built_env
    staged = root / env.lstrip("/")
    site = next(staged.glob("lib/*/site-packages"))
    (staged / "leak.txt").write_text(f"built in {root}\n")
    (site / "demo_app" / "tool.py").write_text("#!/usr/bin/env python\nprint('tool')\n")
    init = site / "demo_app" / "__init__.py"
    init.write_text(init.read_text() + "# changed after compiling\n")
    (root / "usr/bin/stray").symlink_to("/usr/bin/true")
    done = _check(runtime, root, env)
    assert done.returncode == 1
    errors = done.stderr
    assert f"{env}/leak.txt: contains the buildroot path" in errors
    assert f"shebang '#!/usr/bin/env python' is not '#!{env}/bin/python'" in errors
    assert f"{env}/lib/" in errors and "demo_app/tool.py does not match its hash" in errors
    assert (
        "__init__.cpython" in errors
        and "not checked-hash bytecode of the installed source" in errors
    )
    assert "/usr/bin/stray: absolute symlink /usr/bin/true" in errors


def test_appenv_names_a_command_that_cannot_be_linked(tmp_path: Path, runtime: Runtime) -> None:
    done = _appenv(runtime, "install", "--root", str(tmp_path / "r"), "--env", "/usr/lib/d/1",
                   "--current", "/usr/lib/d/current", "--bindir", "/usr/bin", "--app",
                   "demo-app", "--command", "%x", str(_wheel(tmp_path)))
    assert done.returncode == 1
    assert "command '%x' cannot be linked: a command name is letters, digits" in done.stderr


def test_appenv_refuses_a_file_name_record_cannot_hold(tmp_path: Path, runtime: Runtime) -> None:
    """A member name with a carriage return: refused naming it (it was written, then read back
    as a RECORD row cut in two: "RECORD:89: not 3 fields"; the audit of stop 27)."""
    wheel = tmp_path / "cr-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("cr-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: cr\n"
                         "Version: 1.0\n")
        archive.writestr("cr-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n")
        archive.writestr("cr-1.0.dist-info/entry_points.txt", "[console_scripts]\ncr = cr:main\n")
        archive.writestr("cr/__init__.py", "def main():\n    return 0\n")
        archive.writestr("cr/a\rb.txt", "x")
        archive.writestr("cr-1.0.dist-info/RECORD",
                         "cr-1.0.dist-info/METADATA,,\ncr-1.0.dist-info/WHEEL,,\n"
                         "cr-1.0.dist-info/entry_points.txt,,\ncr/__init__.py,,\n"
                         "\"cr/a\rb.txt\",,\ncr-1.0.dist-info/RECORD,,\n")
    done = _appenv(runtime, "install", "--root", str(tmp_path / "r"), "--env", "/usr/lib/c/1",
                   "--current", "/usr/lib/c/current", "--bindir", "/usr/bin", "--app", "cr",
                   str(wheel))
    assert done.returncode == 1, done.stderr
    assert "a file name with a control character cannot be listed in RECORD" in done.stderr
    assert "a\\rb.txt" in done.stderr  # named, shown with its escape
    assert "Traceback" not in done.stderr


def test_appenv_refuses_wheel_members_outside_the_environment(
    tmp_path: Path, runtime: Runtime
) -> None:
    wheel = tmp_path / "evil-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("evil-1.0.dist-info/WHEEL", "Root-Is-Purelib: true\n")
        archive.writestr("../../../../etc/evil", "x")
    done = _appenv(
        runtime,
        "install",
        "--root",
        str(tmp_path / "r"),
        "--env",
        "/usr/lib/e/1",
        "--current",
        "/usr/lib/e/current",
        "--bindir",
        "/usr/bin",
        "--app",
        "evil",
        str(wheel),
    )
    assert done.returncode == 1
    assert "would be written outside" in done.stderr
    assert not (tmp_path / "etc").exists()


def _hostile_wheel(
    directory: Path, name: str, members: dict[str, str], command: str = ""
) -> Path:
    """A pure wheel of *name* 1.0 with a console script *command* (NAME) and *members*."""
    wheel = directory / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(f"{name}-1.0.dist-info/METADATA",
                         f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        archive.writestr(f"{name}-1.0.dist-info/WHEEL",
                         "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{name}-1.0.dist-info/entry_points.txt",
                         f"[console_scripts]\n{command or name} = {name}:main\n")
        archive.writestr(f"{name}/__init__.py", "def main():\n    return 0\n")
        for member, text in members.items():
            archive.writestr(member, text)
        archive.writestr(f"{name}-1.0.dist-info/RECORD", "")
    return wheel


def _install_wheels(
    runtime: Runtime, root: Path, app: str, *wheels: Path
) -> subprocess.CompletedProcess[str]:
    return _appenv(runtime, "install", "--root", str(root), "--env", f"/usr/lib/{app}/1",
                   "--current", f"/usr/lib/{app}/current", "--bindir", "/usr/bin", "--app", app,
                   *map(str, wheels))


def test_appenv_names_a_file_directly_in_the_data_directory(
    tmp_path: Path, runtime: Runtime
) -> None:
    """``NAME.data/x`` (no scheme directory): refused naming it (the audit of stop 28: a
    ValueError traceback from unpacking the member name ended the build)."""
    wheel = _hostile_wheel(tmp_path, "bare", {"bare-1.0.data/x": "x"})
    done = _install_wheels(runtime, tmp_path / "r", "bare", wheel)
    assert done.returncode == 1, done.stderr
    assert f"{wheel}: 'bare-1.0.data/x' is not in a directory of bare-1.0.data" in done.stderr
    assert "Traceback" not in done.stderr


def test_appenv_wants_bytecode_only_for_importable_modules(
    tmp_path: Path, runtime: Runtime
) -> None:
    """A ``.py`` file among a wheel's data or scripts is no module: nothing compiles it, and
    the check failed the build on its "missing bytecode" (the audit of stop 28)."""
    wheel = _hostile_wheel(tmp_path, "dat", {
        "dat-1.0.data/data/share/dat/example.py": "print('data')\n",
        "dat-1.0.data/scripts/helper.py": "#!python\nprint('script')\n",
    })
    root = tmp_path / "r"
    done = _install_wheels(runtime, root, "dat", wheel)
    assert done.returncode == 0, done.stderr
    staged = root / "usr/lib/dat/1"
    assert (staged / "share/dat/example.py").is_file()
    assert (staged / "bin/helper.py").is_file()
    done = _check(runtime, root, "/usr/lib/dat/1")
    assert done.returncode == 0, done.stderr
    assert "check passed" in done.stdout
    # a module of the site directory still needs its bytecode
    (site,) = staged.glob("lib/*/site-packages")
    for pyc in (site / "dat" / "__pycache__").iterdir():
        pyc.unlink()
    done = _check(runtime, root, "/usr/lib/dat/1")
    assert done.returncode == 1 and "missing bytecode of" in done.stderr, done.stderr


# -- real applications with real rpm --------------------------------------------------------


def _generate(app: str, version: str, registry_dir: Path, out: Path, *extra: str) -> Path:
    spec = out / f"{app}-{version}.spec"
    status = main(
        [
            "app",
            f"{app}=={version}",
            "--confdir",
            str(registry_dir),
            "-r",
            str(DATA / f"{app}-{version}.txt"),
            "--sources",
            str(CACHE),
            "--license",
            LICENSES[app],
            "-o",
            str(spec),
            "--force",
            *extra,
        ]
    )
    assert status == 0
    return spec


class Built:
    """Both versions of one application, built without network: specs, RPMs, build times."""

    def __init__(
        self, app: str, specs: dict[str, Path], rpms: dict[str, Path], seconds: dict[str, float]
    ) -> None:
        self.app = app
        self.command = APPS[app][0]
        self.old, self.new = APPS[app][1], APPS[app][2]
        self.specs = specs
        self.rpms = rpms
        self.seconds = seconds


def _offline() -> list[str]:
    """A command prefix that runs without any network (a new, empty network namespace)."""
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        _missing("cannot create a network namespace (unshare --net)")
    return ["unshare", "--net"]


@pytest.fixture(scope="module", params=sorted(APPS))
def built(
    request: pytest.FixtureRequest, registry_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Built:
    if not have_rpm_tools():
        _missing("rpmbuild/rpm not installed")
    app: str = request.param
    out = tmp_path_factory.mktemp(app)
    specs, rpms, seconds = {}, {}, {}
    for version in APPS[app][1:]:
        extra = ["--config", f"{DATA / 'site.conf'}=/etc/{app}/site.conf"]
        specs[version] = _generate(app, version, registry_dir, out, *extra)
        topdir = out / f"top-{version}"
        start = time.monotonic()
        completed = run(
            [
                *_offline(),
                "rpmbuild",
                "-bb",
                "--nodeps",
                "--define",
                f"_topdir {topdir}",
                "--define",
                f"_sourcedir {CACHE}",
                str(specs[version]),
            ],
            tool_env(registry_dir),
        )
        seconds[version] = time.monotonic() - start
        assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
        assert "appenv: check passed" in completed.stdout
        (rpm,) = topdir.glob("RPMS/*/*.rpm")
        rpms[version] = rpm
    return Built(app, specs, rpms, seconds)


@pytest.mark.rpm
def test_payload_dependencies(built: Built, runtime: Runtime) -> None:
    rpm = built.rpms[built.new]
    provides = rpm_query(rpm, "--provides")
    requires = rpm_query(rpm, "--requires")
    assert not [p for p in provides if "dist(" in p and not p.startswith("bundled(")]
    assert f"bundled({runtime.dist_prefix}dist({built.app})) = {built.new}" in provides
    own = {built.app, f"{built.app}(x86-64)", f"config({built.app})"}
    assert {p.split(" ")[0] for p in provides} - own == {
        p.split(" ")[0] for p in provides if p.startswith("bundled(")
    }
    assert runtime.interpreter in requires
    assert runtime.abi_requires in requires
    stdlib = [r for r in requires if r.startswith("/usr/lib") and "/bin/" not in r]
    x_y = ".".join(runtime.version.split(".")[:2])
    assert len(stdlib) == 1 and stdlib[0].endswith(x_y)  # /usr/lib/python3.11
    assert not [r for r in requires if "dist(" in r]
    files = rpm_query(rpm, "-l")
    assert f"/usr/bin/{built.command}" in files
    assert not [f for f in files if f.startswith("/usr/bin/") and f != f"/usr/bin/{built.command}"]
    assert rpm_query(rpm, "-c") == [f"/etc/{built.app}/site.conf"]
    conf_sha256 = hashlib.sha256((DATA / "site.conf").read_bytes()).hexdigest()
    assert f"{conf_sha256}  %{{SOURCE100}}\n" in built.specs[built.new].read_text()


@pytest.mark.rpm
def test_payload_order_switches_current_last(built: Built) -> None:
    """rpm writes files in payload order: the new environment is whole before ``current`` moves."""
    listing = subprocess.run(
        f"rpm2cpio {built.rpms[built.new]} | cpio -t --quiet",
        shell=True,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    prefix = f"./usr/lib/{built.app}/"
    env_files = [i for i, name in enumerate(listing) if name.startswith(prefix + built.new)]
    (current,) = [i for i, name in enumerate(listing) if name == prefix + "current"]
    assert env_files and max(env_files) < current


@pytest.mark.rpm
def test_rpmlint(built: Built) -> None:
    if not shutil.which("rpmlint"):
        _missing("rpmlint not installed")
    completed = run(
        ["rpmlint", "-c", str(DATA / "rpmlint.toml"), str(built.rpms[built.new])], dict(os.environ)
    )
    assert completed.returncode == 0, completed.stdout
    assert " 0 errors" in completed.stdout


# -- install, run, upgrade, erase ------------------------------------------------------------

_CHROOT = r"""
set -e
root=$1 upper=$2 work=$3 merged=$4; shift 4
for dir in usr etc; do
  mkdir -p "$upper/$dir" "$work/$dir" "$merged/$dir" "$root/$dir"
  layers="lowerdir=$root/$dir:/$dir,upperdir=$upper/$dir,workdir=$work/$dir"
  mount -t overlay overlay -o "$layers" "$merged/$dir"
done
mkdir -p "$merged/dev" "$merged/proc" "$merged/tmp"
mount --rbind /dev "$merged/dev"
mount -t proc proc "$merged/proc"
mount -t tmpfs tmpfs "$merged/tmp"
for link in bin lib lib64 sbin lib32 libx32; do
  if [ -L "/$link" ]; then ln -sfn "$(readlink "/$link")" "$merged/$link"
  elif [ -d "/$link" ]; then mkdir -p "$merged/$link"; mount --rbind "/$link" "$merged/$link"; fi
done
exec chroot "$merged" "$@"
"""


# The same, in a loop until $scratch/stop exists: a fresh read-only overlay for every run
# (an overlay must not watch its lower layer change), so each run sees the root as it is.
_LOOP = r"""
set -e
root=$1 scratch=$2; shift 2
merged=$scratch/merged
mkdir -p "$merged/usr" "$merged/etc" "$merged/dev" "$merged/proc" "$merged/tmp"
mount --bind /etc "$merged/etc"
mount --rbind /dev "$merged/dev"
mount -t proc proc "$merged/proc"
mount -t tmpfs tmpfs "$merged/tmp"
for link in bin lib lib64 sbin lib32 libx32; do
  if [ -L "/$link" ]; then ln -sfn "$(readlink "/$link")" "$merged/$link"
  elif [ -d "/$link" ]; then mkdir -p "$merged/$link"; mount --rbind "/$link" "$merged/$link"; fi
done
runs=0 fails=0
while [ ! -e "$scratch/stop" ] && [ $runs -lt 2000 ]; do
  mount -t overlay overlay -o "lowerdir=$root/usr:/usr" "$merged/usr"
  chroot "$merged" "$@" >/dev/null 2>"$scratch/run.err" || {
    fails=$((fails + 1)); mv "$scratch/run.err" "$scratch/fail-$fails.err"; }
  umount "$merged/usr"
  runs=$((runs + 1))
done
echo "$runs $fails"
"""


class Root:
    """An rpm root whose files are run chrooted over the host's /usr (which has the runtime)."""

    def __init__(self, path: Path, scratch: Path) -> None:
        self.path = path
        self.scratch = scratch
        self.runs = 0

    def rpm(self, *words: str) -> subprocess.CompletedProcess[str]:
        return run(
            ["rpm", "--root", str(self.path), "--dbpath", "/var/lib/rpm", *words], dict(os.environ)
        )

    def command(self, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        """Run *argv* chrooted; the upper layer of this run must stay empty."""
        self.runs += 1
        base = self.scratch / f"run{self.runs}"
        upper, work, merged = base / "upper", base / "work", base / "merged"
        completed = subprocess.run(
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                _CHROOT,
                "sh",
                str(self.path),
                str(upper),
                str(work),
                str(merged),
                *argv,
            ],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        written = [str(p.relative_to(upper)) for p in upper.rglob("*") if not p.is_dir()]
        assert not written, f"running {argv} wrote {written}"
        return completed

    def files(self) -> list[str]:
        """Every file and link in the root except rpm's database."""
        return sorted(
            "/" + str(p.relative_to(self.path))
            for p in self.path.rglob("*")
            if (p.is_symlink() or not p.is_dir())
            and not str(p.relative_to(self.path)).startswith("var/lib/rpm")
        )


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Root]:
    if not shutil.which("unshare") or not shutil.which("chroot"):
        _missing("unshare/chroot not available")
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        _missing(f"cannot create a mount namespace: {probe.stderr.decode(errors='replace')}")
    path = tmp_path / "root"
    path.mkdir()
    yield Root(path, tmp_path / "scratch")


def _run_task(built: Built, root: Root, version: str, tmp: Path) -> None:
    """``--version`` and one real task of the application, from the root."""
    done = root.command(f"/usr/bin/{built.command}", "--version")
    assert done.returncode == 0, done.stderr
    assert version in done.stdout
    if built.app == "flake8":
        source = "import os\n\n\ndef f():\n    return 1\n"
        done = root.command(f"/usr/bin/{built.command}", "-", stdin=source)
        assert done.returncode == 1
        assert "F401 'os' imported but unused" in done.stdout
    else:
        done = root.command(
            "/bin/sh",
            "-c",
            "printf '{{ name | upper }} {{ items | join(\",\") }} {{ html | e }}' > /tmp/t.j2 && "
            'printf \'{"name": "rpm", "items": [1, 2], "html": "<b>"}\' > /tmp/d.json && '
            f"/usr/bin/{built.command} /tmp/t.j2 /tmp/d.json",
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "RPM 1,2 &lt;b&gt;"
        env_python = f"/usr/lib/{built.app}/current/bin/python"
        done = root.command(
            env_python,
            "-c",
            "import os, markupsafe._speedups as s; print(os.path.realpath(s.__file__))",
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"/usr/lib/{built.app}/{version}-1/lib/")


@pytest.mark.rpm
def test_install_run_upgrade_erase(built: Built, root: Root, tmp_path: Path) -> None:
    old, new = built.old, built.new
    done = root.rpm("-i", "--nodeps", str(built.rpms[old]))
    assert done.returncode == 0, done.stderr
    assert root.rpm("-V", "--nodeps", built.app).stdout == ""
    _run_task(built, root, old, tmp_path)
    assert root.rpm("-V", "--nodeps", built.app).stdout == ""

    config = root.path / "etc" / built.app / "site.conf"
    config.write_text("# changed by the administrator\n")
    old_files = set(root.files())

    # upgrade while the command runs in a loop: every run must succeed
    scratch = tmp_path / "loop"
    looper = subprocess.Popen(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            _LOOP,
            "sh",
            str(root.path),
            str(scratch),
            f"/usr/bin/{built.command}",
            "--version",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    done = root.rpm("-U", "--nodeps", str(built.rpms[new]))
    time.sleep(0.5)
    (scratch / "stop").write_text("")
    out, err = looper.communicate(timeout=120)
    runs, fails = (int(n) for n in out.split())
    assert looper.returncode == 0, err
    assert done.returncode == 0, done.stderr
    assert runs > 0
    # Every run that starts finds a whole environment, old or new.  A process that started
    # on the old one and imports a module after rpm erased the old files fails: that is
    # every in-place upgrade of running code; it must never involve the new environment.
    # The traceback names the old environment when the failing frame is in it; when the
    # command's own script fails to import (a module of the package erased under it), only
    # the command's path is in it: still a lost module, never a file of the new environment.
    for failure in sorted(scratch.glob("fail-*.err")):
        text = failure.read_text()
        assert "Traceback" in text and f"/{new}-1/" not in text, text
        assert f"/{old}-1/" in text or "ModuleNotFoundError" in text, text
    print(f"{built.app}: {runs} runs during the upgrade, {fails} were old processes losing files")

    assert root.rpm("-q", built.app).stdout.strip().startswith(f"{built.app}-{new}-")
    assert config.read_text() == "# changed by the administrator\n"  # %config(noreplace)
    assert root.rpm("-V", "--nodeps", built.app).stdout.split() == [
        "S.5....T.",
        "c",
        str(config)[len(str(root.path)) :],
    ]
    new_files = set(root.files())
    owned = set(root.rpm("-ql", built.app).stdout.split())
    assert new_files - owned == set(), "files no package owns"
    assert not [f for f in new_files if f"/{old}-1" in f], "files of the old version left"
    assert old_files - new_files  # the old environment is gone
    _run_task(built, root, new, tmp_path)

    config.write_text((DATA / "site.conf").read_text())  # unchanged config: no .rpmsave
    done = root.rpm("-e", built.app)
    assert done.returncode == 0, done.stderr
    assert root.files() == [], "erase left files behind"
    assert not (root.path / "usr/lib" / built.app).exists()
    assert not (root.path / "etc" / built.app).exists()


@pytest.mark.rpm
def test_build_times_are_reported(built: Built) -> None:
    """Not a timing test: the numbers go to the log (-rA) for the README's table."""
    for version, seconds in built.seconds.items():
        size = built.rpms[version].stat().st_size
        print(f"{built.app} {version}: rpmbuild {seconds:.1f} s, RPM {size / 1024:.0f} KiB")
    assert set(built.seconds) == {built.old, built.new}


@pytest.mark.rpm
def test_generation_from_the_cache_needs_no_network(built: Built, registry_dir: Path) -> None:
    """Once the sources are in the cache, regenerating the spec touches no network at all."""
    spec = built.specs[built.new]
    completed = run(
        [
            *_offline(),
            str(TOOL_BIN / "rpm-pyconfig"),
            "app",
            f"{built.app}=={built.new}",
            "--confdir",
            str(registry_dir),
            "-r",
            str(DATA / f"{built.app}-{built.new}.txt"),
            "--sources",
            str(CACHE),
            "--license",
            LICENSES[built.app],
            "--config",
            f"{DATA / 'site.conf'}=/etc/{built.app}/site.conf",
            "-o",
            "-",
        ],
        tool_env(registry_dir),
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == spec.read_text()


def _sdist(
    directory: Path, name: str, summary: str, url: str, requires: tuple[str, ...] = ()
) -> Path:
    """A small setuptools sdist whose metadata says what we like."""
    import io
    import tarfile

    base = f"{name}-1.0"
    files = {
        "pyproject.toml": (
            '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        ),
        "setup.py": (
            "from setuptools import setup\n"
            f"setup(name={name!r}, version='1.0', description={summary!r}, url={url!r},\n"
            f"      py_modules=[{name!r}], license='MIT', install_requires={list(requires)!r},\n"
            f"      entry_points={{'console_scripts': ['{name} = {name}:main']}})\n"
        ),
        f"{name}.py": "def main():\n    print('hello')\n",
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
    }
    path = directory / f"{base}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for member, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{base}/{member}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.rpm
def test_metadata_never_becomes_spec_syntax(
    tmp_path: Path, registry_dir: Path, runtime: Runtime
) -> None:
    if not have_rpm_tools():
        _missing("rpmspec not installed")
    summary = "Evil %{lua:error('x')} %(touch PWNED) %%{_bindir} 100%"
    sdist = _sdist(tmp_path, "evilapp", summary, "https://example.org/%{_bindir}")
    sources = tmp_path / "sources"
    spec = tmp_path / "evilapp.spec"
    assert (
        main(
            [
                "app",
                str(sdist),
                "--confdir",
                str(registry_dir),
                "--sources",
                str(sources),
                "-o",
                str(spec),
            ]
        )
        == 0
    )
    text = spec.read_text()
    assert "URL:" not in text  # a URL with % is dropped, not escaped into something else
    parsed = run(
        [
            "rpmspec",
            "-q",
            "--srpm",
            "--qf",
            "%{summary}\\n",
            "--define",
            f"_sourcedir {sources}",
            str(spec),
        ],
        dict(os.environ),
        cwd=tmp_path,
    )
    assert parsed.returncode == 0, parsed.stderr
    assert parsed.stdout == summary + "\n"
    assert not (tmp_path / "PWNED").exists()
    assert f"Requires:       {runtime.interpreter}" in text


@pytest.mark.rpm
def test_application_for_another_runtime(registry_dir: Path, root: Root, tmp_path: Path) -> None:
    """The runtime is the registry's choice: flake8 for another probed runtime (PyPy here)."""
    if not have_rpm_tools():
        _missing("rpmbuild/rpm not installed")
    runtimes = load_registry([str(registry_dir)], explicit=True).runtimes
    others = sorted(
        (rt for rt in runtimes if not rt.default),
        key=lambda rt: (rt.implementation == "cpython", rt.debug, rt.name),
    )
    if not others:
        pytest.skip("this machine has one runtime")
    other = others[0]
    name = f"flake8-{other.name}"
    spec = _generate(
        "flake8", "7.1.1", registry_dir, tmp_path, "--runtime", other.name, "--name", name
    )
    topdir = tmp_path / "top"
    completed = run(
        [
            *_offline(),
            "rpmbuild",
            "-bb",
            "--nodeps",
            "--define",
            f"_topdir {topdir}",
            "--define",
            f"_sourcedir {CACHE}",
            str(spec),
        ],
        tool_env(registry_dir),
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    (rpm,) = topdir.glob("RPMS/*/*.rpm")
    assert other.interpreter in rpm_query(rpm, "--requires")
    assert root.rpm("-i", "--nodeps", str(rpm)).returncode == 0
    done = root.command("/usr/bin/flake8", "--version")
    assert done.returncode == 0, done.stderr
    assert f"{other.platform_python_implementation} {other.version}" in done.stdout
    done = root.command("/usr/bin/flake8", "-", stdin="import os\n")
    assert "F401 'os' imported but unused" in done.stdout
    assert root.rpm("-V", "--nodeps", name).stdout == ""
    assert root.rpm("-e", name).returncode == 0
    assert root.files() == []


_STUB = """\
Name:           {name}
Version:        1
Release:        1
Summary:        Stand-in for what the operating system provides
License:        MIT
BuildArch:      noarch
{provides}

%description
Stand-in for the runtime and system libraries, for dependency resolution only.

%install
{install}

%files
{files}
"""


def _stub(name: str, provides: list[str], paths: list[tuple[str, bool]], out: Path) -> Path:
    """A noarch package providing *provides* and owning *paths* ((path, is_directory))."""
    install = "\n".join(
        f"mkdir -p %{{buildroot}}{p}"
        if is_dir
        else f"mkdir -p %{{buildroot}}{os.path.dirname(p)} && touch %{{buildroot}}{p}"
        for p, is_dir in paths
    )
    files = "\n".join(f"%dir {p}" if is_dir else p for p, is_dir in paths)
    spec = out / f"{name}.spec"
    spec.write_text(
        _STUB.format(
            name=name,
            provides="\n".join(f"Provides:       {p}" for p in provides),
            install=install or "true",
            files=files,
        )
    )
    completed = run(
        ["rpmbuild", "-bb", "--define", f"_topdir {out / 'top'}", str(spec)], dict(os.environ)
    )
    assert completed.returncode == 0, completed.stderr
    (rpm,) = (out / "top").glob(f"RPMS/noarch/{name}-1-1.noarch.rpm")
    return rpm


def _dnf_install(repo: Path, root: Path, package: str) -> subprocess.CompletedProcess[str]:
    created = run(["createrepo_c", "-q", str(repo)], dict(os.environ))
    assert created.returncode == 0, created.stderr
    return run(
        [
            "dnf",
            "-y",
            "-q",
            "--installroot",
            str(root),
            "--releasever",
            "1",
            "--setopt=reposdir=/dev/null",
            "--setopt=cachedir=" + str(root.parent / "cache"),
            f"--repofrompath=apps,{repo}",
            "--nogpgcheck",
            "install",
            package,
        ],
        dict(os.environ),
    )


@pytest.mark.rpm
def test_dnf_resolves_the_runtime_and_refuses_another_minor_version(
    built: Built, runtime: Runtime, tmp_path: Path
) -> None:
    """Real resolution: the package installs where its runtime is, and not with X.Y+1."""
    if not shutil.which("dnf") or not shutil.which("createrepo_c"):
        _missing("dnf/createrepo_c not installed")
    rpm = built.rpms[built.new]
    requires = [r for r in rpm_query(rpm, "--requires") if not r.startswith("rpmlib(")]
    own = set(rpm_query(rpm, "-l"))
    major, minor = runtime.version.split(".")[:2]
    x_y, next_x_y = f"{major}.{minor}", f"{major}.{int(minor) + 1}"
    (stdlib,) = [r for r in requires if r.startswith("/") and r.endswith(x_y) and r not in own]
    runtime_deps = {runtime.interpreter, runtime.abi_requires, stdlib}
    system = [r for r in requires if r not in runtime_deps and r not in own]
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    base = _stub("stub-system", system, [], stubs)
    abi = [runtime.abi_requires] if runtime.abi_requires != runtime.interpreter else []
    # The directory is provided explicitly too: dnf5 (Debian 13) reads no filelists by default.
    same = _stub("stub-runtime", [*abi, stdlib], [(runtime.interpreter, False), (stdlib, True)],
                 stubs)
    next_abi = [a.replace(x_y, next_x_y) for a in abi]
    newer = _stub(
        "stub-runtime-next",
        [*next_abi, stdlib.replace(x_y, next_x_y)],
        [(runtime.interpreter, False), (stdlib.replace(x_y, next_x_y), True)],
        stubs,
    )
    for name, runtime_rpm, ok in (("good", same, True), ("next", newer, False)):
        repo = tmp_path / f"repo-{name}"
        repo.mkdir()
        for path in (rpm, base, runtime_rpm):
            shutil.copy(path, repo)
        root = tmp_path / f"root-{name}"
        root.mkdir()
        done = _dnf_install(repo, root, built.app)
        if ok:
            assert done.returncode == 0, done.stdout + done.stderr
            assert (root / "usr/bin" / built.command).is_symlink()
        else:
            assert done.returncode != 0
            missing = runtime.abi_requires if abi else stdlib
            assert f"nothing provides {missing}" in done.stdout + done.stderr


@pytest.mark.rpm
def test_allowed_wheel_is_shipped_byte_for_byte(
    registry_dir: Path, root: Root, tmp_path: Path, runtime: Runtime
) -> None:
    """``--binary``: a manylinux wheel's extension module reaches the payload untouched."""
    if not have_rpm_tools():
        _missing("rpmbuild/rpm not installed")
    spec = tmp_path / "jinja2-cli.spec"
    status = main(
        [
            "app",
            "jinja2-cli==0.8.2",
            "--confdir",
            str(registry_dir),
            "-r",
            str(DATA / "jinja2-cli-wheel.txt"),
            "--binary",
            "MarkupSafe",
            "--sources",
            str(CACHE),
            "--license",
            LICENSES["jinja2-cli"],
            "-o",
            str(spec),
        ]
    )
    assert status == 0
    text = spec.read_text()
    assert "%global __requires_exclude_from ^/usr/lib/" in text
    assert "BuildRequires:  gcc" not in text and "BuildArch" not in text
    (wheel,) = CACHE.glob(f"[Mm]arkup[Ss]afe-3.0.3-cp{runtime.version_nodots[:3]}*-manylinux*.whl")
    topdir = tmp_path / "top"
    completed = run(
        [
            *_offline(),
            "rpmbuild",
            "-bb",
            "--nodeps",
            "--define",
            f"_topdir {topdir}",
            "--define",
            f"_sourcedir {CACHE}",
            str(spec),
        ],
        tool_env(registry_dir),
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    (rpm,) = topdir.glob("RPMS/*/*.rpm")
    assert not [
        r
        for r in rpm_query(rpm, "--requires")
        if "(" in r and "rpmlib(" not in r and "python(abi)" not in r
    ], "a generated requirement from the environment"
    assert root.rpm("-i", "--nodeps", str(rpm)).returncode == 0
    with zipfile.ZipFile(wheel) as archive:
        (member,) = [n for n in archive.namelist() if n.endswith(".so")]
        original = archive.read(member)
    (installed,) = root.path.glob(f"usr/lib/jinja2-cli/0.8.2-1/lib/*/site-packages/{member}")
    assert installed.read_bytes() == original
    done = root.command(
        "/usr/lib/jinja2-cli/current/bin/python",
        "-c",
        "import markupsafe._speedups, markupsafe; print(markupsafe.escape('<'))",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "&lt;\n"


@pytest.mark.rpm
def test_project_directory_becomes_its_sdist(tmp_path: Path, registry_dir: Path) -> None:
    """A project directory: its backend makes the sdist, which is the Source rpmbuild uses."""
    if not have_rpm_tools():
        _missing("rpmbuild/rpm not installed")
    project = tmp_path / "project"
    (project / "dirapp").mkdir(parents=True)
    (project / "dirapp" / "__init__.py").write_text("def main():\n    print('dirapp 2.0')\n")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "dirapp"\nversion = "2.0"\ndescription = "A directory"\n'
        'license = {text = "MIT"}\n[project.scripts]\ndirapp = "dirapp:main"\n'
    )
    sources = tmp_path / "sources"
    spec = tmp_path / "dirapp.spec"
    assert (
        main(
            [
                "app",
                str(project),
                "--confdir",
                str(registry_dir),
                "--sources",
                str(sources),
                "--license",
                "MIT",
                "-o",
                str(spec),
            ]
        )
        == 0
    )
    assert "Source1:        dirapp-2.0.tar.gz\n" in spec.read_text()
    assert (sources / "dirapp-2.0.tar.gz").is_file()
    topdir = tmp_path / "top"
    completed = run(
        [
            *_offline(),
            "rpmbuild",
            "-bb",
            "--nodeps",
            "--define",
            f"_topdir {topdir}",
            "--define",
            f"_sourcedir {sources}",
            str(spec),
        ],
        tool_env(registry_dir),
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    (rpm,) = topdir.glob("RPMS/noarch/dirapp-2.0-1.noarch.rpm")
    assert "/usr/bin/dirapp" in rpm_query(rpm, "-l")


def test_appenv_check_refuses_rpaths_outside_the_environment(
    built_env: tuple[Path, str], runtime: Runtime, tmp_path: Path
) -> None:
    if not shutil.which("gcc"):
        _missing("gcc not installed")
    root, env = built_env
    site = next((root / env.lstrip("/")).glob("lib/*/site-packages"))
    source = tmp_path / "ext.c"
    source.write_text("int answer(void) { return 42; }\n")
    for name, rpath in (("inside.so", "$ORIGIN/../lib"), ("outside.so", "/tmp/build/lib")):
        compiled = subprocess.run(
            ["gcc", "-shared", "-fPIC", f"-Wl,-rpath,{rpath}", "-o", str(site / name), str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert compiled.returncode == 0, compiled.stderr
        assert appenv.elf_rpaths((site / name).read_bytes()) == [rpath]
    done = _check(runtime, root, env)
    assert done.returncode == 1
    assert "outside.so: rpath '/tmp/build/lib' leads outside the environment" in done.stderr
    assert "inside.so" not in done.stderr


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        (
            "--prefix",
            "relative/dir",
            "--prefix: 'relative/dir' is not valid: want an absolute path",
        ),
        ("--prefix", "/usr/lib/%{x}", "--prefix: '/usr/lib/%{x}' is not valid"),
        # the audit of stop 27: .. passed the grammar, so a prefix could lead anywhere
        ("--prefix", "/usr/lib/../../etc", "--prefix: '/usr/lib/../../etc' is not valid: want "
         "an absolute path of letters, digits and '.', '_', '+', '-', no part '.' or '..'"),
        ("--prefix", "/usr/./lib", "--prefix: '/usr/./lib' is not valid"),
        ("--release", "1%{?dist}", "--release: '1%{?dist}' is not valid: want a digit"),
        ("--command", "a b", "--command: 'a b' is not valid"),
        # rpm refuses ".." in a Name or Release ("Illegal sequence"): the spec did not parse
        ("--release", "1..2", "--release: '1..2' is not valid: want a digit, then letters, "
         "digits, '.' and '_', no '..'"),
        ("--name", "a..b", "--name: 'a..b' is not valid"),
        # an empty --name was the application's name, silently
        ("--name", "", "--name: '' is not valid"),
        # --name and --license were checked only after the whole closure was downloaded
        ("--name", "a%{x}", "--name: 'a%{x}' is not valid"),
        ("--license", "MIT %(touch PWNED)", "--license: invalid license expression "
         "'MIT %(touch PWNED)'"),
    ],
)
def test_options_are_checked_before_anything_is_fetched(
    option: str,
    value: str,
    message: str,
    registry_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sources = tmp_path / "sources"
    status = main(
        [
            "app",
            "flake8==7.1.1",
            "--confdir",
            str(registry_dir),
            "--sources",
            str(sources),
            option,
            value,
        ]
    )
    assert status == 1
    assert message in capsys.readouterr().err
    assert not sources.exists()


@pytest.mark.rpm
def test_exclude_regexes_match_the_prefix_literally(
    tmp_path: Path, registry_dir: Path, runtime: Runtime
) -> None:
    """rpm reads __provides_exclude_from as a POSIX ERE: "+" and "." in a prefix are literal."""
    if not have_rpm_tools():
        _missing("rpmspec not installed")
    sdist = _sdist(tmp_path, "plusapp", "Plus", "https://example.org/")
    spec = tmp_path / "plusapp.spec"
    prefix = "/opt/c++.apps"
    status = main(
        ["app", str(sdist), "--confdir", str(registry_dir), "--prefix", prefix,
         "--sources", str(tmp_path / "sources"), "-o", str(spec)]
    )
    assert status == 0
    # What rpm's dependency generator reads, printed by rpm itself after the whole spec.
    with spec.open("a") as stream:
        stream.write("%{warn:FROM=%{__provides_exclude_from}}\n%{warn:REQ=%{__requires_exclude}}\n")
    parsed = run(["rpmspec", "-P", str(spec)], dict(os.environ), cwd=tmp_path)
    assert parsed.returncode == 0, parsed.stderr
    values = dict(
        line.split(": ", 1)[1].split("=", 1) for line in parsed.stderr.splitlines() if "=" in line
    )
    def ere(regex: str, text: str) -> bool:
        """Matched as rpm does: a POSIX extended regular expression (grep -E is one)."""
        return subprocess.run(["grep", "-Eq", "--", regex], input=text, text=True).returncode == 0

    assert ere(values["FROM"], f"{prefix}/plusapp/1.0-1/lib/x.py")
    assert not ere(values["FROM"], "/opt/cc.apps/plusapp/1.0-1/lib/x.py")
    assert not ere(values["FROM"], "/opt/cXXapps/plusapp/1.0-1/lib/x.py")
    for generated in (f"{runtime.dist_prefix}dist(flake8)", "python3.11dist(x)", "pypy3.9dist(x)",
                      "pypy3dist(x)", "(python3dist(x) >= 1 with python3dist(x) < 2)",
                      "python(abi) = 3.11"):
        assert ere(values["REQ"], generated), generated
    for kept in ("bundled(python3dist(x))", "libc.so.6()(64bit)", "/usr/bin/python3"):
        assert not ere(values["REQ"], kept), kept


@pytest.mark.rpm  # the runtime's pip resolves the closure, as for rpmbuild's sources
def test_a_config_file_never_replaces_a_file_of_the_closure(
    tmp_path: Path, registry_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--config FILE named like an sdist of the closure was copied over that sdist in the
    sources directory (the download cache): the spec kept the sdist's sha256, and every later
    run failed in pip ("not a gzip file") until the file was removed by hand."""
    sdist = _sdist(tmp_path, "confapp", "Conf", "https://example.org/")
    sources = tmp_path / "sources"
    (tmp_path / "conf").mkdir()
    config = tmp_path / "conf" / sdist.name
    config.write_text("x = 1\n", encoding="utf-8")
    common = ["app", str(sdist), "--confdir", str(registry_dir), "--sources", str(sources)]
    status = main([*common, "--config", f"{config}=/etc/confapp/x", "-o", str(tmp_path / "x")])
    assert status == 1
    assert (f"--config {config}=/etc/confapp/x: the file name {sdist.name!r} is a file of the "
            "closure") in capsys.readouterr().err
    assert _sha256(sources / sdist.name) == _sha256(sdist)
    # two configuration files in the package's directory: that directory is owned once
    other = tmp_path / "conf" / "other.conf"
    other.write_text("y = 2\n", encoding="utf-8")
    spec = tmp_path / "confapp.spec"
    status = main([*common, "--config", f"{other}=/etc/confapp/a", "--config",
                   f"{DATA / 'site.conf'}=/etc/confapp/b", "-o", str(spec)])
    assert status == 0
    assert spec.read_text().count("%dir /etc/confapp\n") == 1


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.rpm  # the installed console script and pip, as rpmbuild's machine has them
def test_a_refused_cached_file_is_named_when_the_download_fails_too(
    tmp_path: Path, registry_dir: Path
) -> None:
    """The audit of stop 28: with a lock and every file in the cache, pip's refusal of a
    dependency's wheel (two .dist-info directories) was replaced by the network download's
    error tried after it ("No matching distribution found for demoapp==1.0"): the hostile
    file was never named.  Both are reported, the refusal first."""
    offline = _offline()
    sources = tmp_path / "sources"
    sources.mkdir()
    app = _sdist(sources, "demoapp", "Demo", "https://example.org/", requires=("twodirs",))
    wheel = sources / "twodirs-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("twodirs-1.0.dist-info/METADATA",
                         "Metadata-Version: 2.1\nName: twodirs\nVersion: 1.0\n")
        archive.writestr("twodirs-1.0.dist-info/WHEEL",
                         "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr("demoapp-2.0.dist-info/entry_points.txt",
                         "[console_scripts]\nsh = twodirs:main\n")
        archive.writestr("twodirs-1.0.dist-info/RECORD", "")
    lock = tmp_path / "lock.txt"
    lock.write_text(f"demoapp==1.0 --hash=sha256:{_sha256(app)}\n"
                    f"twodirs==1.0 --hash=sha256:{_sha256(wheel)}\n", encoding="utf-8")
    env = dict(tool_env(registry_dir), PIP_RETRIES="0", PIP_TIMEOUT="1")
    done = run([*offline, str(TOOL_BIN / "rpm-pyconfig"), "app", "demoapp==1.0", "--confdir",
                str(registry_dir), "-r", str(lock),
                "--binary", "twodirs", "--sources", str(sources), "-o", str(tmp_path / "x.spec")],
               env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "multiple .dist-info directories found: " in done.stderr, done.stderr
    refusal = done.stderr.index("multiple .dist-info directories found: ")
    assert "twodirs" in done.stderr[refusal:].splitlines()[0]
    assert refusal < done.stderr.index("-m pip download failed")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.spec").exists()


def _app_with_wheel(
    tmp_path: Path, registry_dir: Path, wheel_members: dict[str, str]
) -> tuple[Path, Path]:
    """The spec of an application "demoapp" whose closure is one allowed wheel "dep" holding
    *wheel_members*, generated offline from a lock; returns the spec and its sources."""
    sources = tmp_path / "sources"
    sources.mkdir(parents=True)
    app = _sdist(sources, "demoapp", "Demo", "https://example.org/", requires=("dep",))
    wheel = _hostile_wheel(sources, "dep", wheel_members)
    lock = tmp_path / "lock.txt"
    lock.write_text(f"demoapp==1.0 --hash=sha256:{_sha256(app)}\n"
                    f"dep==1.0 --hash=sha256:{_sha256(wheel)}\n", encoding="utf-8")
    spec = tmp_path / "demoapp.spec"
    status = main(["app", "demoapp==1.0", "--confdir", str(registry_dir), "-r", str(lock),
                   "--binary", "dep", "--license", "MIT", "--sources", str(sources),
                   "-o", str(spec)])
    assert status == 0
    return spec, sources


@pytest.mark.rpm
def test_file_names_rpm_cannot_install_are_refused_in_the_build(
    tmp_path: Path, registry_dir: Path, root: Root
) -> None:
    """The audit of stop 28: a dependency's file name of 247 to 255 bytes built a package
    that ``rpm -i`` could not install ("cpio: open failed": rpm unpacks it as
    NAME;XXXXXXXX).  The build now fails naming wheel and member; 246 bytes install."""
    if not have_rpm_tools():
        _missing("rpmbuild/rpm not installed")
    offline = _offline()
    built = {}
    for length in (247, 246):
        member = "dep/" + "y" * length
        spec, sources = _app_with_wheel(tmp_path / str(length), registry_dir, {member: "x"})
        topdir = tmp_path / str(length) / "top"
        built[length] = run([*offline, "rpmbuild", "-bb", "--nodeps", "--define",
                             f"_topdir {topdir}", "--define", f"_sourcedir {sources}",
                             str(spec)], tool_env(registry_dir))
    refused = built[247]
    assert refused.returncode != 0, refused.stdout[-2000:]
    assert (f"dep-1.0-py3-none-any.whl: 'dep/{'y' * 247}': a file name of 247 bytes: rpm "
            "installs at most 246") in refused.stderr, refused.stderr[-2000:]
    assert built[246].returncode == 0, built[246].stderr[-2000:]
    (rpm,) = (tmp_path / "246" / "top").glob("RPMS/*/*.rpm")
    done = root.rpm("-i", "--nodeps", str(rpm))
    assert done.returncode == 0, done.stderr
    assert list(root.path.glob(f"usr/lib/demoapp/1.0-1/lib/*/site-packages/dep/{'y' * 246}"))


def test_appenv_names_both_writers_of_one_file(tmp_path: Path, runtime: Runtime) -> None:
    """Two wheels with one file, a command named like the environment's interpreter link: the
    audit of stop 28 found these refused as "PATH: two distributions install this file",
    which named neither archive (and was wrong for one wheel listing a member twice)."""
    first = _hostile_wheel(tmp_path, "aaa", {"shared/__init__.py": "A = 1\n"})
    second = _hostile_wheel(tmp_path, "bbb", {"shared/__init__.py": "B = 2\n"})
    done = _install_wheels(runtime, tmp_path / "r1", "aaa", first, second)
    assert done.returncode == 1, done.stderr
    assert ("shared/__init__.py: bbb-1.0-py3-none-any.whl member 'shared/__init__.py' would "
            "replace aaa-1.0-py3-none-any.whl member 'shared/__init__.py'") in done.stderr
    python = _hostile_wheel(tmp_path, "ccc", {}, command="python")
    done = _install_wheels(runtime, tmp_path / "r2", "ccc", python)
    assert done.returncode == 1, done.stderr
    assert ("/bin/python: ccc-1.0-py3-none-any.whl entry point 'python' would replace the "
            "environment's own file") in done.stderr, done.stderr


@pytest.mark.rpm
def test_files_of_other_languages_add_no_requirement(
    tmp_path: Path, registry_dir: Path
) -> None:
    """rpm's Perl and OCaml generators read any file their magic matches: a dependency's
    Perl script or module made the package require ``perl(...)`` modules no Python code
    uses (a hostile one could name a module nobody ships and make the package
    uninstallable; found by the audit of stop 28).  The environment's files still require
    what runs them (shebangs' interpreters, ELF libraries: test_payload_dependencies)."""
    if not have_rpm_tools():
        _missing("rpmbuild/rpm not installed")
    members = {
        "dep/tool.pl": "#!/usr/bin/perl\nuse Evil::Required;\nprint 1;\n",
        "dep/Evil/Module.pm": "package Evil::Module;\nuse Another::Evil;\n1;\n",
    }
    spec, sources = _app_with_wheel(tmp_path, registry_dir, members)
    topdir = tmp_path / "top"
    built = run([*_offline(), "rpmbuild", "-bb", "--nodeps", "--define", f"_topdir {topdir}",
                 "--define", f"_sourcedir {sources}", str(spec)], tool_env(registry_dir))
    assert built.returncode == 0, built.stderr[-2000:]
    (rpm,) = topdir.glob("RPMS/*/*.rpm")
    assert [f for f in rpm_query(rpm, "-l") if f.endswith(("/dep/tool.pl", "/Evil/Module.pm"))]
    requires = rpm_query(rpm, "--requires")
    provides = rpm_query(rpm, "--provides")
    assert not [r for r in requires if "perl" in r.lower() or "Evil" in r], requires
    assert not [p for p in provides if "perl" in p.lower() or "Evil" in p], provides
