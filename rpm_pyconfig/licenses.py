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
4. ``unknown`` -- none of them says which license: no expression, and the warnings say why.
   What the ``License:`` tag then says is the spec generator's choice
   (:func:`rpm_pyconfig.specgen.license_tag`).

Validation is :func:`packaging.licenses.canonicalize_license_expression`'s, with the full SPDX
list (packaging >= 24.2; an older one is named in an error, see :mod:`rpm_pyconfig._packaging`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from rpm_pyconfig import _packaging
from rpm_pyconfig.errors import MetadataError, located

__all__ = [
    "AMBIGUOUS_CLASSIFIERS",
    "CLASSIFIER_LICENSES",
    "LicenseResult",
    "canonicalize_expression",
    "classifier_license",
    "license_for",
]

LicenseSource = Literal["pep639", "legacy", "classifiers", "unknown"]


@dataclass(frozen=True)
class LicenseResult:
    """The license of a project and where it came from."""

    #: Canonical SPDX expression, ``None`` when the metadata says no usable one.
    expression: str | None
    #: ``pep639``, ``legacy``, ``classifiers`` or ``unknown``.
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


def _canonicalize(expression: str) -> str:
    """packaging's canonical form of an SPDX expression; ValueError when it is invalid."""
    _packaging.require()
    from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

    try:
        return str(canonicalize_license_expression(expression))
    except KeyError:
        # packaging 25.0 to 26.3 fail on some malformed identifiers ('LicenseRef-a+') with a
        # KeyError instead of InvalidLicenseExpression: the expression is invalid all the same.
        raise InvalidLicenseExpression(f"Invalid license expression: {expression!r}") from None


def canonicalize_expression(expression: str, *, origin: str = "") -> str:
    """The canonical form of a PEP 639 license expression.

    ``mit or apache-2.0`` -> ``MIT OR Apache-2.0``.  An invalid expression raises
    :class:`MetadataError` naming ``origin`` and the value.
    """
    try:
        return _canonicalize(expression)
    except ValueError as error:  # InvalidLicenseExpression
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
        canonical = canonicalize_expression(expression.strip(), origin=origin)
        notes = []
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
            canonical = _canonicalize(legacy)
        except ValueError:
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

    return LicenseResult(None, "unknown", warnings)
