"""Projects for the metadata tests, built in the test: directories, sdists and wheels
(never committed binaries), and the error a source gives."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.metadata import read_metadata

DATA = Path(__file__).parent / "data" / "metadata"
HINT = "build an sdist with `python -m build --sdist` and pass it instead"


def tree_files(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def make_sdist(
    destination: Path,
    files: dict[str, bytes],
    *,
    top: str,
    suffix: str = ".tar.gz",
    dot_slash: bool = False,
) -> Path:
    """An sdist holding ``files`` below ``top/``."""
    path = destination / f"{top}{suffix}"
    if suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(f"{top}/", b"")
            for name, data in files.items():
                archive.writestr(f"{top}/{name}", data)
        return path
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(("./" if dot_slash else "") + f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def make_wheel(destination: Path, name: str, files: dict[str, bytes]) -> Path:
    path = destination / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    return path


def write_project(directory: Path, pyproject: str, **files: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    for name, text in files.items():
        target = directory / name.replace("__", "/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return directory


def error_of(source: Path) -> str:
    with pytest.raises(MetadataError) as caught:
        read_metadata(source)
    return str(caught.value)

