"""The files of a project, read safely from a directory or from an sdist without unpacking it.

A :class:`Tree` answers "which files are there" and "what does this one hold" by POSIX path
relative to the project's top directory.  Archives are checked while they are listed: members
that would land outside the tree, links leading out of it, devices, and archives beyond the
size limits below are refused with a :class:`~rpm_pyconfig.errors.MetadataError` naming the
archive and the member, before anything is read into memory.
"""

from __future__ import annotations

import os
import posixpath
import stat
import tarfile
import zipfile
from pathlib import Path

from rpm_pyconfig.errors import MetadataError

__all__ = ["TAR_SUFFIXES", "ArchiveTree", "DirTree", "TarTree", "Tree", "ZipTree",
           "check_zip", "read_member", "read_regular", "unpack", "utf8_text",
           "zip_member_problem"]

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar")

#: Limits on what an archive may hold: beyond them it is refused, not read into memory.
MAX_MEMBERS = 100_000
#: Total size of the members once unpacked.
MAX_TOTAL_SIZE = 1 << 30
#: Unpacked size over archive size, for archives that unpack to more than 64 MiB.
MAX_RATIO = 100
#: Any one file read (metadata, readme, license).
MAX_FILE_SIZE = 16 << 20


# -- project trees: a directory or the inside of an sdist ----------------------------------

#: Directories never worth scanning for modules.
_PRUNE = frozenset(["__pycache__", "build", "dist", "node_modules", "venv", "site-packages"])


class Tree:
    """The files of a project, by POSIX path relative to its top directory."""

    def where(self, relpath: str) -> str:
        raise NotImplementedError

    def read(self, relpath: str) -> bytes | None:
        raise NotImplementedError

    def names(self) -> list[str]:
        raise NotImplementedError


def read_regular(path: str, shown: str) -> bytes | None:
    """The bytes of *path* if it is a regular file of at most MAX_FILE_SIZE bytes, None for a
    directory, else a :class:`MetadataError` naming *shown*.  Opened without blocking and
    checked before any read: a FIFO or a device never hangs or fills memory."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise MetadataError(f"{shown}: cannot read: {error.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            return None
        if not stat.S_ISREG(mode):
            raise MetadataError(f"{shown}: not a regular file")
        with open(fd, "rb", closefd=False) as stream:
            data = stream.read(MAX_FILE_SIZE + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_SIZE:
        raise MetadataError(f"{shown}: larger than {MAX_FILE_SIZE} bytes")
    return data


class DirTree(Tree):
    def __init__(self, root: Path) -> None:
        self.root = root
        self._names: list[str] | None = None

    def where(self, relpath: str) -> str:
        return str(self.root / relpath) if relpath else str(self.root)

    def read(self, relpath: str) -> bytes | None:
        """A regular file inside the project (symlinks are followed only within it), of
        bounded size; None when there is none.  Never blocks on a FIFO or a device."""
        target = self.root / relpath
        if not target.exists():
            return None
        real = os.path.realpath(target)
        top = os.path.realpath(self.root)
        if os.path.commonpath([real, top]) != top:
            raise MetadataError(f"{target}: is outside the project (it leads to {real})")
        return read_regular(real, str(target))

    def names(self) -> list[str]:
        if self._names is None:
            found: list[str] = []
            for top, dirs, files in os.walk(self.root):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _PRUNE)
                rel = Path(top).relative_to(self.root).as_posix()
                prefix = "" if rel == "." else rel + "/"
                found.extend(prefix + name for name in files)
            self._names = sorted(found)
        return self._names


class ArchiveTree(Tree):
    """An sdist: every file below its one top-level directory."""

    def __init__(self, path: Path, members: dict[str, str]) -> None:
        # members: normalised name (no leading "./") -> name in the archive
        self.path = path
        markers = sorted(
            m for m in members if m.count("/") == 1 and m.endswith(("/PKG-INFO", "/pyproject.toml"))
        )
        tops = {m.split("/", 1)[0] for m in members if "/" in m}
        if markers:
            self.top = markers[0].split("/", 1)[0]
        elif len(tops) == 1:
            self.top = tops.pop()
        else:
            raise MetadataError(f"{path}: no PKG-INFO or pyproject.toml at the top of the sdist")
        prefix = self.top + "/"
        self.members = {
            m[len(prefix):]: real for m, real in members.items() if m.startswith(prefix)
        }

    def where(self, relpath: str) -> str:
        return f"{self.path}/{self.top}/{relpath}" if relpath else str(self.path)

    def names(self) -> list[str]:
        return sorted(self.members)


def _normalised(name: str) -> str:
    return name[2:] if name.startswith("./") else name


def _name_problem(where: str | os.PathLike[str], name: str) -> str | None:
    """What is wrong with a member name that would unpack outside the tree (absolute, ``..``,
    odd characters), or None."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith("/") or ".." in parts or not name.isprintable():
        return (f"{os.fspath(where)}: member {name!r} would unpack outside the tree or has "
                "control characters in its name; refusing the archive")
    return None


def _check_member_name(path: Path, name: str) -> None:
    """Refuse what would unpack outside the tree: absolute names, ``..``, odd characters."""
    problem = _name_problem(path, name)
    if problem:
        raise MetadataError(problem)


def zip_member_problem(where: str | os.PathLike[str], info: zipfile.ZipInfo) -> str | None:
    """What is wrong with a zip member (an sdist's or a wheel's, read or installed), or None:
    its name would unpack outside the tree, or it is not a regular file or a directory."""
    problem = _name_problem(where, info.filename)
    if problem:
        return problem
    if "\\" in info.filename:
        # the zip format's separator is '/' only; installer reads '\\' as one in RECORD
        return (f"{os.fspath(where)}: member {info.filename!r} has a backslash in its name "
                "(a path separator to some zip tools); refusing the archive")
    kind = stat.S_IFMT(info.external_attr >> 16)  # 0: no type recorded (a plain file)
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        return (f"{os.fspath(where)}: member {info.filename!r} is not a regular file or a "
                "directory (a link, a device, a FIFO); refusing the archive")
    return None


class _Budget:
    """Counts members and unpacked bytes against the limits, while listing an archive."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.members = 0
        self.total = 0
        self.packed = max(path.stat().st_size, 1)

    def add(self, size: int) -> None:
        self.members += 1
        self.total += max(size, 0)
        if self.members > MAX_MEMBERS:
            raise MetadataError(f"{self.path}: more than {MAX_MEMBERS} members; refusing it")
        if self.total > MAX_TOTAL_SIZE:
            raise MetadataError(
                f"{self.path}: unpacks to more than {MAX_TOTAL_SIZE} bytes; refusing it"
            )
        if self.total > 64 << 20 and self.total > MAX_RATIO * self.packed:
            raise MetadataError(
                f"{self.path}: unpacks to more than {MAX_RATIO} times its size "
                f"({self.packed} bytes); refusing it as a decompression bomb"
            )


class TarTree(ArchiveTree):
    def __init__(self, path: Path, tar: tarfile.TarFile) -> None:
        self.tar = tar
        budget = _Budget(path)
        files: dict[str, tarfile.TarInfo] = {}
        while True:
            member = tar.next()
            if member is None:
                break
            budget.add(member.size)
            _check_member_name(path, member.name)
            if member.isdev() or member.isfifo():
                raise MetadataError(f"{path}: member {member.name!r} is a device or a FIFO; "
                                    "refusing the archive")
            if member.issym() or member.islnk():
                _check_link(path, member)
            if member.isfile():
                files[_normalised(member.name)] = member
        self.infos = files
        super().__init__(path, {name: name for name in files})

    def read(self, relpath: str) -> bytes | None:
        name = self.members.get(relpath)
        if name is None:
            return None
        member = self.infos[name]
        if member.size > MAX_FILE_SIZE:
            raise MetadataError(f"{self.where(relpath)}: larger than {MAX_FILE_SIZE} bytes")
        handle = self.tar.extractfile(member)
        return handle.read(MAX_FILE_SIZE) if handle is not None else None


def _check_link(path: Path, member: tarfile.TarInfo) -> None:
    """A link must stay inside the tree: relative, and not climbing above its top."""
    target = member.linkname
    base = posixpath.dirname(member.name) if member.issym() else ""
    resolved = posixpath.normpath(posixpath.join(base, target))
    if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
        raise MetadataError(f"{path}: member {member.name!r} links to {target!r}, outside the "
                            "tree; refusing the archive")


class ZipTree(ArchiveTree):
    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        check_zip(path, archive)
        super().__init__(
            path, {_normalised(n): n for n in archive.namelist() if not n.endswith("/")}
        )

    def read(self, relpath: str) -> bytes | None:
        member = self.members.get(relpath)
        return None if member is None else read_member(self.archive, member, self.where(relpath))


def check_zip(path: Path, archive: zipfile.ZipFile) -> None:
    """Members, sizes and names of a zip (an sdist or a wheel) within the limits."""
    budget = _Budget(path)
    for info in archive.infolist():
        budget.add(info.file_size)
        problem = zip_member_problem(path, info)
        if problem:
            raise MetadataError(problem)


def read_member(archive: zipfile.ZipFile, name: str, where: str) -> bytes:
    """One member, never more than MAX_FILE_SIZE bytes whatever its header claims."""
    with archive.open(name) as stream:
        data = stream.read(MAX_FILE_SIZE + 1)
    if len(data) > MAX_FILE_SIZE:
        raise MetadataError(f"{where}: larger than {MAX_FILE_SIZE} bytes")
    return data


def unpack(tree: Tree, destination: str) -> None:
    """Write the project's regular files below *destination* (the names are checked)."""
    os.makedirs(destination)
    for name in tree.names():
        data = tree.read(name)
        if data is None:
            continue
        target = os.path.join(destination, *name.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as stream:
            stream.write(data)


def utf8_text(data: bytes, where: str) -> str:
    """A metadata file's bytes as text: UTF-8, or an error naming the file and the byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MetadataError(
            f"{where}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
