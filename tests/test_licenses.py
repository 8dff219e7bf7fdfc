"""The license of a project: PEP 639 expressions, legacy text, classifiers, none."""

from __future__ import annotations

import pytest

from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.licenses import (
    AMBIGUOUS_CLASSIFIERS,
    CLASSIFIER_LICENSES,
    LicenseResult,
    canonicalize_expression,
    classifier_license,
    license_for,
)

OSI = "License :: OSI Approved :: "


@pytest.mark.parametrize(
    ("expression", "canonical"),
    [
        ("MIT", "MIT"),
        ("mit or apache-2.0", "MIT OR Apache-2.0"),
        ("mit and (apache-2.0 or bsd-2-clause)", "MIT AND (Apache-2.0 OR BSD-2-Clause)"),
        ("GPL-2.0-or-later with classpath-exception-2.0",
         "GPL-2.0-or-later WITH Classpath-exception-2.0"),
        ("((MIT))", "((MIT))"),
        ("licenseref-Custom-1.0 OR MIT", "LicenseRef-Custom-1.0 OR MIT"),
        ("  MIT   AND\tISC ", "MIT AND ISC"),
    ],
)
def test_valid_expressions(expression: str, canonical: str) -> None:
    if expression == "((MIT))" and _packaging_major() < 26:
        # packaging 24.2 to 25.0 refuse redundant parentheses (26.0 accepts them): rpm-pyconfig
        # follows the packaging it runs with, as an invalid expression, never a crash.
        with pytest.raises(MetadataError, match=r"^x: invalid license expression '\(\(MIT\)\)': "):
            canonicalize_expression(expression, origin="x")
        return
    assert canonicalize_expression(expression) == canonical


def _packaging_major() -> int:
    import packaging

    return int(packaging.__version__.split(".")[0])


def test_a_malformed_licenseref_is_an_invalid_expression_with_every_packaging() -> None:
    """packaging 25.0 to 26.3 raise KeyError for 'LicenseRef-a+' (26.4 its own error)."""
    with pytest.raises(MetadataError) as caught:
        canonicalize_expression("LicenseRef-a+", origin="pyproject.toml")
    assert str(caught.value).startswith(
        "pyproject.toml: invalid license expression 'LicenseRef-a+': "
    )


@pytest.mark.parametrize(
    "expression",
    ["", "(MIT", "MIT)", "MIT OR", "AND MIT", "MIT AND AND ISC", "MIT ISC", "(MIT) WITH X",
     "() MIT", "MIT WITH", "LicenseRef-a+", "Use-it-after-midnight", "MIT WITH Nope-exception",
     "FIXME-UNKNOWN-LICENSE"],
)
def test_invalid_expressions(expression: str) -> None:
    with pytest.raises(MetadataError) as caught:
        canonicalize_expression(expression, origin="x")
    assert str(caught.value).startswith(f"x: invalid license expression {expression!r}: ")


def test_an_unknown_identifier_is_refused_whatever_packaging_is_installed() -> None:
    """One answer: the full SPDX list decides, never a table of rpm-pyconfig's own."""
    with pytest.raises(MetadataError) as caught:
        license_for(expression="mit or Some-New-1.0", origin="x")
    assert str(caught.value).startswith("x: invalid license expression 'mit or Some-New-1.0': ")
    # Legacy text must be a valid SPDX expression to count.
    assert license_for(text="Some-New-1.0") == LicenseResult(
        None, "unknown", ["license text 'Some-New-1.0' is not an SPDX expression and was ignored"]
    )


def test_classifier_table_holds_real_spdx_identifiers() -> None:
    for name in CLASSIFIER_LICENSES.values():
        assert canonicalize_expression(name) == name


def test_pep639_expression_wins() -> None:
    result = license_for(
        expression="mit OR apache-2.0",
        text="whatever",
        classifiers=[OSI + "MIT License"],
        origin="p/pyproject.toml [project] license",
    )
    assert result == LicenseResult(
        "MIT OR Apache-2.0",
        "pep639",
        ["p/pyproject.toml [project] license: license classifiers ignored: the license "
         "expression 'MIT OR Apache-2.0' takes precedence (PEP 639 forbids declaring both)"],
    )


def test_invalid_pep639_expression_is_an_error() -> None:
    with pytest.raises(MetadataError) as caught:
        license_for(expression="MIT OR", origin="p/pyproject.toml [project] license")
    assert str(caught.value) == (
        "p/pyproject.toml [project] license: invalid license expression 'MIT OR': "
        "Invalid license expression: 'MIT OR'"
    )
    with pytest.raises(MetadataError, match=r"^x: invalid license expression '\(GPL'"):
        canonicalize_expression("(GPL", origin="x")


def test_legacy_text_used_only_when_it_is_spdx() -> None:
    assert license_for(text=" apache-2.0 ") == LicenseResult("Apache-2.0", "legacy", [])
    result = license_for(
        text="BSD\nCopyright (c) 1999 somebody, long license text follows",
        classifiers=[OSI + "MIT License"],
    )
    assert result == LicenseResult(
        "MIT", "classifiers",
        ["license text 'BSD' is not an SPDX expression and was ignored"],
    )
    long_line = "Permission is hereby granted, free of charge, to any person obtaining a copy"
    assert license_for(text=long_line).warnings[0] == (
        "license text 'Permission is hereby granted, free of charge, to any pers...' "
        "is not an SPDX expression and was ignored"
    )


@pytest.mark.parametrize(
    ("classifiers", "expected"),
    [
        ([OSI + "MIT License"], "MIT"),
        (["License :: OSI Approved", OSI + "ISC License (ISCL)"], "ISC"),
        ([OSI + "GNU General Public License v3 or later (GPLv3+)"], "GPL-3.0-or-later"),
        ([OSI + "Python Software Foundation License"], "PSF-2.0"),
        (["License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication"], "CC0-1.0"),
        (["Programming Language :: Python", OSI + "Mozilla Public License 2.0 (MPL 2.0)"],
         "MPL-2.0"),
    ],
)
def test_classifiers(classifiers: list[str], expected: str) -> None:
    assert license_for(classifiers=classifiers) == LicenseResult(expected, "classifiers", [])


def test_nothing_known_is_no_expression() -> None:
    """The License: tag's placeholder is the spec generator's (test_specgen)."""
    assert license_for(origin="x/PKG-INFO") == LicenseResult(None, "unknown", [])


def test_ambiguous_classifier_is_not_guessed() -> None:
    result = license_for(classifiers=[OSI + "BSD License"])
    assert (result.expression, result.source) == (None, "unknown")
    assert result.warnings[0] == (
        "classifier 'License :: OSI Approved :: BSD License' does not say which license "
        "(version, variant or terms); PEP 639 forbids guessing: pick the SPDX identifier by hand"
    )


def test_several_classifiers_are_not_combined() -> None:
    expression, warnings = classifier_license(
        [OSI + "MIT License", OSI + "Apache Software License", "License :: OSI Approved"]
    )
    assert expression is None
    assert warnings == [
        "several license classifiers ('License :: OSI Approved :: Apache Software License', "
        "'License :: OSI Approved :: MIT License'): PEP 639 forbids guessing whether they "
        "combine with AND or OR; write the expression by hand"
    ]


def test_parent_classifier_is_ignored_with_a_warning() -> None:
    assert classifier_license(["License :: Foo", "License :: Foo :: Bar"]) == (
        None,
        ["classifier 'License :: Foo' ignored: 'License :: Foo :: Bar' is more specific",
         "classifier 'License :: Foo :: Bar' has no known SPDX identifier"],
    )


def test_generic_classifier_alone_means_nothing() -> None:
    assert classifier_license(["License :: OSI Approved"]) == (None, [])


def test_public_domain_maps_with_a_warning() -> None:
    expression, warnings = classifier_license(["License :: Public Domain"])
    assert expression == "LicenseRef-Public-Domain"
    assert len(warnings) == 1 and "public domain" in warnings[0]


def test_tables_do_not_overlap() -> None:
    assert not AMBIGUOUS_CLASSIFIERS & set(CLASSIFIER_LICENSES)
