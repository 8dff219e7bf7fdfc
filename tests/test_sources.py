"""Project trees: sdists read like their directory, never extracted; hostile archives and
files refused before anything is read."""

from __future__ import annotations

import dataclasses
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from rpm_pyconfig import sources
from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.metadata import read_metadata
from tests.projectfiles import DATA, error_of, make_sdist, tree_files, write_project

# -- sdists -----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".tar.gz", ".zip"])
def test_sdist_reads_like_its_directory(tmp_path: Path, suffix: str) -> None:
    from_dir = read_metadata(DATA / "static-src")
    sdist = make_sdist(tmp_path, tree_files(DATA / "static-src"), top="static_pkg-1.0rc1",
                       suffix=suffix)
    from_sdist = read_metadata(sdist)
    assert (from_sdist.source_kind, from_sdist.source_file, from_sdist.origin) == (
        "sdist", f"static_pkg-1.0rc1{suffix}", str(sdist)
    )
    assert from_sdist.source_dir == "static_pkg-1.0rc1"
    assert dataclasses.replace(
        from_sdist, source_kind="directory", source_file="", source_dir="", origin=from_dir.origin
    ) == from_dir


def test_sdist_with_dot_slash_members(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, tree_files(DATA / "setup-py-only"), top="legacy-ext-0.9.post2",
                       dot_slash=True)
    meta = read_metadata(sdist)
    assert (meta.name, meta.import_names, meta.has_ext_modules, meta.scripts) == (
        "legacy-ext", ["legacy_ext"], True, ["Legacy-GUI", "legacy-ext"]
    )


def test_sdist_is_not_extracted(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, tree_files(DATA / "flat-setuptools"), top="flat-pkg-2.4.0")
    read_metadata(sdist)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flat-pkg-2.4.0.tar.gz"]


def test_sdist_errors_name_the_member(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, {"pyproject.toml": b'[project]\nname = "x"\nversion = 1\n'},
                       top="x-1")
    assert error_of(sdist) == (
        f"{sdist}/x-1/pyproject.toml [project] version: expected a string, got an integer (1)"
    )


def test_sdist_without_metadata(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, {"a/setup.py": b""}, top="x-1")
    sdist2 = tmp_path / "two.zip"
    with zipfile.ZipFile(sdist2, "w") as archive:
        archive.writestr("a/x.py", b"")
        archive.writestr("b/y.py", b"")
    assert error_of(sdist) == f"{sdist}: no pyproject.toml and no PKG-INFO"
    assert error_of(sdist2) == f"{sdist2}: no PKG-INFO or pyproject.toml at the top of the sdist"


def test_corrupt_archive(tmp_path: Path) -> None:
    broken = tmp_path / "x-1.tar.gz"
    broken.write_bytes(b"not a tarball")
    assert error_of(broken).startswith(f"{broken}: cannot read the archive: ")



# -- hostile archives and files -------------------------------------------------------------

PKG_INFO = b"Metadata-Version: 2.1\nName: p\nVersion: 1\nSummary: s\n"


def _tar(path: Path, members: list[tarfile.TarInfo], data: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info in members:
            payload = data.get(info.name)
            tar.addfile(info, io.BytesIO(payload) if payload is not None else None)
    return path


def _file(name: str, data: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info


@pytest.mark.parametrize(
    ("member", "kind", "message"),
    [
        ("p-1/../../etc/x", tarfile.REGTYPE, "would unpack outside the tree"),
        ("/etc/x", tarfile.REGTYPE, "would unpack outside the tree"),
        ("p-1/evil\n%post", tarfile.REGTYPE, "control characters"),
        ("p-1/dev", tarfile.CHRTYPE, "is a device or a FIFO"),
        ("p-1/fifo", tarfile.FIFOTYPE, "is a device or a FIFO"),
        ("p-1/link", tarfile.SYMTYPE, "outside the tree"),
        ("p-1/hard", tarfile.LNKTYPE, "outside the tree"),
    ],
)
def test_sdist_members_out_of_the_tree_are_refused(
    tmp_path: Path, member: str, kind: bytes, message: str
) -> None:
    info = tarfile.TarInfo(member)
    info.type = kind
    if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
        info.linkname = "../../etc/passwd" if kind == tarfile.SYMTYPE else "/etc/passwd"
    path = _tar(tmp_path / "p-1.tar.gz", [_file("p-1/PKG-INFO", PKG_INFO), info],
                {"p-1/PKG-INFO": PKG_INFO})
    with pytest.raises(MetadataError, match=message) as caught:
        read_metadata(path)
    assert repr(member) in str(caught.value)


def test_a_link_inside_the_tree_is_fine(tmp_path: Path) -> None:
    link = tarfile.TarInfo("p-1/docs/README")
    link.type = tarfile.SYMTYPE
    link.linkname = "../README"
    path = _tar(tmp_path / "p-1.tar.gz", [_file("p-1/PKG-INFO", PKG_INFO), link],
                {"p-1/PKG-INFO": PKG_INFO})
    assert read_metadata(path).name == "p"


def test_a_member_claiming_a_huge_size_is_refused_before_reading(tmp_path: Path) -> None:
    """The header says 2 GiB: refused from the header alone, nothing is inflated."""
    path = tmp_path / "p-1.tar"
    with tarfile.open(path, "w") as tar:
        tar.addfile(_file("p-1/PKG-INFO", PKG_INFO), io.BytesIO(PKG_INFO))
    raw = bytearray(path.read_bytes())
    huge = tarfile.TarInfo("p-1/big")
    huge.size = 2 << 30
    raw[1024:1024] = huge.tobuf()  # a header without its data, before the end blocks
    path.write_bytes(bytes(raw))
    with pytest.raises(MetadataError, match="unpacks to more than 1073741824 bytes"):
        read_metadata(path)


def test_a_decompression_bomb_is_refused(tmp_path: Path) -> None:
    """80 MiB of zeros in an sdist of about 80 KiB: the ratio gives it away."""
    size = 80 << 20

    class Zeros(io.RawIOBase):
        def __init__(self) -> None:
            self.left = size

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            count = min(len(buffer), self.left)
            buffer[:count] = bytes(count)
            self.left -= count
            return count

    path = tmp_path / "p-1.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        tar.addfile(_file("p-1/PKG-INFO", PKG_INFO), io.BytesIO(PKG_INFO))
        info = tarfile.TarInfo("p-1/zeros")
        info.size = size
        tar.addfile(info, io.BufferedReader(Zeros()))  # type: ignore[type-var]
    with pytest.raises(MetadataError, match="decompression bomb"):
        read_metadata(path)


def test_too_many_members_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_MEMBERS", 5)
    members = [_file("p-1/PKG-INFO", PKG_INFO)] + [_file(f"p-1/f{i}", b"") for i in range(6)]
    path = _tar(tmp_path / "p-1.tar.gz", members, {"p-1/PKG-INFO": PKG_INFO})
    with pytest.raises(MetadataError, match="more than 5 members"):
        read_metadata(path)


def test_a_huge_metadata_file_is_refused_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "MAX_FILE_SIZE", 64)
    wheel = tmp_path / "p-1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("p-1.dist-info/METADATA", PKG_INFO + b"\n" + b"x" * 1000)
    with pytest.raises(MetadataError, match="larger than 64 bytes"):
        read_metadata(wheel)


@pytest.mark.parametrize("name", ["../evil.py", "/abs.py", "p/../../x"])
def test_wheel_members_out_of_the_tree_are_refused(tmp_path: Path, name: str) -> None:
    wheel = tmp_path / "p-1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("p-1.dist-info/METADATA", PKG_INFO)
        archive.writestr(name, "")
    with pytest.raises(MetadataError, match="outside the tree"):
        read_metadata(wheel)


def test_a_zip_symlink_member_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "p-1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("p-1.dist-info/METADATA", PKG_INFO)
        link = zipfile.ZipInfo("p/link")
        link.external_attr = (0o120777) << 16
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(MetadataError, match="not a regular file"):
        read_metadata(wheel)


def _project(tmp_path: Path, license_line: str) -> Path:
    return write_project(
        tmp_path / "proj",
        f'[project]\nname = "p"\nversion = "1"\n{license_line}\n',
    )


def test_a_license_file_linking_out_of_the_project_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path, 'license = {file = "LICENSE"}')
    secret = tmp_path / "secret"
    secret.write_text("BSD-3-Clause\n", encoding="utf-8")
    (project / "LICENSE").symlink_to(secret)
    with pytest.raises(MetadataError, match="is outside the project"):
        read_metadata(project)


def test_a_readme_fifo_does_not_hang(tmp_path: Path) -> None:
    project = _project(tmp_path, 'readme = "README.md"')
    os.mkfifo(project / "README.md")
    with pytest.raises(MetadataError, match="not a regular file"):
        read_metadata(project)


def test_a_source_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "p-1.tar.gz")
    with pytest.raises(MetadataError, match="not a regular file"):
        read_metadata(tmp_path / "p-1.tar.gz")



@pytest.mark.parametrize(("pyproject", "field", "name"), [
    ('readme = "demo"\n', "readme", "demo"),
    ('readme = {file = "demo", content-type = "text/plain"}\n', "readme.file", "demo"),
    ('license = {file = "demo"}\n', "license.file", "demo"),
])
def test_a_metadata_file_that_is_a_directory_is_named(
    tmp_path: Path, pyproject: str, field: str, name: str
) -> None:
    """A directory where the metadata names a file: an error naming it (it was a traceback,
    os.fdopen() refusing the directory)."""
    project = write_project(tmp_path, f'[project]\nname = "x"\nversion = "1"\n{pyproject}')
    (project / name).mkdir()
    assert error_of(project) == (f"{project / 'pyproject.toml'} [project] {field}: {name!r} "
                                 f"does not exist or is not a file ({project / name})")


def test_a_directory_named_like_a_metadata_file_is_no_such_file(tmp_path: Path) -> None:
    """setup.py/ beside pyproject.toml: no setup.py, not a traceback."""
    project = write_project(tmp_path, '[project]\nname = "x"\nversion = "1"\n')
    (project / "setup.py").mkdir()
    assert read_metadata(project).name == "x"


def test_a_zip_member_name_flagged_utf8_that_is_not_is_named(tmp_path: Path) -> None:
    """zipfile decodes such a name when it opens the archive: a message, not a traceback."""
    wheel = tmp_path / "bad-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("bad-1.0.dist-info/METADATA",
                         "Metadata-Version: 2.1\nName: bad\nVersion: 1.0\n")
        archive.writestr("bad/a\u00e9.txt", "x")
    wheel.write_bytes(wheel.read_bytes().replace("a\u00e9".encode(), b"a\xff\xff"))
    assert error_of(wheel) == (f"{wheel}: cannot read the archive: a member name is not UTF-8 "
                               "(b'bad/a\\xff\\xff.txt')")
