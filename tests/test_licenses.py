"""The License: tag: PEP 639 expressions, legacy text, classifiers, placeholder."""

from __future__ import annotations

from typing import Callable

import pytest

from rpm_pyconfig import licenses
from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.licenses import (
    AMBIGUOUS_CLASSIFIERS,
    CLASSIFIER_LICENSES,
    PLACEHOLDER,
    LicenseResult,
    canonicalize_expression,
    classifier_license,
    license_for,
)

try:
    from packaging.licenses import canonicalize_license_expression
except ImportError:  # pragma: no cover - packaging < 24.2
    canonicalize_license_expression = None  # type: ignore[assignment]

OSI = "License :: OSI Approved :: "
Canonicalizer = Callable[[str, bool], "tuple[str, list[str]]"]
BACKENDS: list[Canonicalizer] = [licenses._canonicalize_fallback]
if canonicalize_license_expression is not None:
    BACKENDS.append(licenses._canonicalize_packaging)


@pytest.mark.parametrize("backend", BACKENDS)
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
def test_valid_expressions(backend: Canonicalizer, expression: str, canonical: str) -> None:
    if backend is licenses._canonicalize_packaging and expression == "((MIT))" and (
        _packaging_major() < 26
    ):
        # packaging 24.2 to 25.0 refuse redundant parentheses (26.0 accepts them): rpm-pyconfig
        # follows the packaging it runs with, as an invalid expression, never a crash.
        with pytest.raises(licenses._InvalidExpressionError):
            backend(expression, True)
        return
    assert backend(expression, True) == (canonical, [])


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


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "expression",
    ["", "(MIT", "MIT)", "MIT OR", "AND MIT", "MIT AND AND ISC", "MIT ISC", "(MIT) WITH X",
     "() MIT", "MIT WITH", "LicenseRef-a+", "Use-it-after-midnight", "MIT WITH Nope-exception",
     PLACEHOLDER],
)
def test_invalid_expressions(backend: Canonicalizer, expression: str) -> None:
    with pytest.raises(licenses._InvalidExpressionError):
        backend(expression, True)


def test_fallback_accepts_unknown_identifiers_in_a_pep639_expression_with_a_warning() -> None:
    assert licenses._canonicalize_fallback("Some-New-License-9.0 OR MIT", False) == (
        "Some-New-License-9.0 OR MIT",
        ["'Some-New-License-9.0' is not in rpm-pyconfig's table of common SPDX identifiers "
         "and could not be checked (packaging >= 24.2 checks the full SPDX list)"],
    )


@pytest.mark.skipif(canonicalize_license_expression is None, reason="packaging < 24.2")
def test_fallback_table_and_classifier_table_are_real_spdx_identifiers() -> None:
    for name in [*licenses._SPDX_LICENSES.values(), *CLASSIFIER_LICENSES.values()]:
        assert canonicalize_license_expression(name) == name
    for name in licenses._SPDX_EXCEPTIONS.values():
        assert canonicalize_license_expression(f"MIT WITH {name}") == f"MIT WITH {name}"


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


def test_without_packaging_licenses_unknown_ids_pass_with_a_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(licenses, "_canonicalize", licenses._canonicalize_fallback)
    result = license_for(expression="mit or Some-New-1.0", origin="x")
    assert (result.expression, result.source) == ("MIT OR Some-New-1.0", "pep639")
    assert result.warnings == [
        "x: 'Some-New-1.0' is not in rpm-pyconfig's table of common SPDX identifiers and could "
        "not be checked (packaging >= 24.2 checks the full SPDX list)"
    ]
    # Legacy text must be fully known to count as SPDX.
    assert license_for(text="Some-New-1.0").source == "placeholder"


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


def test_placeholder_when_nothing_is_known() -> None:
    assert license_for(origin="x/PKG-INFO") == LicenseResult(
        PLACEHOLDER, "placeholder",
        ["x/PKG-INFO: no usable license metadata: License is set to FIXME-UNKNOWN-LICENSE; "
         "replace it with the SPDX expression of the project's license"],
    )


def test_ambiguous_classifier_is_not_guessed() -> None:
    result = license_for(classifiers=[OSI + "BSD License"])
    assert (result.expression, result.source) == (PLACEHOLDER, "placeholder")
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
