"""Core metadata (``PKG-INFO``, ``METADATA``): the fields a spec needs, read with
:func:`packaging.metadata.parse_email`, checked with :meth:`packaging.metadata.Metadata.from_raw`,
and how far a ``PKG-INFO`` can be believed (PEP 643).

:class:`Core` is the one shape both sources of metadata are collected into, a ``[project]``
table (:mod:`rpm_pyconfig.pyproject`) and a core-metadata file; every field remembers where it
came from, so that messages about its value name the file and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rpm_pyconfig import _packaging
from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.sources import utf8_text

__all__ = ["PKG_INFO_HEADERS", "PKG_INFO_NAMES", "SPEC_CRITICAL", "Core", "check", "describe",
           "distrust", "parse", "url_key"]


@dataclass
class Core:
    """Core metadata fields while they are being collected (mutable)."""

    name: str = ""
    version: str = ""
    summary: str = ""
    description: str = ""
    description_content_type: str = ""
    license_expression: str | None = None
    license_text: str | None = None
    requires_python: str = ""
    requires_dist: list[str] = field(default_factory=list)
    provides_extra: list[str] = field(default_factory=list)
    classifiers: list[str] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    #: ``Metadata-Version`` of a PKG-INFO/METADATA, ``""`` for ``[project]``.
    metadata_version: str = ""
    #: PEP 643 ``Dynamic`` field names of a PKG-INFO, lower case.
    dynamic: list[str] = field(default_factory=list)
    #: Field name -> where it came from, for error messages.
    origins: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    #: A ``requires_dist`` line -> where it was written, where that is more precise than
    #: ``origins["requires_dist"]`` (an extra's table in ``[project]``); cleared with the
    #: field when another source replaces it.
    requirement_origins: dict[str, str] = field(default_factory=dict, compare=False,
                                                repr=False)


#: The same fields' names in PKG-INFO, for messages.
PKG_INFO_NAMES = {
    "name": "Name",
    "version": "Version",
    "summary": "Summary",
    "description": "Description",
    "description_content_type": "Description-Content-Type",
    "license_expression": "License-Expression",
    "license_text": "License",
    "requires_python": "Requires-Python",
    "requires_dist": "Requires-Dist",
    "provides_extra": "Provides-Extra",
    "classifiers": "Classifier",
    "urls": "Project-URL",
}

#: The PKG-INFO headers behind each ``Core`` field, lower case, as PEP 643 ``Dynamic`` names them.
PKG_INFO_HEADERS: dict[str, tuple[str, ...]] = {
    "summary": ("summary",),
    "description": ("description",),
    "description_content_type": ("description-content-type",),
    "license_expression": ("license-expression",),
    "license_text": ("license",),
    "requires_python": ("requires-python",),
    "requires_dist": ("requires-dist",),
    "provides_extra": ("provides-extra",),
    "classifiers": ("classifier",),
    "urls": ("project-url", "home-page", "download-url"),
}

#: Fields a spec cannot do without: refused when untrusted (the rest are warnings).
SPEC_CRITICAL = frozenset(["requires_dist", "provides_extra"])


def parse(data: bytes, where: str) -> Core:
    """PKG-INFO / METADATA into a ``Core`` (single-use fields given twice: the first counts)."""
    _packaging.require()
    from packaging.metadata import parse_email

    text = utf8_text(data, where)
    raw, unparsed = parse_email(text)
    fields: dict[str, object] = dict(raw)

    def one(key: str, header: str) -> str:
        value = fields.get(key, (unparsed.get(header) or [""])[0])
        return str(value).strip()

    def many(key: str) -> list[str]:
        value = fields.get(key)
        return [str(v).strip() for v in value] if isinstance(value, list) else []

    core = Core(
        name=one("name", "name"),
        version=one("version", "version"),
        summary=one("summary", "summary"),
        description_content_type=one("description_content_type", "description-content-type"),
        license_expression=one("license_expression", "license-expression") or None,
        license_text=one("license", "license") or None,
        requires_python=one("requires_python", "requires-python"),
        requires_dist=many("requires_dist"),
        provides_extra=many("provides_extra"),
        classifiers=many("classifiers"),
        metadata_version=one("metadata_version", "metadata-version"),
        dynamic=[name.lower() for name in many("dynamic")],
    )
    core.description = _description(text, raw.get("description"), unparsed.get("description"))
    urls = dict(raw.get("project_urls", {}))
    for entry in unparsed.get("project-url", []):  # a label given twice: the last counts
        label, _, url = entry.partition(",")
        urls[label.strip()] = url.strip()
    core.urls = {label: url for label, url in urls.items() if url}
    home = one("home_page", "home-page")
    if home and home.upper() != "UNKNOWN" and not any(
        url_key(label) in ("homepage", "home") for label in core.urls
    ):
        core.urls = {"Homepage": home, **core.urls}
    download = one("download_url", "download-url")
    if download and download.upper() != "UNKNOWN":
        core.urls.setdefault("Download", download)
    if core.license_text is not None and core.license_text.upper() == "UNKNOWN":
        core.license_text = None
    core.origins = {key: f"{where} {name}" for key, name in PKG_INFO_NAMES.items()}
    for key in ("name", "version"):
        if not getattr(core, key):
            raise MetadataError(f"{where}: no {PKG_INFO_NAMES[key]} field")
    return core


def _description(text: str, parsed: str | None, conflicting: list[str] | None) -> str:
    """The long description: the message body, else the old ``Description:`` header.

    parse_email gives one of them, or both as *conflicting* (header first) when both are there.
    """
    header: str | None = None
    body = ""
    if conflicting:
        header, body = conflicting[0], conflicting[-1]
    elif parsed is not None:
        if _has_description_header(text):
            header = parsed
        else:
            body = parsed
    if body.strip():
        return body.strip("\n") + "\n"
    return _unfold_description(header) if header is not None else ""


def _has_description_header(text: str) -> bool:
    for line in text.splitlines():
        if not line.strip():
            return False  # the end of the headers
        if line.lower().startswith("description:"):
            return True
    return False


def _unfold_description(value: str) -> str:
    """The old ``Description:`` header: continuation lines start with 8 spaces or ``       |``."""
    lines = value.splitlines()
    out = lines[:1]
    for line in lines[1:]:
        if line.startswith(("       |", " " * 8)):
            out.append(line[8:])
        else:
            out.append(line.lstrip())
    return "\n".join(out).strip("\n") + "\n"


def url_key(label: str) -> str:
    """PEP 753 normalised URL label: ``Home-Page`` -> ``homepage``."""
    return re.sub(r"[\s\-_.:]+", "", label).lower()


def check(core: Core, license_expression: str | None) -> None:
    """The fields a spec is made from, as core metadata 2.4, by packaging's own validation.

    The project's own checks ran first and gave their messages; this is packaging's word that
    the whole record is valid core metadata.  Every problem is listed, each at its field.
    """
    _packaging.require()
    from packaging.metadata import ExceptionGroup, InvalidMetadata, Metadata, RawMetadata

    raw: RawMetadata = {
        "metadata_version": "2.4",
        "name": core.name,
        "version": core.version,
        "requires_dist": list(core.requires_dist),
        "provides_extra": list(core.provides_extra),
    }
    if core.requires_python:
        raw["requires_python"] = core.requires_python
    if license_expression is not None:
        raw["license_expression"] = license_expression
    try:
        Metadata.from_raw(raw)
    except ExceptionGroup as group:  # packaging's own on Python < 3.11
        keys = {header.lower(): key for key, header in PKG_INFO_NAMES.items()}
        problems = [
            f"{core.origins[keys.get(error.field, 'name')]}: {error}"
            for error in group.exceptions if isinstance(error, InvalidMetadata)
        ]
        raise MetadataError("\n".join(problems)) from None


def distrust(pkg_info: Core, keys: list[str]) -> dict[str, str]:
    """Which of *keys* PKG-INFO cannot vouch for, and why.

    From ``Metadata-Version`` 2.2 on, PEP 643 makes every field not listed in ``Dynamic``
    final.  Before it nothing was promised; an absent ``Requires-Dist`` is the case that
    bites (setuptools wrote none for ``install_requires`` given in ``setup.py`` only), with
    ``Provides-Extra`` lines or without: anyio 3.6.2's lists three extras and not one
    requirement, not even its run-time ones.  Present values are believed: they are what the
    backend wrote when it made the sdist.
    """
    version = pkg_info.metadata_version or "(none)"
    if _version_tuple(pkg_info.metadata_version) < (2, 2):
        if ("requires_dist" in keys or "provides_extra" in keys) and not pkg_info.requires_dist:
            why = (f"Metadata-Version {version} lists no Requires-Dist, and before 2.2 that "
                   "does not mean there is none")
            return {"requires_dist": why, "provides_extra": why}
        return {}
    found: dict[str, str] = {}
    for key in keys:
        for header in PKG_INFO_HEADERS.get(key, ()):
            if header in pkg_info.dynamic:
                found[key] = f"marked Dynamic (PEP 643, Metadata-Version {version})"
    if "requires_dist" in found or "provides_extra" in found:  # one list carries both
        found.setdefault("requires_dist", found.get("provides_extra", ""))
        found.setdefault("provides_extra", found["requires_dist"])
    return found


def describe(untrusted: dict[str, str], where: str) -> list[str]:
    """``FILE Provides-Extra, Requires-Dist: WHY``, one line per reason."""
    by_reason: dict[str, list[str]] = {}
    for key, why in sorted(untrusted.items()):
        by_reason.setdefault(why, []).append(PKG_INFO_NAMES[key])
    return [f"{where} {', '.join(sorted(names))}: {why}" for why, names in by_reason.items()]


def _version_tuple(text: str) -> tuple[int, ...]:
    """``2.1`` -> (2, 1); an absent or odd version counts as the oldest."""
    parts = text.strip().split(".")
    if not all(part.isdigit() for part in parts):
        return (0,)
    return tuple(int(part) for part in parts)
