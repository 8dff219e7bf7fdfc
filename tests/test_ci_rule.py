"""conftest's CI=true rule reaches whole files: an rpm test file whose module-level skipif
fires for want of rpm tools fails under CI=true, item by item, instead of skipping."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _pytest_without_rpm_tools(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "CI"}
    environment["PATH"] = str(tmp_path)  # an empty directory: no rpmbuild, rpmspec, rpm
    if ci:
        environment["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_specs.py",
         "-k", "test_one_subpackage_per_runtime"],
        capture_output=True, text=True, cwd=REPO, env=environment, check=False,
    )


@pytest.mark.parametrize("ci", [True, False])
def test_a_file_skipped_for_missing_rpm_tools(tmp_path: Path, ci: bool) -> None:
    completed = _pytest_without_rpm_tools(tmp_path, ci)
    if ci:
        assert completed.returncode == 1, completed.stdout
        assert "CI=true: skipping is a failure here (Skipped: rpmbuild not installed)" in (
            completed.stdout
        )
    else:
        assert completed.returncode == 0, completed.stdout
        assert "1 skipped" in completed.stdout
