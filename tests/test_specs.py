"""The specs of ``specs/`` built for real: rpmbuild, rpm -i --root, the interpreters, rpmlint.

One module-scoped build of python-coverage.spec for python3, its debug build and pypy3 as
``probe --all`` finds them on this machine feeds the tests below.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import rpm_pyconfig
from tests.rpmtools import (
    REPO,
    SOURCES,
    TOOL_BIN,
    debuginfo_packages,
    have_rpm_tools,
    machine_runtimes,
    macros_options,
    probe_registry,
    rpm_macro,
    rpm_query,
    rpmbuild,
    run,
    tool_env,
    trio,
)

pytestmark = [
    pytest.mark.rpm,
    pytest.mark.skipif(not have_rpm_tools(), reason="rpmbuild not installed"),
]

COVERAGE_SPEC = REPO / "specs" / "python-coverage.spec"
COVERAGE_SDIST = SOURCES / "coverage-7.10.7.tar.gz"
SITE = "/usr/lib/python3/dist-packages"


def runtimes() -> dict[str, tuple[str, str, str | None]]:
    """name: (package, interpreter, extension suffix or None when no C tracer is built)."""
    return {
        rt.name: (
            f"{rt.package_prefix}-coverage",
            rt.interpreter,
            rt.ext_suffix if rt.implementation == "cpython" else None,
        )
        for rt in trio()
    }

DEMO = "def f(x):\n    if x:\n        return 1\n    return 2\n\n\nf(1)\n"


class Build:
    def __init__(self, registry: Path, topdir: Path) -> None:
        self.registry = registry
        self.topdir = topdir

    def rpm(self, package: str) -> Path:
        (found,) = (self.topdir / "RPMS").glob(f"*/{package}-7.10.7-1.*.rpm")
        return found

    @property
    def srpm(self) -> Path:
        (found,) = (self.topdir / "SRPMS").glob("*.src.rpm")
        return found

    @property
    def rpms(self) -> list[Path]:
        return sorted((self.topdir / "RPMS").glob("*/*.rpm"))


def readme_build_command() -> str:
    """README's documented ``macros=...`` + ``rpmbuild`` command lines, as the shell reads them."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = next(
        block for block in readme.split("```sh\n")[1:] if block.startswith("macros=")
    ).split("```", 1)[0]
    assert "rpmbuild -ba" in block and "--load" not in block
    return block


@pytest.fixture(scope="module")
def coverage_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """python-coverage.spec built by README's own command, run by bash in a directory laid out
    like the repository (out/registry: python3, its debug build, pypy3 as probed here)."""
    if not COVERAGE_SDIST.exists():
        pytest.fail(f"{COVERAGE_SDIST} is missing: run scripts/fetch-sources.sh (setup does)")
    work = tmp_path_factory.mktemp("readme")
    registry = probe_registry(work / "out" / "registry")
    (work / "out" / "sources").symlink_to(SOURCES)
    for directory in ("macros", "specs"):
        (work / directory).symlink_to(REPO / directory)
    env = tool_env(None)
    (work / "home").mkdir()
    env["HOME"] = str(work / "home")  # rpm's default %_topdir: ~/rpmbuild
    # README's command takes no --define: a failing build section leaves its rpm-tmp.* script
    # in this home, not in /var/tmp (~/.rpmmacros is on rpm's macro path, which it keeps).
    (work / "home" / ".rpmmacros").write_text(f"%_tmppath {work / 'home'}\n", encoding="utf-8")
    built = run(["bash", "-euo", "pipefail", "-c", readme_build_command()], env, cwd=work)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return Build(registry, work / "home" / "rpmbuild")


@pytest.fixture(scope="module")
def installed_root(coverage_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    installed = subprocess.run(
        [
            "rpm",
            "-i",
            "--root",
            str(root),
            "--dbpath",
            "/var/lib/rpm",
            "--nodeps",
            *map(str, coverage_build.rpms),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    assert "conflicts" not in installed.stderr
    return root


def test_one_subpackage_per_runtime(coverage_build: Build) -> None:
    names = sorted(path.name for path in coverage_build.rpms)
    packages = ["pypy3-coverage", "python3-coverage", "python3-debug-coverage"]
    packages += debuginfo_packages("python-coverage", packages)  # rpm >= 4.20 builds them
    assert names == sorted(f"{package}-7.10.7-1.x86_64.rpm" for package in packages)


def test_dependencies_and_provides(coverage_build: Build) -> None:
    main = coverage_build.rpm("python3-coverage")
    version = trio()[0].short_version
    assert f"python(abi) = {version}" in rpm_query(main, "--requires")
    assert {"python3dist(coverage) = 7.10.7", f"python{version}dist(coverage) = 7.10.7"} <= set(
        rpm_query(main, "--provides")
    )
    for sharer in ("python3-debug-coverage", "pypy3-coverage"):
        assert "python3-coverage = 7.10.7-1" in rpm_query(coverage_build.rpm(sharer), "--requires")
    assert "pypy3dist(coverage) = 7.10.7" in rpm_query(
        coverage_build.rpm("pypy3-coverage"), "--provides"
    )


def test_shared_site_directory_is_split_without_overlap(coverage_build: Build) -> None:
    files = {
        name: set(rpm_query(coverage_build.rpm(pkg), "-l"))
        for name, (pkg, _, _) in runtimes().items()
    }
    main, debug, pypy = trio()
    # No path is shipped twice (directories such as /usr/lib/.build-id may be shared by rpm itself).
    regular = {name: {f for f in paths if "/.build-id" not in f} for name, paths in files.items()}
    assert not regular["python3"] & regular["python3-debug"]
    assert not regular["python3"] & regular["pypy3"]
    assert not regular["python3-debug"] & regular["pypy3"]
    assert f"{SITE}/coverage/tracer{debug.ext_suffix}" in files["python3-debug"]
    assert f"{SITE}/coverage/__init__.py" in files["python3"]
    assert f"{SITE}/coverage/__pycache__/__init__.{pypy.cache_tag}.pyc" in files["pypy3"]
    assert f"{SITE}/coverage/__pycache__/__init__.{main.cache_tag}.pyc" in files["python3"]
    assert {"/usr/bin/coverage", "/usr/bin/coverage-pypy3", "/usr/bin/coverage-python3-debug"} <= (
        files["python3"] | files["pypy3"] | files["python3-debug"]
    )
    assert f"{SITE}/__pycache__" not in files["python3"]  # never the top-level __pycache__


def test_all_subpackages_install_together_and_run(installed_root: Path, tmp_path: Path) -> None:
    (tmp_path / "demo.py").write_text(DEMO, encoding="utf-8")
    for name, (_pkg, python, suffix) in runtimes().items():
        env = {"PYTHONPATH": f"{installed_root}{SITE}", "PATH": "/usr/bin:/bin"}
        ran = subprocess.run(
            [python, "-m", "coverage", "run", "demo.py"],
            cwd=tmp_path,
            env=env,
            check=False,
            capture_output=True,
            text=True,
        )
        assert ran.returncode == 0, (name, ran.stderr)
        report = subprocess.run(
            [python, "-m", "coverage", "report"],
            cwd=tmp_path,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        assert re.search(r"^TOTAL\s+5\s+1\s+80%$", report, re.MULTILINE), (name, report)
        debug = subprocess.run(
            [python, "-m", "coverage", "debug", "sys"],
            cwd=tmp_path,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        if suffix:
            assert (
                f"CTracer: available from {installed_root}{SITE}/coverage/tracer{suffix}" in debug
            )
        else:
            assert "CTracer: unavailable" in debug


def test_commands_name_their_own_interpreter(installed_root: Path) -> None:
    main, debug, pypy = trio()
    for command, runtime in (("coverage", main), ("coverage-python3-debug", debug),
                             ("coverage-pypy3", pypy)):
        text = (installed_root / "usr/bin" / command).read_text()
        flags = f" {runtime.shebang_flags}" if runtime.shebang_flags else ""
        assert text.startswith(f"#!{runtime.interpreter}{flags}\n"), command


def test_bytecode_of_every_runtime_is_fresh(installed_root: Path) -> None:
    """pypy's .pyc must match the .py python3-coverage installs, or PyPy recompiles forever."""
    checker = (
        "import importlib.util, sys\n"
        f"src = '{installed_root}{SITE}/coverage/control.py'\n"
        "pyc = importlib.util.cache_from_source(src)\n"
        "data = open(pyc, 'rb').read()\n"
        "import os\n"
        "flags = int.from_bytes(data[4:8], 'little')\n"
        "mtime = int.from_bytes(data[8:12], 'little')\n"
        "print(flags, mtime == int(os.stat(src).st_mtime))\n"
    )
    for python in (trio()[0].interpreter, trio()[2].interpreter):
        out = subprocess.run([python, "-c", checker], capture_output=True, text=True, check=True)
        flags, fresh = out.stdout.split()
        assert flags != "0" or fresh == "True", python


def test_rpmlint_reports_no_errors(coverage_build: Build) -> None:
    if shutil.which("rpmlint") is None:
        pytest.skip("rpmlint not installed")
    linted = subprocess.run(
        [
            "rpmlint",
            "-c",
            str(REPO / "specs" / "rpmlint.toml"),
            str(COVERAGE_SPEC),
            str(coverage_build.srpm),
            *map(str, coverage_build.rpms),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert " 0 errors" in linted.stdout, linted.stdout
    assert linted.returncode == 0, linted.stdout


def test_rebuild_follows_the_build_machines_registry(coverage_build: Build, tmp_path: Path) -> None:
    """The SRPM carries no runtime list: masking pypy3 on the 'build farm' drops only pypy3."""
    farm = tmp_path / "farm-registry"
    shutil.copytree(coverage_build.registry, farm)
    (farm / "pypy3.conf").unlink()
    (farm / "pypy3.conf").symlink_to("/dev/null")  # masked, as an administrator would
    rebuilt = rpmbuild(
        coverage_build.srpm,
        tmp_path / "top",
        tool_env(farm),
        "--rebuild",
        sourcedir=tmp_path / "sources",
    )
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    names = sorted(p.name for p in (tmp_path / "top" / "RPMS").glob("*/*.rpm"))
    packages = ["python3-coverage", "python3-debug-coverage"]
    packages += debuginfo_packages("python-coverage", packages)
    assert names == sorted(f"{package}-7.10.7-1.x86_64.rpm" for package in packages)
    before = rpm_query(coverage_build.rpm("python3-debug-coverage"), "-l")
    after = rpm_query(next((tmp_path / "top" / "RPMS").glob("*/python3-debug-*.rpm")), "-l")
    assert [f for f in after if ".build-id" not in f] == [f for f in before if ".build-id" not in f]


TOOL_SPEC = REPO / "specs" / "rpm-pyconfig.spec"


@pytest.fixture(scope="module")
def tool_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """specs/rpm-pyconfig.spec built (-ba) from this work tree's tarball, with the registry
    probed here (the tool's own macros and command parse it, as on a build host)."""
    work = tmp_path_factory.mktemp("tool")
    made = run(["bash", str(REPO / "scripts" / "make-source-tarball.sh")], tool_env(None))
    assert made.returncode == 0, made.stderr
    registry = probe_registry(work / "registry")
    built = rpmbuild(TOOL_SPEC, work / "top", tool_env(registry), "-ba")
    assert built.returncode == 0, built.stderr[-3000:]
    return Build(registry, work / "top")


def test_tool_packages_itself(tool_build: Build, tmp_path: Path) -> None:
    """specs/rpm-pyconfig.spec builds; installed into a root, its macros and command work."""
    text = TOOL_SPEC.read_text(encoding="utf-8")
    assert f"Version:        {rpm_pyconfig.__version__}\n" in text
    # The main package describes this machine's runtimes: built for its architecture; the
    # library is pure Python (pyconfig_noarch).  No -debuginfo: no ELF file anywhere.
    arch = rpm_macro("_arch")
    rpms = sorted(tool_build.rpms, key=lambda p: p.name)
    assert [p.relative_to(tool_build.topdir / "RPMS").as_posix() for p in rpms] == [
        "noarch/python3-rpm-pyconfig-0.1.0-1.noarch.rpm",
        f"{arch}/rpm-pyconfig-0.1.0-1.{arch}.rpm",
    ]
    assert [rpm_query(p, "--qf", "%{arch}") for p in rpms] == [["noarch"], [arch]]
    root = tmp_path / "root"
    subprocess.run(
        ["rpm", "-i", "--root", str(root), "--dbpath", "/var/lib/rpm", "--nodeps", *map(str, rpms)],
        check=True,
        capture_output=True,
    )
    configdir = subprocess.run(
        ["rpm", "--eval", "%{_rpmconfigdir}"], capture_output=True, text=True, check=True
    ).stdout.strip()
    macros = root / configdir.lstrip("/") / "macros.d" / "macros.pyconfig"
    assert macros.is_file()  # where rpm's macro path (macros.d/macros.*) looks
    # The drop-ins describe the machine the package was built on (this one), as `probe --all`
    # finds its runtimes now; the repository's examples (another machine's) are not shipped,
    # and the administrators' directory is left empty.
    expected = tmp_path / "expected"
    expected.mkdir()
    probed = run([str(TOOL_BIN / "rpm-pyconfig"), "probe", "--all", "--write", str(expected)],
                 tool_env(None))
    assert probed.returncode == 0, probed.stderr
    vendor = root / "usr/lib/rpm-pyconfig.d"
    shipped = {p.name: p.read_bytes() for p in vendor.iterdir()}
    assert shipped == {p.name: p.read_bytes() for p in expected.iterdir()}
    assert sorted(shipped) == sorted(f"{rt.name}.conf" for rt in machine_runtimes())
    assert list((root / "etc/rpm-pyconfig.d").iterdir()) == []
    package = next(p for p in rpms if p.name.startswith("rpm-pyconfig-"))
    assert rpm_query(package, "--configfiles") == []
    env = {
        "PATH": f"{root}/usr/bin:/usr/bin:/bin",
        "PYTHONPATH": f"{root}{SITE}",
        # the default search path, inside the root: vendor drop-ins, then the administrators'
        "RPM_PYCONFIG_PATH": f"{vendor}:{root}/etc/rpm-pyconfig.d",
    }
    evaluated = subprocess.run(
        ["rpm", *macros_options(macros), "--eval", "%{pyconfig_foreach:@name @interpreter}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert evaluated.returncode == 0, evaluated.stderr
    assert evaluated.stdout == "".join(
        f"{rt.name} {rt.interpreter}\n" for rt in machine_runtimes()
    ) + "\n"
    command = (root / "usr/bin/rpm-pyconfig").read_text().splitlines()[0]
    main = trio()[0]
    # what the macros' fallback runs directly when no compiled registry is loaded: the
    # lines of compiled.direct_macros, written by the package itself, naming installed paths
    from rpm_pyconfig.compiled import direct_macros

    direct = (root / configdir.lstrip("/") / "macros.d" / "macros.pyconfig-python").read_text()
    assert direct == direct_macros((main.interpreter, main.purelib))
    assert (root / main.purelib.lstrip("/") / "rpm_pyconfig" / "cli.py").is_file()
    flags = f" {main.shebang_flags}" if main.shebang_flags else ""
    assert command == f"#!{main.interpreter}{flags}"
    assert TOOL_BIN not in Path(evaluated.stdout).parents  # the root's command ran, not ours


def test_tool_package_compiles_the_registry_in_file_triggers(
    tool_build: Build, tmp_path: Path
) -> None:
    """The package's file triggers on the drop-in directories run `rpm-pyconfig compile`;
    the compiled files are its %ghost files, and rpm then needs no process to parse."""
    registry = tool_build.registry
    arch = rpm_macro("_arch")
    package = tool_build.topdir / "RPMS" / arch / f"rpm-pyconfig-0.1.0-1.{arch}.rpm"
    triggers = "\n".join(rpm_query(package, "--filetriggers"))
    compile_line = ("env -u RPM_PYCONFIG_PATH /usr/bin/rpm-pyconfig compile -o "
                    "/usr/lib/rpm/macros.d/macros.pyconfig-registry")
    directories = "/etc/rpm-pyconfig.d, /usr/lib/rpm-pyconfig.d"
    assert f"transfiletriggerin scriptlet (using /bin/sh) -- {directories}" in triggers
    assert f"transfiletriggerpostun scriptlet (using /bin/sh) -- {directories}" in triggers
    assert triggers.count(compile_line) == 2
    listed = rpm_query(package, "-l")
    assert "/usr/lib/rpm/macros.d/macros.pyconfig-registry" in listed
    assert "/usr/lib/rpm/macros.d/pyconfig-registry.luac" in listed
    # the evaluator's own bytecode, which a compile failing on a drop-in leaves
    assert "/usr/lib/rpm/macros.d/macros.pyconfig-registry-engine" in listed
    assert "/usr/lib/rpm/macros.d/pyconfig-registry-engine.luac" in listed
    # the drop-ins the triggers watch: this machine's runtimes in the vendor directory only
    assert [f for f in listed if "/rpm-pyconfig.d/" in f] == sorted(
        f"/usr/lib/rpm-pyconfig.d/{rt.name}.conf" for rt in machine_runtimes()
    )
    # What the trigger runs, for a registry at hand; then rpm parses without the tool.
    compiled = tmp_path / "macros.pyconfig-registry"
    done = run([str(TOOL_BIN / "rpm-pyconfig"), "compile", "-o", str(compiled)],
               tool_env(registry))
    assert done.returncode == 0, done.stderr
    env = tool_env(registry, path="/usr/bin:/bin")  # no rpm-pyconfig on PATH at all
    evaluated = run(["rpm", "--load", str(REPO / "macros" / "macros.pyconfig"), "--load",
                     str(compiled), "--eval", "%{pyconfig_foreach:@confpkg}"], env)
    assert (evaluated.returncode, evaluated.stdout) == (0, "python3\npython3-debug\npypy3\n\n")


def test_tool_package_lints_clean(tool_build: Build, tmp_path: Path) -> None:
    """rpmlint on the spec, the SRPM and both RPMs: no error once the repository's filters
    (rpmlint.toml) and the spec's own false positives (rpm-pyconfig.rpmlintrc: an arch
    package without ELF files, the fixed /usr/lib/rpm-pyconfig.d) are filtered."""
    if shutil.which("rpmlint") is None:
        pytest.skip("rpmlint not installed")
    home = tmp_path / "home"
    # rpm's per-user macro file (~/.rpmmacros before rpm 4.19, ~/.config/rpm/macros since):
    # rpmlint's rpm parses the spec with the tool's macros, as on a build host.
    (home / ".config" / "rpm").mkdir(parents=True)
    for macros in (home / ".rpmmacros", home / ".config" / "rpm" / "macros"):
        shutil.copyfile(REPO / "macros" / "macros.pyconfig", macros)
    env = tool_env(tool_build.registry)
    env["HOME"] = str(home)
    linted = run(["rpmlint", "-c", str(REPO / "specs" / "rpmlint.toml"),
                  "-r", str(REPO / "specs" / "rpm-pyconfig.rpmlintrc"), str(TOOL_SPEC),
                  str(tool_build.srpm), *map(str, tool_build.rpms)], env)
    assert " 0 errors" in linted.stdout, linted.stdout
    assert linted.returncode == 0, linted.stdout
