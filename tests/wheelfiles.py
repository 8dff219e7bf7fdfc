"""Wheels written by the tests, with a RECORD that lists every member."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def write_wheel(path: Path, files: dict[str, str], *, modes: dict[str, int] | None = None,
                record: bool = True) -> Path:
    """A wheel at *path* holding *files* in this order, then a RECORD that lists them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    dist_info = next(name.split("/")[0] for name in files if ".dist-info/" in name)
    rows = []
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            info = zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (modes or {}).get(member, 0o100644) << 16
            archive.writestr(info, text.encode())
            rows.append(f"{member},{record_hash(text.encode())},{len(text.encode())}\n")
        if record:
            archive.writestr(f"{dist_info}/RECORD", "".join(rows) + f"{dist_info}/RECORD,,\n")
    return path
