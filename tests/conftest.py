"""Shared fixtures: the three Python runtimes of the development machine, as records."""

from __future__ import annotations

import pytest

from rpm_pyconfig.runtime import Runtime

SITE = "/usr/lib/python3/dist-packages"


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
