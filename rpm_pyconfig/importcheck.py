"""The import check of ``%pyconfig_check``: every public module, from the buildroot.

One runtime's interpreter runs :data:`IMPORT_SCRIPT` (standard library only; CPython 3.6+
and PyPy) in an empty directory, with only the given site directories (the buildroot's,
and a chain's dependency tree) on ``PYTHONPATH``: the unpacked sources of a flat-layout
project are never on ``sys.path``, and a top-level module that is found anywhere but below
the buildroot fails the check.  Below each top-level package every public module (no
part of its name starts with ``_``) is imported too, except the patterns excluded.  A
submodule whose import fails in a module of another project (an optional dependency that
is not installed: ``urllib3.contrib.socks`` needs PySocks; a platform's module:
``msvcrt``) is reported as skipped, never silently: the top-level import already proves
the declared dependencies.  Every other failure fails the check.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Sequence

from .errors import PyConfigError

__all__ = ["IMPORT_SCRIPT", "ImportCheckError", "check_imports"]


class ImportCheckError(PyConfigError):
    """A module did not import, or came from elsewhere than the buildroot."""


#: Run as ``INTERPRETER -s -c IMPORT_SCRIPT RESULT_FILE JSON``; writes its findings as JSON
#: to RESULT_FILE (a module may print anything on stdout while it is imported).
IMPORT_SCRIPT = """\
import fnmatch, importlib, json, os, pkgutil, sys
result_file, spec = sys.argv[1], json.loads(sys.argv[2])
root = os.path.realpath(spec["root"])
excluded = spec["exclude"]
imported, skipped, failures = [], [], []

def below(path):
    real = os.path.realpath(path)
    return real == root or real.startswith(root + os.sep)

def is_excluded(name):
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in excluded)

def load(name, top):
    try:
        module = importlib.import_module(name)
    except ImportError as error:
        missing = error.name or ""
        foreign = missing and missing.split(".")[0] != top.split(".")[0]
        if name != top and foreign:
            skipped.append(name + " (" + type(error).__name__ + " from " + missing + ": " +
                           str(error) + ")")
            return None
        failures.append(name + ": " + type(error).__name__ + ": " + str(error))
        return None
    except BaseException as error:
        failures.append(name + ": " + type(error).__name__ + ": " + str(error))
        return None
    imported.append(name)
    return module

for top in spec["modules"]:
    module = load(top, top)
    if module is None:
        continue
    where = getattr(module, "__file__", None)
    places = [where] if where else list(getattr(module, "__path__", []))
    outside = [place for place in places if not below(place)]
    if not places or outside:
        failures.append(top + ": imported from " + (", ".join(outside) or "nowhere") +
                        ", not from " + root)
        continue
    stack = [(top, module)]
    while stack:
        prefix, package = stack.pop()
        path = [entry for entry in getattr(package, "__path__", []) if below(entry)]
        found = sorted(pkgutil.iter_modules(path, prefix + "."), key=lambda info: info[1])
        for info in found:
            name = info[1]
            if name.rsplit(".", 1)[1].startswith("_"):
                continue
            if is_excluded(name):
                skipped.append(name + " (excluded)")
                continue
            sub = load(name, top)
            if sub is not None and info[2]:
                stack.append((name, sub))

with open(result_file, "w") as out:
    json.dump({"imported": imported, "skipped": skipped, "failures": failures}, out)
"""


def check_imports(
    interpreter: str,
    modules: Sequence[str],
    *,
    buildroot: str,
    paths: Sequence[str],
    exclude: Sequence[str] = (),
    name: str = "",
) -> list[str]:
    """Import *modules* and their public submodules with *interpreter* from *paths*.

    Returns what was checked, one line per fact (imported count, each skip); raises
    ``ImportCheckError`` naming the runtime and every module that failed.
    """
    who = f"{name} ({interpreter})" if name else interpreter
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    spec = json.dumps({"root": buildroot, "modules": list(modules), "exclude": list(exclude)})
    with tempfile.TemporaryDirectory(prefix="rpm-pyconfig-check-") as empty:
        result_file = os.path.join(empty, "result.json")
        try:
            completed = subprocess.run(
                [interpreter, "-s", "-c", IMPORT_SCRIPT, result_file, spec],
                cwd=empty, env=env, capture_output=True, text=True, check=False,
            )
        except OSError as error:
            raise ImportCheckError(f"{who}: cannot run the interpreter: {error.strerror}") from None
        try:
            with open(result_file, encoding="utf-8") as answer:
                result = json.load(answer)
        except (OSError, ValueError):
            raise ImportCheckError(
                f"{who}: the import check did not finish (exit status {completed.returncode}):"
                f"\n{completed.stderr.strip()}"
            ) from None
    if result["failures"]:
        raise ImportCheckError(
            f"{who}: {len(result['failures'])} module(s) do not import from {buildroot}:\n"
            + "\n".join(f"  {failure}" for failure in result["failures"])
        )
    said = [f"{who}: imported {len(result['imported'])} module(s) from {buildroot}: "
            + " ".join(result["imported"])]
    said += [f"{who}: skipped {skip}" for skip in result["skipped"]]
    return said
