"""What a wheel says about its project: the one ``*.dist-info`` with a ``METADATA``, whether
it is pure Python (``WHEEL``'s ``Root-Is-Purelib``), its top-level names (``top_level.txt``, else
its file list) and its commands (``entry_points.txt``).  The archive is checked like an sdist
(:func:`~rpm_pyconfig.sources.check_zip`) before anything in it is read; the ``.dist-info`` and
WHEEL come from the project's one wheel reader (:mod:`rpm_pyconfig._wheel`, on installer).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from rpm_pyconfig import coremetadata
from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.layout import IDENTIFIER, Found, entry_point_scripts
from rpm_pyconfig.sources import check_zip, read_member

__all__ = ["read_wheel"]


def read_wheel(archive: zipfile.ZipFile, path: Path) -> Found:
    """What one wheel says: its core metadata and what it installs (import names, whether
    it is pure Python, its commands)."""
    from rpm_pyconfig._wheel import Wheel, WheelError

    check_zip(path, archive)
    try:  # the one wheel reader: the .dist-info and WHEEL as installer reads them
        wheel_file = Wheel(archive, str(path))
        has_ext = "WHEEL" in wheel_file.dist_info_filenames and not wheel_file.root_is_purelib
    except WheelError as error:
        raise MetadataError(str(error)) from None
    members = wheel_file.members
    dist_info = wheel_file.dist_info_dir

    def where(name: str) -> str:
        return f"{path}/{dist_info}/{name}"

    def read(name: str) -> bytes | None:
        member = f"{dist_info}/{name}"
        return read_member(archive, member, where(name)) if member in members else None

    metadata = read("METADATA")
    assert metadata is not None  # the dist-info was chosen for having one
    core = coremetadata.parse(metadata, where("METADATA"))

    top_level = read("top_level.txt")
    if top_level is not None:
        import_names = sorted(
            {line.strip().split("/")[0] for line in top_level.decode("utf-8").splitlines()
             if IDENTIFIER.match(line.strip().split("/")[0])}
        )
    else:
        import_names = _record_import_names(members, dist_info)

    entry_points = read("entry_points.txt")
    scripts = entry_point_scripts(entry_points, where("entry_points.txt")) if entry_points else []
    return Found(
        core=core,
        kind="wheel",
        origin=str(path),
        source_file=path.name,
        import_names=import_names,
        has_ext_modules=has_ext,
        scripts=scripts,
    )


def _record_import_names(members: list[str], dist_info: str) -> list[str]:
    """Top-level modules of a wheel from its file list (``foo/``, ``foo.py``, ``_foo.*.so``)."""
    data_dir = dist_info[: -len(".dist-info")] + ".data"
    names: set[str] = set()
    for member in members:
        top = member.split("/")[0]
        if top in (dist_info, data_dir) or member.endswith("/"):
            continue
        if "/" in member:
            names.add(top)
        elif top.endswith((".py", ".so", ".pyd")):
            names.add(top.split(".")[0])
    return sorted(n for n in names if IDENTIFIER.match(n))
