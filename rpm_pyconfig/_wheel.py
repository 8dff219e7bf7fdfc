"""The project's one wheel reader and writer, built on pypa/installer.

:class:`Wheel` is an ``installer.sources.WheelSource``: ``spec`` reads a wheel's metadata
through it and ``install`` hands it to ``installer.install``.  installer's own ``WheelFile``
needs a PEP 427 file name and, in 0.6 (Debian 12), takes the ``.dist-info`` name from it;
``spec`` reads any ``.whl`` a user names, so the ``.dist-info`` is found here, once: the one
top-level ``*.dist-info`` that has a ``METADATA``.  The WHEEL file is parsed by installer,
with the rule installer places files by.

:class:`Destination` is installer's ``SchemeDictionaryDestination`` with what rpm needs:
commands get a suffix and a shebang naming the runtime's interpreter with its flags, and
files a caller writes before ``RECORD`` (bytecode) are recorded with the wheel's own.
Works with installer 0.6, 0.7 and 1.x (their public API is the same for this).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import posixpath
import stat
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import BinaryIO

from installer.destinations import SchemeDictionaryDestination
from installer.exceptions import InstallerError
from installer.records import Hash, RecordEntry, parse_record_file
from installer.scripts import Script
from installer.sources import WheelSource
from installer.utils import Scheme, parse_metadata_file

from .errors import PyConfigError
from .sources import zip_member_problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from installer.scripts import ScriptSection

__all__ = ["MAX_METADATA_SIZE", "Destination", "Wheel", "WheelError"]

#: The most a ``.dist-info`` file read here may hold, whatever its zip header claims.
MAX_METADATA_SIZE = 16 << 20
#: Members a wheel carries beside its RECORD without listing them there (signatures).
_UNRECORDED = ("RECORD", "RECORD.jws", "RECORD.p7s")


class WheelError(PyConfigError):
    """A wheel cannot be read or installed as it is: names the wheel and the member."""


class Wheel(WheelSource):
    """One wheel, opened: its ``.dist-info``, WHEEL and members, checked on opening.

    Members must stay inside the tree (no absolute names, no ``..``, no control
    characters) and be regular files: a link would be written as a file holding its
    target, so it is refused instead.
    """

    def __init__(self, archive: zipfile.ZipFile, where: str) -> None:
        self.archive = archive
        #: How errors name the wheel (its path).
        self.where = where
        self.members: list[str] = []
        for info in archive.infolist():
            problem = zip_member_problem(where, info)  # the rules sdists are read by
            if problem:
                raise WheelError(problem)
            if not info.filename.endswith("/"):
                self.members.append(info.filename)
        found = sorted({
            name.split("/")[0] for name in self.members
            if name.count("/") == 1 and name.endswith("/METADATA")
            and name.split("/")[0].endswith(".dist-info")
        })
        if len(found) != 1:
            raise WheelError(
                f"{where}: expected one *.dist-info/METADATA in the wheel, "
                f"found {', '.join(found) or 'none'}"
            )
        self._dist_info = found[0]
        distribution, _, version = self._dist_info[: -len(".dist-info")].rpartition("-")
        super().__init__(distribution=distribution, version=version)

    @classmethod
    @contextlib.contextmanager
    def open(cls, path: str | os.PathLike[str]) -> Iterator[Wheel]:
        """The wheel at *path*, closed on leaving; a file that is no zip is a WheelError."""
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise WheelError(f"{os.fspath(path)}: cannot read the wheel: {error}") from None
        except UnicodeDecodeError as error:  # a member name flagged UTF-8 that is not
            raise WheelError(f"{os.fspath(path)}: cannot read the wheel: a member name is not "
                             f"UTF-8 ({error.object[:80]!r})") from None
        with archive:
            yield cls(archive, os.fspath(path))

    @property
    def dist_info_dir(self) -> str:
        return self._dist_info

    @property
    def data_dir(self) -> str:
        return self._dist_info[: -len(".dist-info")] + ".data"

    @property
    def dist_info_filenames(self) -> list[str]:
        prefix = self._dist_info + "/"
        return [name[len(prefix):] for name in self.members if name.startswith(prefix)]

    def read_dist_info(self, filename: str) -> str:
        member = posixpath.join(self._dist_info, filename)
        if member not in self.members:
            raise WheelError(f"{self.where}: the wheel has no {member}")
        with self.archive.open(member) as stream:
            data = stream.read(MAX_METADATA_SIZE + 1)
        if len(data) > MAX_METADATA_SIZE:
            raise WheelError(f"{self.where}: {member} is larger than {MAX_METADATA_SIZE} bytes")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise WheelError(f"{self.where}: {member} is not UTF-8: {error}") from None

    @property
    def root_is_purelib(self) -> bool:
        """Whether the archive root goes to purelib: installer's own rule, read by installer."""
        wheel = parse_metadata_file(self.read_dist_info("WHEEL"))
        return wheel["Root-Is-Purelib"] == "true"

    @property
    def installs_code(self) -> bool:
        """Whether anything beside the ``.dist-info`` gets installed."""
        return any(not name.startswith(self._dist_info + "/") for name in self.members)

    def get_contents(self) -> Iterator[tuple[tuple[str, str, str], BinaryIO, bool]]:
        """Every member with its RECORD row; a member RECORD does not list is an error."""
        rows = {row[0]: row for row in parse_record_file(
            self.read_dist_info("RECORD").splitlines()
        )}
        for name in self.members:
            row = rows.get(name)
            if row is None:
                if name.startswith(self._dist_info + "/") and (
                    name.rsplit("/", 1)[1] in _UNRECORDED
                ):
                    continue
                raise WheelError(f"{self.where}: {name} is not listed in "
                                 f"{self._dist_info}/RECORD")
            info = self.archive.getinfo(name)
            mode = info.external_attr >> 16
            executable = bool(mode and stat.S_ISREG(mode) and mode & 0o111)
            with self.archive.open(info) as stream:
                yield row, stream, executable  # type: ignore[misc]  # ZipExtFile is a BinaryIO


class Destination(SchemeDictionaryDestination):
    """installer's destination for one runtime, written under *destdir*.

    Commands (the ``scripts`` scheme: entry points and ``.data/scripts``) get
    *script_suffix*, the executable bit, and *shebang* in place of any first line that
    names Python or PyPy.  Before ``RECORD`` is written, *before_record* runs and returns
    the further files it wrote, as (scheme, path within it), to be recorded too.
    """

    def __init__(
        self,
        scheme_dict: dict[str, str],
        *,
        interpreter: str,
        shebang: str,
        script_suffix: str,
        destdir: str,
        before_record: Callable[[], Sequence[tuple[str, str]]],
    ) -> None:
        super().__init__(
            scheme_dict=scheme_dict, interpreter=interpreter, script_kind="posix",
            destdir=destdir,
        )
        self.shebang = shebang
        self.script_suffix = script_suffix
        self.before_record = before_record

    def write_to_fs(
        self, scheme: Scheme, path: str, stream: BinaryIO, is_executable: bool
    ) -> RecordEntry:
        if scheme == "scripts":
            content = stream.read()
            first, newline, rest = content.partition(b"\n")
            if first.startswith(b"#!") and (b"python" in first or b"pypy" in first):
                content = b"#!" + os.fsencode(self.shebang) + newline + rest
            return super().write_to_fs(
                scheme, path + self.script_suffix, io.BytesIO(content), True
            )
        return super().write_to_fs(scheme, path, stream, is_executable)

    def write_script(
        self, name: str, module: str, attr: str, section: ScriptSection
    ) -> RecordEntry:
        """An entry point's launcher, by installer, written as a command (``write_to_fs``).

        The name is a file name in the bin directory, checked here: installer before 1.0
        (Debian 12's 0.6, Debian 13's 0.7) writes ``../../etc/x`` or ``/etc/cron.d/x`` where
        they lead, out of the buildroot or into ``/etc`` of the package."""
        if (not name or name in (".", "..") or "/" in name or "\\" in name
                or not name.isprintable()):
            raise InstallerError(f"entry_points.txt: the entry point {name!r} is no command "
                                 "name (a file name without '/' or '\\')")
        script_name, data = Script(name, module, attr, section).generate(
            self.interpreter, self.script_kind
        )
        return self.write_to_fs(Scheme("scripts"), script_name, io.BytesIO(data), True)

    def finalize_installation(
        self,
        scheme: Scheme,
        record_file_path: str,
        records: Iterable[tuple[Scheme, RecordEntry]],
    ) -> None:
        # A scheme in the RECORD's own directory (purelib = platlib) gets no "./" prefix.
        same = {name for name, path in self.scheme_dict.items()
                if path == self.scheme_dict[scheme]}
        entries = [(scheme if kind in same else kind, entry) for kind, entry in records]
        further = []
        for extra_scheme, path in self.before_record():
            directory = self.scheme_dict[extra_scheme].lstrip("/")
            with open(os.path.join(self.destdir or "/", directory, path), "rb") as content:
                data = content.read()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            entry = RecordEntry(path, Hash("sha256", digest.decode("ascii")), len(data))
            further.append((Scheme(extra_scheme), entry))
        # Sorted by path within the scheme, as installer >= 1.0 does: one RECORD for all.
        entries += further
        entries.sort(key=lambda entry: entry[1].path)
        super().finalize_installation(scheme, record_file_path, entries)
