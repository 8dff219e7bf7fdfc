"""``%install`` for several runtimes: stage, byte-compile, split shared files, write file lists.

Runtimes may share directories: Debian's CPython, its debug build and PyPy all use
``/usr/lib/python3/dist-packages`` (Debian unstable puts seven runtimes there).  Two
subpackages must never ship the same path, so each path is shipped by the first runtime,
in order, that installs it, and every later runtime that installs it too requires that
runtime's subpackage.  Runtimes that put the wheel into the same library directory install
the same sources, data and ``.dist-info`` (shipped by the first of them) and, when their
bytecode cache tags are equal (CPython and its debug build), the same bytecode (shipped by
the first of that tag).  ``relies_on`` predicts that relation at parse time (for
``Requires:``), ``sharing_problems`` finds registries that cannot build side by side (same
extension suffix in one directory, same script suffix), and ``install`` enforces both.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import shutil
import stat
import subprocess
import time
from collections.abc import Callable, Sequence

from ._files import write_atomically
from .errors import ConfigError, ExecutionError, Problem, PyConfigError
from .runtime import Runtime
from .worktree import FILES_SUFFIX

TYPE_CHECKING = False  # not typing's: this module's parse-time half serves rendering
if TYPE_CHECKING:
    from ._wheel import Wheel

__all__ = [
    "InstallResult", "file_owners", "filelist_path", "install", "relies_on", "schemes",
    "sharing_problems", "with_unversioned",
]


def _libdir(runtime: Runtime, pure: bool) -> str:
    """Where a wheel's library part goes: purelib for a pure wheel, else platlib."""
    return runtime.purelib if pure else runtime.platlib


def _relies(
    runtimes: Sequence[Runtime], libdirs: Sequence[str]
) -> dict[str, tuple[Runtime, ...]]:
    """``relies_on`` for known library directories (``libdirs[i]`` of ``runtimes[i]``)."""
    result: dict[str, tuple[Runtime, ...]] = {}
    for index, runtime in enumerate(runtimes):
        same_dir = [
            earlier for earlier, lib in zip(runtimes[:index], libdirs) if lib == libdirs[index]
        ]
        found = same_dir[:1]  # the sources, data and .dist-info
        found += [earlier for earlier in same_dir if earlier.cache_tag == runtime.cache_tag][:1]
        result[runtime.name] = tuple(rt for rt in runtimes if rt in found)
    return result


def relies_on(
    runtimes: Sequence[Runtime], *, pure: bool | None = None
) -> dict[str, tuple[Runtime, ...]]:
    """For each runtime name, the earlier runtimes whose subpackages ship files it installs too.

    A path is shipped by the first runtime, in order, that installs it.  Runtimes that put
    the wheel into the same library directory (purelib for a pure wheel, else platlib)
    install the same sources, data and ``.dist-info`` (the first of them ships those), and
    the same bytecode when their cache tags are equal (the first of that tag ships it).
    ``pure``: the kind of the wheel; None (at parse time it is unknown) counts both kinds.
    Runtimes come out in the given order, without duplicates.
    """
    kinds = (True, False) if pure is None else (pure,)
    result: dict[str, tuple[Runtime, ...]] = {rt.name: () for rt in runtimes}
    for kind in kinds:
        found = _relies(runtimes, [_libdir(rt, kind) for rt in runtimes])
        for name, earlier in found.items():
            merged = set(result[name]) | set(earlier)
            result[name] = tuple(rt for rt in runtimes if rt in merged)
    return result


def file_owners(runtimes: Sequence[Runtime]) -> dict[str, Runtime | None]:
    """For each runtime name, the first runtime of ``relies_on`` (the one whose subpackage
    ships the sources it shares), or None when it ships its own."""
    relied = relies_on(runtimes)
    return {name: (earlier[0] if earlier else None) for name, earlier in relied.items()}


def sharing_problems(runtimes: Sequence[Runtime], *, bindir: str = "/usr/bin") -> list[Problem]:
    """Why *runtimes* cannot install side by side, one problem per clash (empty: they can).

    Two runtimes clash when they would install the same path and neither relies on the
    other for it: extension modules of one suffix in one directory, or commands with one
    script suffix.
    """
    problems: list[Problem] = []
    extension: dict[tuple[str, str], Runtime] = {}
    scripts: dict[str, Runtime] = {}
    for runtime in runtimes:
        key = (runtime.platlib, runtime.ext_suffix)
        other = extension.setdefault(key, runtime)
        if other is not runtime:
            problems.append(Problem(runtime.origin, (
                f"runtimes {other.name!r} and {runtime.name!r} both install extension modules "
                f"named *{runtime.ext_suffix} into {runtime.platlib}: their subpackages would "
                "ship the same files; give one of them its own platlib or leave it out"
            )))
        other = scripts.setdefault(runtime.script_suffix, runtime)
        if other is not runtime:
            problems.append(Problem(runtime.origin, (
                f"runtimes {other.name!r} and {runtime.name!r} have the same script_suffix "
                f"{runtime.script_suffix!r}: both would install the commands "
                f"{bindir}/NAME{runtime.script_suffix}; give one of them another script_suffix"
            )))
    return problems


class InstallResult:
    """What ``install`` put into the buildroot for one runtime."""

    __slots__ = ("dirs", "filelist", "files", "runtime", "skipped")

    def __init__(
        self, runtime: Runtime, files: list[str], dirs: list[str], skipped: int, filelist: str
    ) -> None:
        #: The runtime.
        self.runtime = runtime
        #: Paths (as installed, e.g. /usr/bin/coverage) this runtime's subpackage ships.
        self.files = files
        #: Directories it owns (``%dir`` entries).
        self.dirs = dirs
        #: How many installed paths an earlier runtime's subpackage ships instead.
        self.skipped = skipped
        #: The file list written for ``%files -f``.
        self.filelist = filelist


def install(
    runtimes: Sequence[Runtime],
    *,
    wheels: str,
    stage: str,
    buildroot: str,
    filelists: str,
    bindir: str = "/usr/bin",
    unversioned: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[InstallResult]:
    """Install each runtime's wheel ``WHEELS/NAME/*.whl`` into *buildroot*.

    Per runtime, in order: pypa/installer places the wheel under ``STAGE/NAME`` by the
    runtime's scheme (``schemes``), the commands into *bindir* with the runtime's
    ``script_suffix`` and a shebang naming its interpreter; the runtime's own interpreter
    byte-compiles it, RECORD lists the bytecode too; then every path no earlier runtime
    ships is copied into *buildroot* and ``FILELISTS/NAME.files`` written.
    *unversioned* names the runtime whose commands get no suffix (``with_unversioned``).
    """
    from ._wheel import Wheel

    if unversioned:
        runtimes = with_unversioned(runtimes, unversioned)
    problems = sharing_problems(runtimes, bindir=bindir)
    if problems:
        raise ConfigError(problems)
    paths = _check_places(runtimes, wheels, buildroot)
    with contextlib.ExitStack() as stack:
        opened = [stack.enter_context(Wheel.open(path)) for path in paths]
        _check_contents(runtimes, opened)
        libdirs = [_libdir(rt, wheel.root_is_purelib) for rt, wheel in zip(runtimes, opened)]
        relied = _relies(runtimes, libdirs)
        predicted = relies_on(runtimes)  # what the subpackages' Requires: say
        for runtime in runtimes:
            unsaid = [rt.name for rt in relied[runtime.name] if rt not in predicted[runtime.name]]
            if unsaid:
                raise PyConfigError(
                    f"runtime {runtime.name!r} would rely on files of {', '.join(unsaid)} that "
                    "its subpackage does not require: their wheels differ in kind (pure or not) "
                    "and their library directories differ; build them in separate specs"
                )
        # One mtime for every installed file: the pyc a sharing runtime compiles from its own
        # copy of a .py must match the shipped copy.
        mtime = int(os.environ.get("SOURCE_DATE_EPOCH") or time.time())
        claimed: dict[str, str] = {}  # path -> runtime name that ships it
        results = []
        created: list[str] = []  # what this call added to the buildroot, to undo on failure
        try:
            for number, (runtime, wheel) in enumerate(zip(runtimes, opened), 1):
                earlier = relied[runtime.name]
                root = os.path.join(stage, runtime.name)
                _place(runtime, wheel, root, bindir, mtime)
                owned = (_libdir(runtime, wheel.root_is_purelib),
                         schemes(runtime, wheel.distribution, bindir=bindir)["headers"])
                result = _ship(runtime, root, owned, buildroot, claimed, earlier, filelists,
                               created)
                results.append(result)
                if progress is not None:
                    shared = ""
                    if earlier and result.skipped:
                        names = " and ".join(rt.name for rt in earlier)
                        shared = f", {result.skipped} shipped by {names}"
                    progress(
                        f"installed {runtime.name} ({number}/{len(runtimes)}): "
                        f"{len(result.files)} files{shared}"
                    )
        except BaseException:
            _undo(created)
            raise
    return results


def with_unversioned(runtimes: Sequence[Runtime], name: str) -> list[Runtime]:
    """*runtimes* with the commands of runtime *name* unsuffixed: a packager's choice of
    which runtime owns ``/usr/bin/CMD``.  Every other runtime whose ``script_suffix`` is
    empty (the registry's default, normally) gets ``-NAME`` instead."""
    if name not in [runtime.name for runtime in runtimes]:
        chosen = ", ".join(runtime.name for runtime in runtimes)
        raise PyConfigError(
            f"--unversioned {name!r}: not one of the selected runtimes ({chosen})"
        )
    return [
        runtime.replace(script_suffix="") if runtime.name == name
        else runtime.replace(script_suffix=f"-{runtime.name}") if not runtime.script_suffix
        else runtime
        for runtime in runtimes
    ]


def schemes(runtime: Runtime, distribution: str, *, bindir: str = "/usr/bin") -> dict[str, str]:
    """Where each part of a wheel goes for *runtime* (the wheel's ``.data/`` schemes).

    purelib and platlib are the runtime's, scripts *bindir*, data its parent (rpm's
    ``%{_prefix}`` for ``%{_bindir}``), headers the runtime's C include directory (its
    ``include``, as probed: ``/usr/include/python3.11d`` for a debug build,
    ``/usr/include/pypy3.9`` for PyPy) plus the distribution's name, as pip lays them out.
    """
    prefix = os.path.dirname(bindir.rstrip("/")) or "/"
    return {
        "purelib": runtime.purelib,
        "platlib": runtime.platlib,
        "scripts": bindir,
        "data": prefix,
        "headers": posixpath.join(runtime.include, distribution),
    }


def _check_places(runtimes: Sequence[Runtime], wheels: str, buildroot: str) -> list[str]:
    """Everything that can be checked before the buildroot is touched; each runtime's wheel."""
    if os.path.lexists(buildroot) and not os.path.isdir(buildroot):
        raise PyConfigError(f"--buildroot {buildroot}: exists and is not a directory")
    found = []
    for runtime in runtimes:
        directory = os.path.join(wheels, runtime.name)
        names = sorted(
            name for name in os.listdir(directory) if name.endswith(".whl")
        ) if os.path.isdir(directory) and not os.path.islink(directory) else []
        if len(names) != 1:
            raise PyConfigError(
                f"expected one wheel for runtime {runtime.name!r} in {directory}, found "
                f"{', '.join(names) or 'none'} (did %pyconfig_build run for it?)"
            )
        found.append(os.path.join(directory, names[0]))
    return found


def _check_contents(runtimes: Sequence[Runtime], wheels: Sequence[Wheel]) -> None:
    """Refuse a runtime whose wheel installs nothing but its ``.dist-info`` while another
    runtime's installs code (cffi on PyPy, which bundles its own): its subpackage would
    provide ``pypy3dist(cffi)`` for nothing.  When no runtime installs code (a metapackage
    of dependencies) the metadata is the package."""
    empty = [runtime for runtime, wheel in zip(runtimes, wheels) if not wheel.installs_code]
    if not empty or len(empty) == len(runtimes):
        return
    full = ", ".join(rt.name for rt in runtimes if rt not in empty)
    problems = [
        f"runtime {runtime.name!r}: the wheel installs nothing but its metadata, while "
        f"{full} install modules (the runtime bundles the project, or the project skips "
        f"it): its package would provide {runtime.dist_prefix}dist() for nothing"
        for runtime in empty
    ]
    names = " ".join(f"--exclude {rt.name}" for rt in empty)
    raise PyConfigError(
        "\n".join(problems)
        + f"\nhint: leave it out of the spec, e.g. %global pyconfig_select {names}"
    )


def _undo(created: list[str]) -> None:
    """Remove, newest first, the files and directories an install added to the buildroot."""
    for path in reversed(created):
        with contextlib.suppress(OSError):
            if os.path.isdir(path) and not os.path.islink(path):
                os.rmdir(path)
            else:
                os.unlink(path)


def _place(runtime: Runtime, wheel: Wheel, root: str, bindir: str, mtime: int) -> None:
    """Install *wheel* under *root* as it will be installed, bytecode and RECORD included."""
    import configparser

    import installer
    from installer.exceptions import InstallerError

    from ._wheel import Destination

    scheme = schemes(runtime, wheel.distribution, bindir=bindir)
    root_kind = "purelib" if wheel.root_is_purelib else "platlib"
    other = "platlib" if wheel.root_is_purelib else "purelib"
    libdirs = {scheme[other]: other, scheme[root_kind]: root_kind}  # a shared dir: the root's

    def compile_and_list() -> list[tuple[str, str]]:
        _set_mtimes(root, mtime)
        _byte_compile(runtime, root, sorted(libdirs))
        pycs = []
        for libdir, kind in sorted(libdirs.items()):
            for directory, subdirs, names in os.walk(root + libdir):
                subdirs.sort()
                pycs += [
                    (kind, os.path.relpath(os.path.join(directory, name), root + libdir))
                    for name in sorted(names)
                    if name.endswith(".pyc") and os.path.basename(directory) == "__pycache__"
                ]
        return pycs

    flags = f" {runtime.shebang_flags}" if runtime.shebang_flags else ""
    destination = Destination(
        scheme, interpreter=runtime.interpreter, shebang=runtime.interpreter + flags,
        script_suffix=runtime.script_suffix, destdir=root, before_record=compile_and_list,
    )
    try:
        shutil.rmtree(root, ignore_errors=True)
        installer.install(wheel, destination, {"INSTALLER": b"rpm\n"})
        _set_mtimes(root, mtime)  # the pycs, RECORD and INSTALLER too: reproducible payloads
    except InstallerError as error:  # InvalidWheelSource(source, message): the message
        message = error.args[-1] if error.args else error
        raise PyConfigError(f"{wheel.where}: cannot install it: {message}") from None
    except (ValueError, configparser.Error, AssertionError) as error:
        # installer's: an entry point leading out of its directory (>= 1.0), one that does
        # not parse (an assert), a %(x)s in entry_points.txt (configparser's interpolation)
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise PyConfigError(f"{wheel.where}: cannot install it: {text}") from None
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        raise PyConfigError(
            f"installing runtime {runtime.name!r} failed{where}: {error.strerror or error}"
        ) from None


def _set_mtimes(root: str, mtime: int) -> None:
    for directory, _subdirs, names in os.walk(root):
        for name in names:
            os.utime(os.path.join(directory, name), (mtime, mtime), follow_symlinks=False)


def _byte_compile(runtime: Runtime, root: str, libdirs: Sequence[str]) -> None:
    """Compile the installed library with the runtime's own interpreter, paths as installed."""
    command = [
        runtime.interpreter, "-s", "-m", "compileall", "-q", "-f", "-s", root, "-p", "/",
        *[root + libdir for libdir in libdirs if os.path.isdir(root + libdir)],
    ]
    completed = subprocess.run(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False
    )
    if completed.returncode != 0:
        output = completed.stdout.decode(errors="replace").strip()
        raise ExecutionError(
            f"byte-compiling for runtime {runtime.name!r} with {runtime.interpreter} failed "
            f"(status {completed.returncode}):\n{output}",
            runtime=runtime.name,
            returncode=1,
        )


def _ship(
    runtime: Runtime,
    root: str,
    owned: tuple[str, str],
    buildroot: str,
    claimed: dict[str, str],
    earlier: tuple[Runtime, ...],
    filelists: str,
    created: list[str],
) -> InstallResult:
    files, dirs, skipped = [], [], 0
    if not os.path.lexists(buildroot):
        os.makedirs(buildroot)
        created.append(buildroot)
    top = os.path.realpath(buildroot)
    for directory, subdirs, names in os.walk(root):
        subdirs.sort()
        installed_dir = directory[len(root) :] or "/"
        if _owns_dir(installed_dir, *owned) and installed_dir not in claimed:
            claimed[installed_dir] = runtime.name
            dirs.append(installed_dir)
        for name in sorted(
            names + [d for d in subdirs if os.path.islink(os.path.join(directory, d))]
        ):
            path = os.path.join(installed_dir, name)
            holder = claimed.get(path)
            if holder is not None:
                if holder not in {rt.name for rt in earlier}:
                    raise PyConfigError(
                        f"runtimes {holder!r} and {runtime.name!r} both install {path}, and "
                        f"{runtime.name!r}'s subpackage does not require {holder!r}'s (it "
                        f"relies on {', '.join(rt.name for rt in earlier) or 'no other'}): give "
                        "them distinct directories, extension or script suffixes in their drop-ins"
                    )
                skipped += 1
                continue
            claimed[path] = runtime.name
            files.append(path)
            dest = buildroot + path
            _make_parents(os.path.dirname(dest), top, created)
            if os.path.lexists(dest):  # a re-run: replace a file, never write through a link
                if not stat.S_ISREG(os.lstat(dest).st_mode):
                    raise PyConfigError(
                        f"{dest}: already in the buildroot and not a regular file (a link, a "
                        "directory...); refusing to replace it"
                    )
                os.unlink(dest)
            shutil.copy2(os.path.join(directory, name), dest, follow_symlinks=False)
            created.append(dest)
    os.makedirs(filelists, exist_ok=True)
    filelist = os.path.join(filelists, runtime.name + FILES_SUFFIX)
    lines = [f"%dir {filelist_path(d)}" for d in dirs]
    lines += [("%license " if _is_license(f) else "") + filelist_path(f) for f in files]
    if not lines:
        # Everything is shipped by the owner (a pure project's debug build): rpm rejects an
        # empty %files -f list, and %defattr is a line that ships nothing.
        lines = ["%defattr(-,root,root,-)"]
    for line in lines:
        if len(line.encode()) > FILELIST_LINE_MAX:
            raise PyConfigError(
                f"cannot list {line!r:.200}... in an rpm %files list: the line is "
                f"{len(line.encode())} bytes, and rpm reads such a list {FILELIST_LINE_MAX} "
                "bytes at a time, taking the rest for another line (another file)")
    write_atomically(filelist, "".join(line + "\n" for line in lines).encode(), replace=True)
    return InstallResult(runtime, files, dirs, skipped, filelist)


def _is_license(path: str) -> bool:
    """License files a wheel carries in its .dist-info (PEP 639 ``licenses/`` or top level)."""
    parent, name = os.path.split(path)
    if parent.endswith(".dist-info"):
        return name.upper().startswith(("LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS"))
    return ".dist-info/licenses/" in path


def _owns_dir(installed_dir: str, libdir: str, headers: str) -> bool:
    """Directories below the library dir, except its top-level ``__pycache__`` (shared), and
    the distribution's own headers directory (``.../include/python3.11/DIST``) and below."""
    if installed_dir == headers or installed_dir.startswith(headers + "/"):
        return True
    return installed_dir.startswith(libdir + "/") and installed_dir != libdir + "/__pycache__"


def _make_parents(directory: str, top: str, created: list[str]) -> None:
    """Create *directory* below the buildroot *top*, never through a symlink that leads out."""
    missing = []
    probe = directory
    while not os.path.lexists(probe):
        missing.append(probe)
        probe = os.path.dirname(probe)
    real = os.path.realpath(probe)
    if os.path.commonpath([real, top]) != top or not os.path.isdir(real):
        raise PyConfigError(
            f"{probe}: leads out of the buildroot or is no directory (to {real}); refusing to "
            "write through it"
        )
    for path in reversed(missing):
        os.mkdir(path)
        created.append(path)


#: Characters rpm's %files parser treats as glob syntax, or which could start a directive
#: (%attr, %config...) after the line's macro expansion: written as one-character globs.
_FILELIST_SPECIAL = re.compile(r"[%*?\[\]{}]")


#: The longest line of a ``%files -f`` list rpm reads whole: it reads the list with
#: ``fgets(buf, BUFSIZ)`` (8192), 8191 bytes at a time with the newline (measured with rpm
#: 4.18 and 4.20: a longer line is read as two file names).
FILELIST_LINE_MAX = 8190


def filelist_path(path: str) -> str:
    """*path* as rpm 4.18's ``%files -f`` parser needs it to mean exactly that file.

    rpm expands macros on each line, finds ``%attr(``, ``%config``... anywhere in it (even
    inside quotes), splits it at blanks unless the name is in double quotes (which it cannot
    escape), and globs names with ``*?[]{}``, splitting the pattern at blanks popt-style.
    So ``%`` and glob characters become one-character globs (``[%%]`` matches ``%``: no
    directive survives the expansion), with a backslash before blanks and single quotes
    for popt; names with blanks are quoted; names with a newline, a control character (rpm
    refuses tabs too), a double quote, a backslash, or both braces (glob's brace expansion
    ignores brackets and escapes: ``{a,b}`` would package ``a`` and ``b``) are refused.
    rpm 4.20 and later take a quoted name literally (no glob), so a name that needs both
    the glob form (``%`` or a glob character) and quoting (a blank or a single quote) has
    no spelling every rpm reads the same way: it is refused too (measured on 4.18 and 4.20).
    """
    if not path.isprintable() or '"' in path or "\\" in path or ("{" in path and "}" in path):
        raise PyConfigError(
            f"cannot list {path!r} in an rpm %files list: newlines, control characters, "
            "double quotes, backslashes and a '{' with a '}' (rpm expands braces even in "
            "brackets) in file names are refused"
        )
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise PyConfigError(
            f"cannot list {path!r} in an rpm %files list: the name is not UTF-8"
        ) from None
    text = path
    if _FILELIST_SPECIAL.search(path) and re.search(r"[\s']", path):
        raise PyConfigError(
            f"cannot list {path!r} in an rpm %files list: a name with a blank or a single "
            "quote and one of % * ? [ ] { } reads differently on rpm 4.18 (a glob split at "
            "blanks) and rpm 4.20+ (a quoted name taken literally)"
        )
    if _FILELIST_SPECIAL.search(path):
        # A glob: rpmGlob splits the pattern popt-style, so blanks and quotes need a backslash.
        text = _FILELIST_SPECIAL.sub(lambda match: f"[{match.group()}]", path).replace("%", "%%")
        text = re.sub(r"([\s'])", r"\\\1", text)
    return f'"{text}"' if any(c.isspace() for c in text) else text
