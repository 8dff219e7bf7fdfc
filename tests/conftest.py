"""Shared fixtures: Debian 12's three Python runtimes, as records (not this machine's: the
tests that run interpreters take them from tests.rpmtools.machine_runtimes); and CI=true's rule
that a skip for a missing tool or runtime is a failure."""

from __future__ import annotations

import os
import sys
from collections.abc import Generator

import pytest

from rpm_pyconfig.runtime import Runtime

SITE = "/usr/lib/python3/dist-packages"

#: Skips that are by design, never for want of something: long runs chosen by a marker, and
#: what one implementation cannot do (PyPy has no -X importtime).
DESIGNED_SKIPS: tuple[str, ...] = (
    "long hypothesis run", "every payload through rpm (minutes)", "-X importtime is CPython's",
)
#: Under a distribution's own interpreter (the unit-test runs outside .venv) the distribution
#: decides these, and the .venv run covers them.
DISTRIBUTION_SKIPS = ("the rpm Python bindings", "packaging < 24.2")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, None]:
    """Under CI=true a test skipped for a missing tool or runtime fails instead."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") != "true" or not report.skipped or hasattr(report, "wasxfail"):
        return
    longrepr = report.longrepr
    reason = str(longrepr[2] if isinstance(longrepr, tuple) else longrepr)
    allowed = DESIGNED_SKIPS
    if sys.prefix == sys.base_prefix:
        allowed += DISTRIBUTION_SKIPS
    if not any(text in reason for text in allowed):
        report.outcome = "failed"
        report.longrepr = f"CI=true: skipping is a failure here ({reason})"


@pytest.fixture
def cpython() -> Runtime:
    """/usr/bin/python3.11: the default runtime."""
    return Runtime(
        name="python3.11",
        implementation="cpython",
        version="3.11.2",
        interpreter="/usr/bin/python3.11",
        package_prefix="python3",
        purelib=SITE,
        platlib=SITE,
        soabi="cpython-311-x86_64-linux-gnu",
        ext_suffix=".cpython-311-x86_64-linux-gnu.so",
        cache_tag="cpython-311",
        default=True,
    )


@pytest.fixture
def cpython_debug() -> Runtime:
    """/usr/bin/python3.11-dbg: the same version, built with Py_DEBUG."""
    return Runtime(
        name="python3.11-dbg",
        implementation="cpython",
        version="3.11.2",
        interpreter="/usr/bin/python3.11-dbg",
        package_prefix="python3-dbg",
        purelib=SITE,
        platlib=SITE,
        soabi="cpython-311d-x86_64-linux-gnu",
        ext_suffix=".cpython-311d-x86_64-linux-gnu.so",
        cache_tag="cpython-311",
        abiflags="d",
        debug=True,
        script_suffix="-dbg",
    )


@pytest.fixture
def pypy() -> Runtime:
    """/usr/bin/pypy3: PyPy 7.3 implementing Python 3.9.16."""
    return Runtime(
        name="pypy3",
        implementation="pypy",
        version="3.9.16",
        interpreter="/usr/bin/pypy3",
        package_prefix="pypy3",
        purelib=SITE,
        platlib=SITE,
        soabi="pypy39-pp73",
        ext_suffix=".pypy39-pp73-x86_64-linux-gnu.so",
        cache_tag="pypy39",
        script_suffix="-pypy3",
    )
