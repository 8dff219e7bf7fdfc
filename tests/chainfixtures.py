"""The fixture projects of tests/data/chain as sdists (tar.gz made here, deterministically)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

CHAIN_DATA = Path(__file__).resolve().parent / "data" / "chain"


def make_sdist(project: Path, destination: Path) -> Path:
    """``NAME-1.0.tar.gz`` of one fixture directory (which holds its PKG-INFO)."""
    destination.mkdir(parents=True, exist_ok=True)
    target = destination / f"{project.name}.tar.gz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted([project, *project.rglob("*")]):
            if "__pycache__" in path.parts:
                continue
            info = archive.gettarinfo(str(path), arcname=str(path.relative_to(project.parent)))
            info.mtime, info.uid, info.gid, info.uname, info.gname = 1700000000, 0, 0, "", ""
            if path.is_file():
                with path.open("rb") as stream:
                    archive.addfile(info, stream)
            else:
                archive.addfile(info)
    target.write_bytes(buffer.getvalue())
    return target


def make_sdists(destination: Path) -> Path:
    for project in sorted(CHAIN_DATA.iterdir()):
        if project.is_dir():
            make_sdist(project, destination)
    return destination
