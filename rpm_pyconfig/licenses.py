"""The ``License:`` tag of a project, as an SPDX expression.

In order of preference (:func:`license_for`):

1. ``pep639`` -- the project's PEP 639 ``License-Expression`` (``[project] license = "..."``),
   validated and canonicalised.  An invalid one is an error: PEP 639 says tools must reject it.
2. ``legacy`` -- the free-text ``License:`` field (``[project] license = {text = "..."}``),
   only when it is itself a valid SPDX expression; otherwise it is ignored with a warning.
3. ``classifiers`` -- one ``License ::`` trove classifier mapped to SPDX, following PEP 639's
   appendix "Mapping License Classifiers to SPDX Identifiers": ambiguous classifiers
   (``BSD License``, ``Apache Software License``, ``GPLv2``...) are not mapped, and neither
   are several unrelated license classifiers -- nobody can tell whether they mean ``AND`` or
   ``OR``.  A parent classifier next to its child (``License :: OSI Approved`` next to
   ``License :: OSI Approved :: MIT License``) is ignored, with a warning.
4. ``placeholder`` -- :data:`PLACEHOLDER`, ``FIXME-UNKNOWN-LICENSE``, plus a warning.  It is
   deliberately not a valid SPDX expression (a ``LicenseRef-`` would be valid and pass every
   check): rpmlint's ``invalid-license`` and Fedora's license validators flag it, and the
   word FIXME shows up in every review.

Validation uses :func:`packaging.licenses.canonicalize_license_expression` (packaging >= 24.2,
with the full SPDX list).  On older packaging (Debian 12 ships 23.0) a small parser of the SPDX
expression syntax with a table of common identifiers stands in; it accepts identifiers it does
not know in a PEP 639 expression, with a warning, and rejects them in legacy text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Callable, Literal

from rpm_pyconfig.errors import MetadataError, located

__all__ = [
    "AMBIGUOUS_CLASSIFIERS",
    "CLASSIFIER_LICENSES",
    "PLACEHOLDER",
    "LicenseResult",
    "canonicalize_expression",
    "classifier_license",
    "license_for",
]

#: What the ``License:`` tag says when nothing usable was found.
PLACEHOLDER = "FIXME-UNKNOWN-LICENSE"

LicenseSource = Literal["pep639", "legacy", "classifiers", "placeholder"]


@dataclass(frozen=True)
class LicenseResult:
    """The license of a project and where it came from."""

    #: SPDX expression for the ``License:`` tag (or :data:`PLACEHOLDER`).
    expression: str
    #: ``pep639``, ``legacy``, ``classifiers`` or ``placeholder``.
    source: LicenseSource
    #: Things a packager should look at; never printed by the library.
    warnings: list[str] = field(default_factory=list)


# -- classifiers ----------------------------------------------------------------------------

_OSI = "License :: OSI Approved :: "

#: Unambiguous license classifiers and their SPDX identifiers.
CLASSIFIER_LICENSES: dict[str, str] = {
    _OSI + "Attribution Assurance License": "AAL",
    _OSI + "Blue Oak Model License (BlueOak-1.0.0)": "BlueOak-1.0.0",
    _OSI + "Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    _OSI + "CEA CNRS Inria Logiciel Libre License, version 2.1 (CeCILL-2.1)": "CECILL-2.1",
    _OSI + "Common Development and Distribution License 1.0 (CDDL-1.0)": "CDDL-1.0",
    _OSI + "Common Public License": "CPL-1.0",
    _OSI + "Eclipse Public License 1.0 (EPL-1.0)": "EPL-1.0",
    _OSI + "Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    _OSI + "Educational Community License, Version 2.0 (ECL-2.0)": "ECL-2.0",
    _OSI + "European Union Public Licence 1.0 (EUPL 1.0)": "EUPL-1.0",
    _OSI + "European Union Public Licence 1.1 (EUPL 1.1)": "EUPL-1.1",
    _OSI + "European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    _OSI + "GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    _OSI + "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    _OSI + "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    _OSI + "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    _OSI + "Historical Permission Notice and Disclaimer (HPND)": "HPND",
    _OSI + "IBM Public License": "IPL-1.0",
    _OSI + "ISC License (ISCL)": "ISC",
    _OSI + "Intel Open Source License": "Intel",
    _OSI + "MIT License": "MIT",
    _OSI + "MIT No Attribution License (MIT-0)": "MIT-0",
    _OSI + "MirOS License (MirOS)": "MirOS",
    _OSI + "Motosoto License": "Motosoto",
    _OSI + "Mozilla Public License 1.0 (MPL)": "MPL-1.0",
    _OSI + "Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    _OSI + "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    _OSI + "Mulan Permissive Software License v2 (MulanPSL-2.0)": "MulanPSL-2.0",
    _OSI + "Nethack General Public License": "NGPL",
    _OSI + "Nokia Open Source License": "Nokia",
    _OSI + "Open Group Test Suite License": "OGTSL",
    _OSI + "Open Software License 3.0 (OSL-3.0)": "OSL-3.0",
    _OSI + "PostgreSQL License": "PostgreSQL",
    _OSI + "Python License (CNRI Python License)": "CNRI-Python",
    _OSI + "Python Software Foundation License": "PSF-2.0",
    _OSI + "Qt Public License (QPL)": "QPL-1.0",
    _OSI + "Ricoh Source Code Public License": "RSCPL",
    _OSI + "SIL Open Font License 1.1 (OFL-1.1)": "OFL-1.1",
    _OSI + "Sleepycat License": "Sleepycat",
    _OSI + "Sun Industry Standards Source License (SISSL)": "SISSL",
    _OSI + "Sun Public License": "SPL-1.0",
    _OSI + "The Unlicense (Unlicense)": "Unlicense",
    _OSI + "Universal Permissive License (UPL)": "UPL-1.0",
    _OSI + "University of Illinois/NCSA Open Source License": "NCSA",
    _OSI + "Vovida Software License 1.0": "VSL-1.0",
    _OSI + "W3C License": "W3C",
    _OSI + "X.Net License": "Xnet",
    _OSI + "Zope Public License": "ZPL-2.1",
    _OSI + "zlib/libpng License": "Zlib",
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "License :: Public Domain": "LicenseRef-Public-Domain",
}

#: Classifiers PEP 639 forbids mapping automatically (version or variant unknown).
AMBIGUOUS_CLASSIFIERS: frozenset[str] = frozenset(
    [
        _OSI + "Academic Free License (AFL)",
        _OSI + "Apache Software License",
        _OSI + "Apple Public Source License",
        _OSI + "Artistic License",
        _OSI + "BSD License",
        _OSI + "GNU Affero General Public License v3",
        _OSI + "GNU Free Documentation License (FDL)",
        _OSI + "GNU General Public License (GPL)",
        _OSI + "GNU General Public License v2 (GPLv2)",
        _OSI + "GNU General Public License v3 (GPLv3)",
        _OSI + "GNU Lesser General Public License v2 (LGPLv2)",
        _OSI + "GNU Lesser General Public License v2 or later (LGPLv2+)",
        _OSI + "GNU Lesser General Public License v3 (LGPLv3)",
        _OSI + "GNU Library or Lesser General Public License (LGPL)",
        "License :: Free For Educational Use",
        "License :: Free For Home Use",
        "License :: Free for non-commercial use",
        "License :: Freely Distributable",
        "License :: Free To Use But Restricted",
        "License :: Freeware",
        "License :: Other/Proprietary License",
    ]
)

#: Classifiers that name no license at all (PEP 639: ignore them).
_GENERIC_CLASSIFIERS = frozenset(["License :: OSI Approved", "License :: DFSG approved"])


def classifier_license(classifiers: Iterable[str]) -> tuple[str | None, list[str]]:
    """The SPDX expression the ``License ::`` classifiers unambiguously mean, and warnings.

    ``None`` when there are none, or when PEP 639 forbids inferring one.
    """
    warnings: list[str] = []
    found = sorted({c.strip() for c in classifiers if c.strip().startswith("License ::")})
    kept: list[str] = []
    for classifier in found:
        children = [other for other in found if other.startswith(classifier + " :: ")]
        if children:
            if classifier not in _GENERIC_CLASSIFIERS:
                warnings.append(
                    f"classifier {classifier!r} ignored: {children[0]!r} is more specific"
                )
            continue
        if classifier in _GENERIC_CLASSIFIERS:
            continue
        kept.append(classifier)
    if not kept:
        return None, warnings
    if len(kept) > 1:
        listed = ", ".join(repr(c) for c in kept)
        warnings.append(
            f"several license classifiers ({listed}): PEP 639 forbids guessing whether they "
            "combine with AND or OR; write the expression by hand"
        )
        return None, warnings
    classifier = kept[0]
    if classifier in AMBIGUOUS_CLASSIFIERS:
        warnings.append(
            f"classifier {classifier!r} does not say which license (version, variant or terms); "
            "PEP 639 forbids guessing: pick the SPDX identifier by hand"
        )
        return None, warnings
    expression = CLASSIFIER_LICENSES.get(classifier)
    if expression is None:
        warnings.append(f"classifier {classifier!r} has no known SPDX identifier")
        return None, warnings
    if expression == "LicenseRef-Public-Domain":
        warnings.append(
            "'License :: Public Domain' mapped to LicenseRef-Public-Domain: public domain "
            "means different things in different countries; CC0-1.0, Unlicense or MIT say more"
        )
    return expression, warnings


# -- SPDX expressions -----------------------------------------------------------------------

#: Common SPDX license identifiers, for validation without packaging >= 24.2.
_SPDX_LICENSES = {
    name.lower(): name
    for name in [
        "0BSD", "AAL", "AFL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-1.1",
        "Apache-2.0", "APSL-2.0", "Artistic-1.0", "Artistic-2.0", "Beerware", "BlueOak-1.0.0",
        "BSD-1-Clause", "BSD-2-Clause", "BSD-2-Clause-Patent", "BSD-3-Clause",
        "BSD-3-Clause-Clear", "BSD-4-Clause", "BSL-1.0", "bzip2-1.0.6", "CC-BY-3.0",
        "CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC0-1.0", "CDDL-1.0", "CDDL-1.1",
        "CECILL-2.1", "CNRI-Python", "CPL-1.0", "curl", "ECL-2.0", "EPL-1.0", "EPL-2.0",
        "EUPL-1.0", "EUPL-1.1", "EUPL-1.2", "FSFAP", "GFDL-1.3-only", "GFDL-1.3-or-later",
        "GPL-1.0-only", "GPL-1.0-or-later", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only",
        "GPL-3.0-or-later", "HPND", "ICU", "Intel", "IPL-1.0", "ISC", "LGPL-2.0-only",
        "LGPL-2.0-or-later", "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only",
        "LGPL-3.0-or-later", "Libpng", "libtiff", "MirOS", "MIT", "MIT-0", "MIT-CMU",
        "Motosoto", "MPL-1.0", "MPL-1.1", "MPL-2.0", "MPL-2.0-no-copyleft-exception", "MS-PL",
        "MulanPSL-2.0", "NCSA", "NGPL", "Nokia", "OFL-1.1", "OGTSL", "OpenSSL", "OSL-3.0",
        "PostgreSQL", "PSF-2.0", "Python-2.0", "Python-2.0.1", "QPL-1.0", "RSCPL", "Ruby",
        "Sleepycat", "SISSL", "SPL-1.0", "Unicode-3.0", "Unicode-DFS-2016", "Unlicense",
        "UPL-1.0", "Vim", "VSL-1.0", "W3C", "WTFPL", "X11", "Xnet", "Zlib",
        "zlib-acknowledgement", "ZPL-2.0", "ZPL-2.1",
        # deprecated, still accepted by SPDX tools
        "AGPL-3.0", "GPL-2.0", "GPL-3.0", "LGPL-2.0", "LGPL-2.1", "LGPL-3.0",
    ]
}

#: Common SPDX license exceptions (the right-hand side of ``WITH``).
_SPDX_EXCEPTIONS = {
    name.lower(): name
    for name in [
        "Autoconf-exception-3.0", "Bison-exception-2.2", "Classpath-exception-2.0",
        "Font-exception-2.0", "GCC-exception-3.1", "GPL-3.0-linking-exception",
        "LLVM-exception", "Linux-syscall-note", "OCaml-LGPL-linking-exception",
        "Qt-GPL-exception-1.0", "Qt-LGPL-exception-1.1", "Universal-FOSS-exception-1.0",
        "WxWindows-exception-3.1",
    ]
}

_IDSTRING = re.compile(r"^[A-Za-z0-9.-]+$")
_OPERATORS = ("AND", "OR", "WITH")


class _InvalidExpressionError(Exception):
    """Raised by the canonicalisers; the message says what is wrong."""


def _canonicalize_packaging(expression: str, strict: bool) -> tuple[str, list[str]]:
    from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

    try:
        return str(canonicalize_license_expression(expression)), []
    except InvalidLicenseExpression as error:
        raise _InvalidExpressionError(str(error)) from None
    except KeyError:
        # packaging 26.2 fails on some malformed identifiers ('LicenseRef-a+') with a
        # KeyError instead of InvalidLicenseExpression: the expression is invalid all the same.
        raise _InvalidExpressionError(f"Invalid license expression: {expression!r}") from None


class _FallbackParser:
    """SPDX expression syntax: ``or_expr := and_expr (OR and_expr)*`` and so on down to ids."""

    def __init__(self, expression: str, strict: bool) -> None:
        self.source = expression
        self.tokens = expression.replace("(", " ( ").replace(")", " ) ").split()
        self.position = 0
        self.strict = strict
        self.unknown: list[str] = []

    def parse(self) -> str:
        if not self.tokens:
            raise _InvalidExpressionError(f"Invalid license expression: {self.source!r}")
        text = self.or_expr()
        if self.position != len(self.tokens):
            raise self.invalid()
        return text.replace("( ", "(").replace(" )", ")")

    def invalid(self) -> _InvalidExpressionError:
        return _InvalidExpressionError(f"Invalid license expression: {self.source!r}")

    def peek(self) -> str:
        return self.tokens[self.position] if self.position < len(self.tokens) else ""

    def take(self) -> str:
        token = self.peek()
        if not token:
            raise self.invalid()
        self.position += 1
        return token

    def or_expr(self) -> str:
        parts = [self.and_expr()]
        while self.peek().upper() == "OR":
            self.take()
            parts.append(self.and_expr())
        return " OR ".join(parts)

    def and_expr(self) -> str:
        parts = [self.with_expr()]
        while self.peek().upper() == "AND":
            self.take()
            parts.append(self.with_expr())
        return " AND ".join(parts)

    def with_expr(self) -> str:
        token = self.take()
        if token == "(":
            inner = self.or_expr()
            if self.take() != ")":
                raise self.invalid()
            return f"( {inner} )"
        text = self.license_id(token)
        if self.peek().upper() == "WITH":
            self.take()
            text += " WITH " + self.exception(self.take())
        return text

    def license_id(self, token: str) -> str:
        if token in ("(", ")") or token.upper() in _OPERATORS:
            raise self.invalid()
        base, plus = (token[:-1], "+") if token.endswith("+") else (token, "")
        if base.lower().startswith("licenseref-"):
            rest = base[len("licenseref-"):]
            if plus or not _IDSTRING.match(rest):
                raise _InvalidExpressionError(f"Invalid licenseref: {token!r}")
            return "LicenseRef-" + rest
        known = _SPDX_LICENSES.get(base.lower())
        if known is not None:
            return known + plus
        if self.strict or not _IDSTRING.match(base):
            raise _InvalidExpressionError(f"Unknown license: {base!r}")
        self.unknown.append(base)
        return token

    def exception(self, token: str) -> str:
        known = _SPDX_EXCEPTIONS.get(token.lower())
        if known is not None:
            return known
        if token in ("(", ")") or token.upper() in _OPERATORS:
            raise self.invalid()
        if self.strict or not _IDSTRING.match(token):
            raise _InvalidExpressionError(f"Unknown license exception: {token!r}")
        self.unknown.append(token)
        return token


def _canonicalize_fallback(expression: str, strict: bool) -> tuple[str, list[str]]:
    parser = _FallbackParser(expression, strict)
    text = parser.parse()
    warnings = [
        f"{name!r} is not in rpm-pyconfig's table of common SPDX identifiers and could not be "
        "checked (packaging >= 24.2 checks the full SPDX list)"
        for name in parser.unknown
    ]
    return text, warnings


def _pick_canonicalizer() -> Callable[[str, bool], tuple[str, list[str]]]:
    try:
        import packaging.licenses  # noqa: F401  (packaging >= 24.2)
    except ImportError:
        return _canonicalize_fallback
    return _canonicalize_packaging


_canonicalize = _pick_canonicalizer()


def canonicalize_expression(expression: str, *, origin: str = "") -> tuple[str, list[str]]:
    """The canonical form of a PEP 639 license expression, and warnings.

    ``mit or apache-2.0`` -> ``MIT OR Apache-2.0``.  An invalid expression raises
    :class:`MetadataError` naming ``origin`` and the value.
    """
    try:
        return _canonicalize(expression, False)
    except _InvalidExpressionError as error:
        raise MetadataError(
            located(origin, f"invalid license expression {expression!r}: {error}")
        ) from None


# -- the License: tag -----------------------------------------------------------------------


def license_for(
    *,
    expression: str | None = None,
    text: str | None = None,
    classifiers: Iterable[str] = (),
    origin: str = "",
) -> LicenseResult:
    """The ``License:`` tag of a project, from its license metadata (see the module doc).

    ``expression`` is the PEP 639 ``License-Expression``, ``text`` the legacy free-text
    ``License`` field, ``classifiers`` the trove classifiers; ``origin`` names the file in
    messages.  Only an invalid ``expression`` raises.
    """
    classifiers = list(classifiers)
    if expression is not None and expression.strip():
        canonical, found = canonicalize_expression(expression.strip(), origin=origin)
        notes = [located(origin, message) for message in found]
        if any(c.strip().startswith("License ::") for c in classifiers):
            notes.append(located(
                origin,
                f"license classifiers ignored: the license expression {canonical!r} "
                "takes precedence (PEP 639 forbids declaring both)",
            ))
        return LicenseResult(canonical, "pep639", notes)

    warnings: list[str] = []
    if text is not None and text.strip():
        legacy = text.strip()
        try:
            canonical, _ = _canonicalize(legacy, True)
        except _InvalidExpressionError:
            shown = legacy.splitlines()[0]
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            warnings.append(located(
                origin, f"license text {shown!r} is not an SPDX expression and was ignored"
            ))
        else:
            return LicenseResult(canonical, "legacy", warnings)

    mapped, classifier_warnings = classifier_license(classifiers)
    warnings.extend(located(origin, message) for message in classifier_warnings)
    if mapped is not None:
        return LicenseResult(mapped, "classifiers", warnings)

    warnings.append(located(
        origin,
        f"no usable license metadata: License is set to {PLACEHOLDER}; "
        "replace it with the SPDX expression of the project's license",
    ))
    return LicenseResult(PLACEHOLDER, "placeholder", warnings)
