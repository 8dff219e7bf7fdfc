"""PKG-INFO and METADATA through packaging.metadata: fields, errors, trust."""

from __future__ import annotations

from pathlib import Path

import pytest

from rpm_pyconfig import coremetadata
from rpm_pyconfig.errors import MetadataError
from tests.projectfiles import error_of


def test_pkg_info_without_version(tmp_path: Path) -> None:
    (tmp_path / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: x\n")
    assert error_of(tmp_path) == f"{tmp_path / 'PKG-INFO'}: no Version field"


def test_invalid_requirement_in_pkg_info(tmp_path: Path) -> None:
    (tmp_path / "PKG-INFO").write_text(
        "Metadata-Version: 2.1\nName: x\nVersion: 1\nRequires-Dist: foo >=\n"
    )
    assert error_of(tmp_path).startswith(
        f"{tmp_path / 'PKG-INFO'} Requires-Dist: invalid requirement 'foo >=': "
    )




def test_fields_description_urls_and_license(tmp_path: Path) -> None:
    core = coremetadata.parse(
        b"Metadata-Version: 2.4\nName: Foo.Bar\nVersion: 1.0\nSummary:  one line \n"
        b"License-Expression: MIT\nLicense: UNKNOWN\nHome-page: https://h.example\n"
        b"Download-URL: UNKNOWN\nProject-URL: Source, https://s.example\n"
        b"Project-URL: Docs, https://d.example\nProject-URL: Docs, https://d2.example\n"
        b"Project-URL: Empty,\nClassifier: A\nClassifier: B\nRequires-Dist: x>=1\n"
        b"Provides-Extra: cli\nDynamic: Requires-Dist\nName: Second\n"
        b"Description: the old header\n\n\nThe body wins.\n\n",
        "d/PKG-INFO",
    )
    assert (core.name, core.version, core.summary, core.metadata_version) == (
        "Foo.Bar", "1.0", "one line", "2.4"
    )
    assert (core.license_expression, core.license_text) == ("MIT", None)
    # A label given twice: the last counts (packaging leaves both unparsed); an empty URL is
    # dropped; Home-page leads unless a label says home page already.
    assert core.urls == {"Homepage": "https://h.example", "Source": "https://s.example",
                         "Docs": "https://d2.example"}
    assert core.description == "The body wins.\n"
    assert (core.classifiers, core.requires_dist, core.provides_extra, core.dynamic) == (
        ["A", "B"], ["x>=1"], ["cli"], ["requires-dist"]
    )
    assert core.origins["urls"] == "d/PKG-INFO Project-URL"


def test_the_old_description_header_is_unfolded() -> None:
    core = coremetadata.parse(
        b"Metadata-Version: 1.2\nName: x\nVersion: 1\n"
        b"Description: first\n        second\n       |third\n", "PKG-INFO")
    assert core.description == "first\nsecond\nthird\n"
    body_only = coremetadata.parse(
        b"Metadata-Version: 2.1\nName: x\nVersion: 1\n\nDescription: is body text here\n",
        "PKG-INFO")
    assert body_only.description == "Description: is body text here\n"


def test_not_utf8(tmp_path: Path) -> None:
    with pytest.raises(MetadataError) as caught:
        coremetadata.parse(b"Name: \xff\n", "p/PKG-INFO")
    assert str(caught.value) == "p/PKG-INFO: not UTF-8 text (invalid start byte at byte 6)"


def test_packaging_has_the_last_word_on_the_whole_record() -> None:
    core = coremetadata.parse(b"Metadata-Version: 2.1\nName: x\nVersion: 1\n", "p/PKG-INFO")
    coremetadata.check(core, None)
    core.requires_python = "python3"
    core.provides_extra = ["not an extra!"]
    with pytest.raises(MetadataError) as caught:
        coremetadata.check(core, "MIT")
    # Each at its field, with packaging's reason (its wording varies between releases).
    extra, python = sorted(str(caught.value).splitlines())
    assert extra.startswith("p/PKG-INFO Provides-Extra: ") and "'not an extra!'" in extra
    assert python.startswith("p/PKG-INFO Requires-Python: ") and "'python3'" in python


def test_trust_before_and_after_pep_643() -> None:
    old = coremetadata.Core(metadata_version="2.1")
    why = ("Metadata-Version 2.1 lists no Requires-Dist, and before 2.2 that does not mean "
           "there is none")
    assert coremetadata.distrust(old, ["requires_dist", "summary"]) == {
        "requires_dist": why, "provides_extra": why
    }
    # Extras listed without one requirement (anyio 3.6.2's sdist): still not believed.
    extras_only = coremetadata.Core(metadata_version="2.1", provides_extra=["trio"])
    assert coremetadata.distrust(extras_only, ["requires_dist"]) == {
        "requires_dist": why, "provides_extra": why
    }
    listed = coremetadata.Core(metadata_version="2.1", requires_dist=["idna"])
    assert coremetadata.distrust(listed, ["requires_dist", "provides_extra"]) == {}
    new = coremetadata.Core(metadata_version="2.2", dynamic=["provides-extra", "summary"])
    marked = "marked Dynamic (PEP 643, Metadata-Version 2.2)"
    assert coremetadata.distrust(new, ["requires_dist", "provides_extra", "summary"]) == {
        "summary": marked, "provides_extra": marked, "requires_dist": marked
    }
    assert coremetadata.describe({"summary": marked, "requires_dist": "x"}, "F") == [
        "F Requires-Dist: x", f"F Summary: {marked}"
    ]
