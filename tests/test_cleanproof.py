"""Which rpm-pyconfig a clean build of the clean proof runs (tests/cleanproof.py): the root's
command with the root's site directories alone, never this checkout's.  The whole proof is
scripts/clean-proof.sh (minutes of rpmbuild and dnf)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests import cleanproof
from tests.cleanproof import clean_env, root_tool
from tests.rpmtools import have_rpm_tools, main_runtime, require

SCRIPT = """import json, os, sys
import probe_module
print(json.dumps({"argv": sys.argv[1:], "path": sys.path, "module": probe_module.__file__,
                  "flags": [sys.flags.isolated, sys.flags.no_site]}))
sys.exit(int(os.environ.get("PROBE_STATUS", "0")))
"""


def _root(tmp_path: Path, shebang: str) -> Path:
    """A root with a console script at usr/bin/rpm-pyconfig and a module in the default
    runtime's purelib."""
    runtime = main_runtime()
    root = tmp_path / "root"
    site = root / runtime.purelib.lstrip("/")
    site.mkdir(parents=True)
    (site / "probe_module.py").write_text("", encoding="utf-8")
    script = root / "usr" / "bin" / "rpm-pyconfig"
    script.parent.mkdir(parents=True)
    script.write_text(f"#!{shebang}\n{SCRIPT}", encoding="utf-8")
    return root


def test_root_tool_runs_the_roots_script_with_the_roots_sites_alone(tmp_path: Path) -> None:
    require("rpm", have_rpm_tools())
    runtime = main_runtime()
    root = _root(tmp_path, f"{runtime.interpreter} -sP")
    tools = tmp_path / "tools"
    root_tool(root, [runtime], tools)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(elsewhere), "PROBE_STATUS": "3"}
    completed = subprocess.run([str(tools / "rpm-pyconfig"), "backend-requires", "a b"],
                               capture_output=True, text=True, check=False, env=env)
    assert completed.returncode == 3, completed.stderr
    seen = json.loads(completed.stdout)
    assert seen["argv"] == ["backend-requires", "a b"]
    assert seen["module"] == str(root / runtime.purelib.lstrip("/") / "probe_module.py")
    assert seen["flags"] == [1, 1]
    # no site directory but the root's: neither the host's nor PYTHONPATH's
    sites = [entry for entry in seen["path"]
             if entry.endswith(("site-packages", "dist-packages")) or entry == str(elsewhere)]
    assert sites and all(entry.startswith(str(root)) for entry in sites), seen["path"]


def test_root_tool_without_the_package_writes_nothing(tmp_path: Path) -> None:
    require("rpm", have_rpm_tools())
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "rpm-pyconfig").write_text("stale", encoding="utf-8")
    assert root_tool(tmp_path / "empty-root", [main_runtime()], tools) == []
    assert not (tools / "rpm-pyconfig").exists()


def test_root_tool_names_a_shebang_of_no_runtime(tmp_path: Path) -> None:
    require("rpm", have_rpm_tools())
    root = _root(tmp_path, "/opt/nowhere/python9")
    with pytest.raises(AssertionError, match=r"usr/bin/rpm-pyconfig: line 1: "
                       r"'#!/opt/nowhere/python9': no runtime"):
        root_tool(root, [main_runtime()], tmp_path / "tools")


def test_root_tool_puts_the_root_under_the_direct_fallbacks_sitedir(tmp_path: Path) -> None:
    require("rpm", have_rpm_tools())
    runtime = main_runtime()
    root = _root(tmp_path, runtime.interpreter)
    configdir = subprocess.run(["rpm", "--eval", "%{_rpmconfigdir}"], capture_output=True,
                               text=True, check=True).stdout.strip()
    macros = root / configdir.lstrip("/") / "macros.d"
    macros.mkdir(parents=True)
    (macros / "macros.pyconfig-python").write_text(
        f"%_pyconfig_python {runtime.interpreter}\n%_pyconfig_sitedir {runtime.purelib}\n",
        encoding="utf-8")
    assert root_tool(root, [runtime], tmp_path / "tools") == [
        "--define", f"_pyconfig_sitedir {root}{runtime.purelib}"]


def test_clean_env_keeps_no_other_rpm_pyconfig_on_path(tmp_path: Path) -> None:
    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "rpm-pyconfig").write_text("#!/bin/sh\n", encoding="utf-8")
    (venv / "rpm-pyconfig").chmod(0o755)
    tools = tmp_path / "tools"
    env = clean_env({"PATH": f"{venv}:/usr/bin:/bin", "VIRTUAL_ENV": str(venv.parent),
                     "HOME": "/root"}, tools)
    assert env == {"PATH": f"{tools}:/usr/bin:/bin", "HOME": "/root"}


def test_the_build_machines_own_pyconfig_macros_are_left_out(tmp_path: Path) -> None:
    """A farm root has rpm-pyconfig's macros in rpm's macros.d: only the clean root's may
    answer, so they leave the macro path and the other files of that directory stay."""
    system = tmp_path / "macros.d"
    system.mkdir()
    for name in ("macros.python", "macros.pyconfig", "macros.pyconfig-registry", "macros.zz"):
        (system / name).write_text("%dummy 1\n", encoding="utf-8")
    entries = ["/usr/lib/rpm/macros", f"{system}/macros.*", "/etc/rpm/%{_target}/macros",
               "~/.rpmmacros"]
    assert cleanproof._without_ours(entries) == [
        "/usr/lib/rpm/macros", f"{system}/macros.python", f"{system}/macros.zz",
        "/etc/rpm/%{_target}/macros", "~/.rpmmacros",
    ]
    (system / "macros.pyconfig").unlink()
    (system / "macros.pyconfig-registry").unlink()
    assert cleanproof._without_ours(entries) == entries
