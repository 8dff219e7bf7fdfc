"""Build-time helper of application RPMs: install wheels into a private environment, then check it.

``rpm-pyconfig app`` ships this file inside the source RPM (``Source0``) and the spec runs it
with the runtime's interpreter in ``%install``, so the build needs neither rpm-pyconfig nor
any package outside the standard library, and the exact code that made the payload is part
of the source RPM.  It must therefore run on every supported runtime (Python 3.9+, PyPy)
with the standard library alone.

``install`` writes the environment as it will be *installed*, not as it sits in the
buildroot: script shebangs name the final interpreter, bytecode is compiled for the final
paths (checked-hash, so mtimes do not matter), ``RECORD`` lists the files with their final
hashes, ``INSTALLER`` is ``rpm``.  ``check`` then proves it over the whole buildroot and
names every file that breaks a rule; the build fails on any.

Like ``cli.py`` this module has a ``main`` that prints and returns an exit status: it is the
command the spec runs.  Everything else raises :class:`EnvError`.
"""

from __future__ import annotations

import base64
import compileall
import csv
import hashlib
import importlib.util
import io
import json
import marshal
import os
import py_compile
import re
import stat
import struct
import subprocess
import sys
import zipfile

__all__ = ["EnvError", "check", "elf_rpaths", "install", "main"]

# The tail of a wheel file name: NAME-VERSION(-BUILD)?-PY-ABI-PLATFORM.whl (PEP 427).
_WHEEL_NAME = re.compile(
    r"^(?P<name>[A-Za-z0-9_.]+)-(?P<version>[A-Za-z0-9_.!+]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$"
)
_COMMAND = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
_ENTRY_POINT = re.compile(
    r"^\s*(?P<module>[A-Za-z_][\w.]*)\s*:\s*(?P<attrs>[A-Za-z_][\w]*(\.[A-Za-z_]\w*)*)"
    r"\s*(\[[^\]]*\])?\s*$"
)
_PYTHON_SHEBANG = re.compile(rb"^#!\s*(\S*/)?(env\s+)?(python|pypy)[\w.-]*\b|^#!python[\w.-]*")


#: How many problems ``check`` prints (all count).
_SHOWN = 40
#: The longest file name ``rpm -i`` can install: it unpacks each file as NAME;XXXXXXXX (the
#: transaction id) and renames it after, so 9 of a name's 255 bytes are rpm's.  A longer name
#: builds and fails to install ("cpio: open failed").
_RPM_NAME_MAX = 255 - len(";12345678")


class EnvError(Exception):
    """The environment cannot be built as asked, or breaks a rule: names the file."""


# -- install ------------------------------------------------------------------------------


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _inside(base: str, relative: str, what: str) -> str:
    """``base/relative``, refusing absolute paths and ``..`` that would leave *base*."""
    target = os.path.normpath(os.path.join(base, relative))
    if os.path.isabs(relative) or not (target + os.sep).startswith(base.rstrip(os.sep) + os.sep):
        raise EnvError(f"{what}: {relative!r} would be written outside {base}")
    return target


def _env_paths(python: str) -> dict[str, str]:
    """The environment's own install scheme, asked from its own interpreter (never guessed)."""
    code = (
        "import json, sys, sysconfig; p = sysconfig.get_paths(); "
        "p['prefix'] = sys.prefix; p['base'] = sys.base_prefix; "
        "print(json.dumps(p))"
    )
    done = subprocess.run([python, "-I", "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise EnvError(f"{python}: cannot start the environment's interpreter: {done.stderr}")
    paths: dict[str, str] = json.loads(done.stdout)
    return paths


class _Env:
    """Where things go, as *final* paths and as paths inside the buildroot."""

    def __init__(self, root: str, env: str, interpreter: str) -> None:
        if not os.path.isabs(env) or not os.path.isabs(interpreter):
            raise EnvError(f"--env {env!r} and --python {interpreter!r} must be absolute")
        self.root = os.path.abspath(root)
        self.env = os.path.normpath(env)
        self.interpreter = interpreter
        self.python = os.path.join(self.env, "bin", "python")

    def staged(self, final: str) -> str:
        return self.root + final

    def final(self, staged: str) -> str:
        return staged[len(self.root) :] or "/"

    def create(self) -> dict[str, str]:
        """pyvenv.cfg and bin/python, then the scheme the environment's interpreter reports."""
        staged_env = self.staged(self.env)
        if os.path.lexists(staged_env):
            raise EnvError(f"{self.env}: already exists in the buildroot")
        os.makedirs(os.path.join(staged_env, "bin"))
        version = ".".join(str(part) for part in sys.version_info[:3])
        home = os.path.dirname(self.interpreter)
        with open(os.path.join(staged_env, "pyvenv.cfg"), "w", encoding="utf-8") as cfg:
            cfg.write(
                f"home = {home}\ninclude-system-site-packages = false\n"
                f"version = {version}\nexecutable = {self.interpreter}\n"
            )
        # Absolute, as venv makes it: the runtime is outside the package (and the buildroot).
        os.symlink(self.interpreter, self.staged(self.python))
        paths = _env_paths(self.staged(self.python))
        if os.path.normpath(paths["prefix"]) != staged_env:
            raise EnvError(
                f"{self.interpreter} does not treat {self.env} as an environment "
                f"(its sys.prefix is {paths['prefix']})"
            )
        scheme = {}
        for key in ("purelib", "platlib", "scripts", "data"):
            path = os.path.normpath(paths[key])
            if not (path + os.sep).startswith(staged_env + os.sep) and path != staged_env:
                raise EnvError(f"the environment's {key} {path} is outside {staged_env}")
            scheme[key] = path
        # pip's place for headers in an environment (sysconfig's "include" is the runtime's)
        scheme["include"] = os.path.join(
            staged_env, "include", "site", "python{}.{}".format(*sys.version_info[:2])
        )
        return scheme


def _read_wheel_metadata(archive: zipfile.ZipFile, dist_info: str, name: str) -> str:
    try:
        return archive.read(f"{dist_info}/{name}").decode("utf-8")
    except KeyError:
        return ""


def _dist_info_dir(archive: zipfile.ZipFile, wheel: str) -> str:
    tops = {member.split("/", 1)[0] for member in archive.namelist()}
    found = sorted(top for top in tops if top.endswith(".dist-info"))
    if len(found) != 1:
        raise EnvError(f"{wheel}: expected one .dist-info directory, found {found or 'none'}")
    return found[0]


def _entry_points(text: str, wheel: str) -> list[tuple[str, str, str]]:
    """(command, module, attribute path) of ``console_scripts`` and ``gui_scripts``."""
    commands = []
    section = ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]").strip()
            continue
        if section not in ("console_scripts", "gui_scripts"):
            continue
        command, _, value = line.partition("=")
        command = command.strip()
        match = _ENTRY_POINT.match(value)
        if not _COMMAND.match(command) or match is None:
            raise EnvError(f"{wheel}: entry_points.txt:{number}: unusable entry point {raw!r}")
        commands.append((command, match.group("module"), match.group("attrs")))
    return commands


def _script(python: str, module: str, attrs: str) -> bytes:
    head, _, tail = attrs.partition(".")
    call = head + ("." + tail if tail else "")
    return (
        f"#!{python}\n"
        "import sys\n"
        f"from {module} import {head}\n"
        'if __name__ == "__main__":\n'
        '    if sys.argv[0].endswith("-script.py"):\n'
        '        sys.argv[0] = sys.argv[0][: -len("-script.py")]\n'
        f"    sys.exit({call}())\n"
    ).encode()


def _rewrite_shebang(data: bytes, python: str) -> bytes:
    """A python shebang (``#!python``, ``env python``, any path) becomes *python*.

    Only the first line changes: nothing is inserted above it.
    """
    if not _PYTHON_SHEBANG.match(data):
        return data
    _, newline, rest = data.partition(b"\n")
    return f"#!{python}".encode() + newline + rest


def _disarm_shebang(data: bytes) -> bytes:
    """A module's ``#!`` line (not executable, never run) becomes a comment on the same line.

    Lines keep their numbers (tracebacks, a coding cookie on line 2), and no non-executable
    file claims an interpreter.
    """
    return b"# " + data[2:]


class _Installed:
    """Files written for one distribution from the wheel *wheel*, for RECORD."""

    def __init__(self, dist_info: str, wheel: str) -> None:
        self.dist_info = dist_info
        self.wheel = wheel
        self.files: list[str] = []


def _write(path: str, data: bytes, executable: bool, owner: str, owners: dict[str, str]) -> None:
    """Write a new file as *owner* (recorded in *owners*); one that exists is refused naming
    both writers (two wheels, a member twice, a command named like one of the environment's
    own files)."""
    if os.path.lexists(path):
        before = owners.get(path, "the environment's own file")
        raise EnvError(f"{path}: {owner} would replace {before}")
    owners[path] = owner
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as out:
        out.write(data)
    os.chmod(path, 0o755 if executable else 0o644)


def _install_wheel(
    wheel: str, env: _Env, scheme: dict[str, str], owners: dict[str, str]
) -> tuple[_Installed, list[str]]:
    """Unpack *wheel* into the environment; return its files and its command names."""
    name = os.path.basename(wheel)
    if not _WHEEL_NAME.match(name):
        raise EnvError(f"{wheel}: not a wheel file name")
    with zipfile.ZipFile(wheel) as archive:
        dist_info = _dist_info_dir(archive, name)
        wheel_meta = _read_wheel_metadata(archive, dist_info, "WHEEL")
        purelib = re.search(r"^Root-Is-Purelib:\s*true\s*$", wheel_meta, re.M | re.I)
        site = scheme["purelib"] if purelib else scheme["platlib"]
        data_dir = dist_info[: -len(".dist-info")] + ".data"
        installed = _Installed(os.path.join(site, dist_info), wheel)
        commands = []
        for info in archive.infolist():
            member = info.filename
            if member.endswith("/"):
                continue
            if member.startswith(dist_info + "/") and member.rsplit("/", 1)[1] in (
                "RECORD",
                "RECORD.jws",
                "RECORD.p7s",
                "INSTALLER",
                "REQUESTED",
                "direct_url.json",
            ):
                continue  # written anew below, or not at all
            executable = bool((info.external_attr >> 16) & 0o111)
            data = archive.read(info)
            if member.startswith(data_dir + "/"):
                parts = member.split("/", 2)
                if len(parts) != 3:  # a file directly in NAME.data: it has no scheme key
                    raise EnvError(f"{wheel}: {member!r} is not in a directory of {data_dir} "
                                   "(scripts, headers, purelib, platlib, data)")
                _, kind, relative = parts
                if kind == "scripts":
                    data = _rewrite_shebang(data, env.python)
                    executable = True
                    commands.append(os.path.basename(relative))
                    base = scheme["scripts"]
                elif kind == "headers":
                    base = os.path.join(scheme["include"], "site", dist_info.split("-")[0])
                elif kind in ("purelib", "platlib", "data"):
                    base = scheme[kind]
                else:
                    raise EnvError(f"{wheel}: unknown data directory {kind!r} in {member}")
                target = _inside(base, relative, wheel)
            else:
                target = _inside(site, member, wheel)
            if executable:
                data = _rewrite_shebang(data, env.python)
            elif data.startswith(b"#!") and _PYTHON_SHEBANG.match(data):
                data = _disarm_shebang(data)
            _write(target, data, executable, f"{name} member {member!r}", owners)
            installed.files.append(target)
        for command, module, attrs in _entry_points(
            _read_wheel_metadata(archive, dist_info, "entry_points.txt"), name
        ):
            target = os.path.join(scheme["scripts"], command)
            _write(target, _script(env.python, module, attrs), True,
                   f"{name} entry point {command!r}", owners)
            installed.files.append(target)
            commands.append(command)
    installer = os.path.join(installed.dist_info, "INSTALLER")
    _write(installer, b"rpm\n", False, f"{name} INSTALLER", owners)
    installed.files.append(installer)
    return installed, commands


def _compile(env: _Env, scheme: dict[str, str]) -> None:
    """Bytecode for the final paths, at every optimisation level (nothing written at run time).

    Equal levels stay separate files, never hard links: rpm writes hard-linked files at the
    end of the payload, after the ``current`` link, which must come last (measured).
    """
    for key in ("purelib", "platlib"):
        compileall.compile_dir(
            scheme[key],
            quiet=1,
            stripdir=env.root,
            prependdir="/",
            optimize=[0, 1, 2],  # type: ignore[arg-type]  # a list since 3.9, typeshed says int
            invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
            workers=1,
        )


def _pycs_of(installed: _Installed) -> list[str]:
    found = []
    for path in installed.files:
        if not path.endswith(".py"):
            continue
        for level in ("", 1, 2):
            pyc = importlib.util.cache_from_source(path, optimization=level)
            if os.path.exists(pyc):
                found.append(pyc)
    return found


def _write_record(installed: _Installed, owners: dict[str, str]) -> None:
    """RECORD as installed: paths relative to the site directory, final hashes and sizes."""
    site = os.path.dirname(installed.dist_info)
    record = os.path.join(installed.dist_info, "RECORD")
    rows = []
    for path in sorted(set(installed.files + _pycs_of(installed))):
        relative = os.path.relpath(path, site)
        if not relative.isprintable():
            # RECORD is read back line by line: a \r or \n would cut its row in two
            raise EnvError(f"{path!r}: a file name with a control character cannot be "
                           "listed in RECORD")
        length = len(os.fsencode(os.path.basename(path)))
        if length > _RPM_NAME_MAX:
            raise EnvError(
                f"{installed.wheel}: {relative!r}: a file name of {length} bytes: rpm installs "
                f"at most {_RPM_NAME_MAX} (it unpacks a file as NAME;XXXXXXXX, then renames it)"
            )
        with open(path, "rb") as handle:
            data = handle.read()
        rows.append((relative, _record_hash(data), str(len(data))))
    rows.append((os.path.relpath(record, site), "", ""))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    _write(record, out.getvalue().encode("utf-8"), False,
           f"{os.path.basename(installed.wheel)} RECORD", owners)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _dist_name(dist_info: str) -> str:
    """The canonical distribution name of ``.../NAME-VERSION.dist-info``."""
    return _canonical(os.path.basename(dist_info)[: -len(".dist-info")].rsplit("-", 1)[0])


def install(
    *,
    root: str,
    env: str,
    current: str,
    bindir: str,
    wheels: list[str],
    app: str,
    commands: list[str],
) -> list[str]:
    """Make the environment *env* inside *root* from *wheels* for the running interpreter.

    *current* becomes a relative symlink to *env* (the stable path upgrades switch), and
    every name of *commands* (default: the commands of the distribution *app*) a relative
    symlink ``bindir/NAME -> current/bin/NAME``.  Returns the command names linked.
    """
    layout = _Env(root, env, sys.executable)
    scheme = layout.create()
    everything: list[_Installed] = []
    app_commands: list[str] = []
    owners: dict[str, str] = {}
    for wheel in sorted(wheels):
        installed, found = _install_wheel(wheel, layout, scheme, owners)
        everything.append(installed)
        if _dist_name(installed.dist_info) == _canonical(app):
            app_commands = found
            requested = os.path.join(installed.dist_info, "REQUESTED")
            _write(requested, b"", False, f"{os.path.basename(wheel)} REQUESTED", owners)
            installed.files.append(requested)
    if not any(_dist_name(i.dist_info) == _canonical(app) for i in everything):
        raise EnvError(f"no wheel of the application {app!r} among {len(wheels)} wheels")
    _compile(layout, scheme)
    for installed in everything:
        _write_record(installed, owners)
    wanted = commands or app_commands
    if not wanted:
        raise EnvError(f"{app} has no commands: name the ones to link with --command")
    available = sorted(os.listdir(scheme["scripts"]))
    for command in wanted:
        if not _COMMAND.match(command):
            raise EnvError(f"command {command!r} cannot be linked: a command name is letters, "
                           "digits and '.', '_', '+', '-', starting with a letter or digit")
        if command not in available:
            raise EnvError(
                f"command {command!r} is not in the environment; it has: "
                f"{', '.join(c for c in available if not c.startswith('python'))}"
            )
    staged_current = layout.staged(current)
    os.makedirs(os.path.dirname(staged_current), exist_ok=True)
    os.symlink(os.path.relpath(env, os.path.dirname(current)), staged_current)
    scripts_final = layout.final(scheme["scripts"])
    relative_bin = os.path.relpath(scripts_final, env)
    for command in wanted:
        link = layout.staged(os.path.join(bindir, command))
        os.makedirs(os.path.dirname(link), exist_ok=True)
        target = os.path.join(current, relative_bin, command)
        os.symlink(os.path.relpath(target, bindir), link)
    # Now that nothing runs it from the buildroot any more: relative, so it means the same
    # in any root (absolute while building, because the buildroot has no interpreter).
    python = layout.staged(layout.python)
    os.unlink(python)
    os.symlink(os.path.relpath(layout.interpreter, os.path.dirname(layout.python)), python)
    return wanted


# -- check --------------------------------------------------------------------------------


def _walk(root: str) -> list[str]:
    found = []
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(directory, d))]):
            found.append(os.path.join(directory, name))
    return found


def _check_record(record: str, env: _Env, problems: list[str]) -> None:
    site = os.path.dirname(os.path.dirname(record))
    listed = set()
    with open(record, encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), 1):
            if len(row) != 3:
                problems.append(f"{env.final(record)}:{number}: not 3 fields: {row}")
                continue
            path, digest, size = row
            if os.path.isabs(path):
                problems.append(f"{env.final(record)}:{number}: absolute path {path}")
                continue
            target = os.path.normpath(os.path.join(site, path))
            listed.add(target)
            if target == record:
                continue
            if not os.path.isfile(target):
                problems.append(f"{env.final(record)}:{number}: {path} is not installed")
                continue
            with open(target, "rb") as data_file:
                data = data_file.read()
            if digest != _record_hash(data) or size != str(len(data)):
                problems.append(
                    f"{env.final(record)}:{number}: {env.final(target)} does not match its "
                    "hash or size"
                )
    dist_info = os.path.dirname(record)
    for directory, _dirs, files in os.walk(dist_info):
        for name in files:
            if os.path.join(directory, name) not in listed:
                problems.append(f"{env.final(record)}: does not list {name}")


def _check_bytecode(source: str, env: _Env, problems: list[str]) -> None:
    with open(source, "rb") as handle:
        code = handle.read()
    try:
        compile(code, source, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return  # not Python this interpreter can compile: nothing to cache, nothing written
    expected = importlib.util.source_hash(code)
    for level in ("", 1, 2):
        pyc = importlib.util.cache_from_source(source, optimization=level)
        shown = env.final(pyc)
        try:
            with open(pyc, "rb") as handle:
                data = handle.read()
        except OSError:
            problems.append(f"{shown}: missing bytecode of {env.final(source)}")
            continue
        flags = int.from_bytes(data[4:8], "little")
        if data[:4] != importlib.util.MAGIC_NUMBER or flags != 0b11 or data[8:16] != expected:
            problems.append(f"{shown}: not checked-hash bytecode of the installed source")
            continue
        filename = marshal.loads(data[16:]).co_filename
        if filename != env.final(source):
            problems.append(f"{shown}: compiled for {filename}, not {env.final(source)}")


def elf_rpaths(data: bytes) -> list[str]:
    """The DT_RPATH and DT_RUNPATH entries of an ELF file (``[]`` for anything else)."""
    if data[:4] != b"\x7fELF" or data[4] not in (1, 2) or data[5] not in (1, 2):
        return []
    wide, order = data[4] == 2, "<" if data[5] == 1 else ">"
    try:
        if wide:
            (shoff,) = struct.unpack_from(order + "Q", data, 0x28)
            shentsize, shnum = struct.unpack_from(order + "HH", data, 0x3A)
            header, dyn = order + "IIQQQQIIQQ", order + "qQ"
        else:
            (shoff,) = struct.unpack_from(order + "I", data, 0x20)
            shentsize, shnum = struct.unpack_from(order + "HH", data, 0x2E)
            header, dyn = order + "IIIIIIIIII", order + "iI"
        sections = [struct.unpack_from(header, data, shoff + i * shentsize) for i in range(shnum)]
        found = []
        for _name, kind, _flags, _addr, offset, size, link, _info, _align, _entsize in sections:
            if kind != 6:  # SHT_DYNAMIC
                continue
            strings = sections[link][4]
            step = struct.calcsize(dyn)
            for position in range(offset, offset + size, step):
                tag, value = struct.unpack_from(dyn, data, position)
                if tag in (15, 29):  # DT_RPATH, DT_RUNPATH
                    end = data.index(b"\0", strings + value)
                    found += data[strings + value : end].decode(errors="replace").split(":")
        return found
    except (struct.error, IndexError, ValueError):
        return ["(unreadable dynamic section)"]


def check(*, root: str, env: str, bindir: str, commands: list[str]) -> list[str]:
    """Every problem of the buildroot *root* holding environment *env*, as one line each."""
    layout = _Env(root, env, "/")
    problems: list[str] = []
    marker = os.path.abspath(root).encode()
    staged_env = layout.staged(layout.env)
    # install compiles the site directories (purelib, platlib: an environment's are
    # .../site-packages): a .py file among a wheel's scripts or data is no module, has no
    # bytecode, and needs none.
    site = f"{os.sep}site-packages{os.sep}"
    for path in _walk(layout.root):
        shown = layout.final(path)
        if os.path.islink(path):
            target = os.readlink(path)
            if marker in target.encode():
                problems.append(f"{shown}: symlink names the buildroot: {target}")
            if os.path.isabs(target):
                problems.append(
                    f"{shown}: absolute symlink {target} (relative ones survive --root)"
                )
            continue
        with open(path, "rb") as handle:
            data = handle.read()
        if marker in data:
            problems.append(f"{shown}: contains the buildroot path {root}")
        for entry in elf_rpaths(data):
            if not entry.startswith("$ORIGIN") and not entry.startswith(layout.env + "/"):
                problems.append(f"{shown}: rpath {entry!r} leads outside the environment")
        mode = os.stat(path).st_mode
        if data.startswith(b"#!") and mode & 0o111:
            first = data.split(b"\n", 1)[0]
            if _PYTHON_SHEBANG.match(data) and first != f"#!{layout.python}".encode():
                problems.append(
                    f"{shown}: shebang {first.decode(errors='replace')!r} is not "
                    f"'#!{layout.python}'"
                )
            if re.match(rb"^#!\s*\S*/env\b", first):
                problems.append(f"{shown}: 'env' shebang {first.decode(errors='replace')!r}")
        if (
            path.endswith(".py")
            and path.startswith(staged_env + os.sep)
            and site in path[len(staged_env):]
            and f"{os.sep}__pycache__{os.sep}" not in path
            and stat.S_ISREG(mode)
        ):
            _check_bytecode(path, layout, problems)
        if path.endswith(".dist-info" + os.sep + "RECORD"):
            _check_record(path, layout, problems)
    staged_bin = layout.staged(bindir)
    present = sorted(os.listdir(staged_bin)) if os.path.isdir(staged_bin) else []
    for command in sorted(set(commands) | set(present)):
        link = os.path.join(staged_bin, command)
        if not os.path.islink(link):
            problems.append(f"{os.path.join(bindir, command)}: missing, or not a link into {env}")
            continue
        resolved = os.path.realpath(link)
        if not resolved.startswith(staged_env + os.sep) or not os.access(resolved, os.X_OK):
            problems.append(
                f"{os.path.join(bindir, command)}: does not lead to an executable of {env}"
            )
    python = layout.staged(layout.python)
    installed = os.path.normpath(
        os.path.join(os.path.dirname(layout.python), os.readlink(python))
        if os.path.islink(python)
        else "(not a link)"
    )
    if installed != sys.executable:
        problems.append(
            f"{layout.python}: leads to {installed} once installed, not to the runtime "
            f"{sys.executable} that built the environment"
        )
    return problems


# -- command ------------------------------------------------------------------------------


def _options(words: list[str], allowed: dict[str, bool]) -> dict[str, list[str]]:
    """``--key value`` pairs (repeatable when *allowed* says so); positional words under ''."""
    found: dict[str, list[str]] = {"": []}
    position = 0
    while position < len(words):
        word = words[position]
        position += 1
        if not word.startswith("--"):
            found[""].append(word)
            continue
        key = word[2:]
        if key not in allowed or position == len(words):
            raise EnvError(f"unknown option or missing value: {word}")
        if key in found and not allowed[key]:
            raise EnvError(f"{word} given twice")
        found.setdefault(key, []).append(words[position])
        position += 1
    return found


def _one(options: dict[str, list[str]], key: str) -> str:
    if key not in options:
        raise EnvError(f"--{key} is required")
    return options[key][0]


def main(argv: list[str] | None = None) -> int:
    """``install`` or ``check`` (see the module doc); exit status 0, 1 (problems) or 2."""
    words = list(sys.argv[1:] if argv is None else argv)
    usage = (
        "usage: appenv.py install --root R --env PATH --current PATH --bindir DIR --app NAME "
        "[--command C]... WHEEL...\n"
        "       appenv.py check --root R --env PATH --bindir DIR [--command C]..."
    )
    if not words or words[0] not in ("install", "check"):
        print(usage, file=sys.stderr)
        return 2
    try:
        if words[0] == "install":
            options = _options(
                words[1:],
                {
                    "root": False,
                    "env": False,
                    "current": False,
                    "bindir": False,
                    "app": False,
                    "command": True,
                },
            )
            linked = install(
                root=_one(options, "root"),
                env=_one(options, "env"),
                current=_one(options, "current"),
                bindir=_one(options, "bindir"),
                wheels=options[""],
                app=_one(options, "app"),
                commands=options.get("command", []),
            )
            print(
                f"appenv: {_one(options, 'env')}: {len(options[''])} wheels, "
                f"commands: {' '.join(linked)}"
            )
            return 0
        options = _options(
            words[1:], {"root": False, "env": False, "bindir": False, "command": True}
        )
        problems = check(
            root=_one(options, "root"),
            env=_one(options, "env"),
            bindir=_one(options, "bindir"),
            commands=options.get("command", []),
        )
    except (EnvError, OSError) as error:
        print(f"appenv: error: {error}", file=sys.stderr)
        return 1
    for problem in problems[:_SHOWN]:
        print(f"appenv: error: {problem}", file=sys.stderr)
    if len(problems) > _SHOWN:
        print(f"appenv: error: ... and {len(problems) - _SHOWN} more", file=sys.stderr)
    if problems:
        print(
            f"appenv: {len(problems)} problems: the payload is not what gets installed",
            file=sys.stderr,
        )
        return 1
    print("appenv: check passed: no buildroot path, shebangs, bytecode, RECORD, links")
    return 0


if __name__ == "__main__":
    sys.exit(main())
