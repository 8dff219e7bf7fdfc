"""PEP 440 -> RPM versions: the conversion rules and rpm's own ordering."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from rpm_pyconfig.errors import MetadataError
from rpm_pyconfig.versions import RPM_MAX_EPOCH, RpmVersion, dependency_version, rpm_version
from tests.rpmtools import have_rpm_tools, run

try:
    import rpm
except ImportError:  # pragma: no cover - depends on the machine
    rpm = None

needs_rpm = pytest.mark.skipif(
    rpm is None, reason="the rpm Python bindings (import rpm) are not installed"
)

#: PEP 440, "Summary of permitted suffixes and relative ordering", in ascending order.
PEP440_ORDERING = [
    "1.dev0",
    "1.0.dev456",
    "1.0a1",
    "1.0a2.dev456",
    "1.0a12.dev456",
    "1.0a12",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0rc1.dev456",
    "1.0rc1",
    "1.0",
    "1.0+abc.5",
    "1.0+abc.7",
    "1.0+5",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.0.15",
    "1.1.dev1",
]


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def _rpm_compare(left: str, right: str, *, trim: bool) -> int:
    def evr(text: str) -> tuple[str | None, str, None]:
        converted = rpm_version(text)
        version = dependency_version(text).rpartition(":")[2] if trim else converted.version
        return (str(converted.epoch) if converted.epoch else None, version, None)

    return _sign(rpm.labelCompare(evr(left), evr(right)))


@pytest.mark.parametrize(
    ("pep440", "epoch", "version"),
    [
        ("1.0rc1", None, "1.0~rc1"),
        ("1.0.dev2", None, "1.0~~dev2"),
        ("1.0a1.dev1", None, "1.0~a1~~dev1"),
        ("1.0.post456.dev34", None, "1.0^post456~~dev34"),
        ("1.0b2.post345", None, "1.0~b2^post345"),
        ("1.0b2.post345.dev456", None, "1.0~b2^post345~~dev456"),
        ("1!0.2.13", 1, "0.2.13"),
        ("0!1.0", None, "1.0"),
        ("1.0+abc.5", None, "1.0"),
        ("1.0.0", None, "1.0.0"),
        ("v1.0-RC-1", None, "1.0~rc1"),
        ("1.0alpha2", None, "1.0~a2"),
        ("2.0-1", None, "2.0^post1"),
    ],
)
def test_rpm_version_follows_the_conversion_rules(
    pep440: str, epoch: int | None, version: str
) -> None:
    assert rpm_version(pep440) == RpmVersion(epoch=epoch, version=version)


def test_rpm_version_accepts_a_parsed_version() -> None:
    converted = rpm_version(Version("3!1.2rc3"))
    assert (converted.epoch, converted.version, converted.evr) == (3, "1.2~rc3", "3:1.2~rc3")
    assert str(converted) == "3:1.2~rc3"


@pytest.mark.parametrize(
    ("pep440", "expected"),
    [("1.0", "1"), ("1.0.0", "1"), ("2.4.0rc1", "2.4~rc1"), ("0.0", "0"), ("1!2.10.0", "1:2.10"),
     ("1.0.post1", "1^post1"), ("1.01", "1.1")],
)
def test_dependency_version_trims_trailing_zeros(pep440: str, expected: str) -> None:
    assert dependency_version(pep440) == expected


def test_invalid_version_names_the_value() -> None:
    with pytest.raises(MetadataError) as caught:
        rpm_version("1.0-foo bar", origin="x/pyproject.toml [project] version")
    assert str(caught.value) == (
        "x/pyproject.toml [project] version: invalid version '1.0-foo bar': not a PEP 440 version"
    )


def test_a_version_with_too_many_digits_is_named_not_a_traceback() -> None:
    """packaging raises int()'s ValueError past 4300 digits: a message, the value shortened."""
    with pytest.raises(MetadataError) as caught:
        rpm_version("1." + "9" * 5000, origin="PKG-INFO Version")
    assert str(caught.value) == (
        "PKG-INFO Version: invalid version '1." + "9" * 58 + "'... (5002 characters): "
        "a number in it has too many digits")


@pytest.mark.rpm
def test_the_largest_epoch_is_rpms(tmp_path: Path) -> None:
    """rpm's Epoch is 32 bits: the largest is written, one more refused with the field's name
    (rpmspec would stop on it with "Epoch field must be an unsigned number")."""
    if not have_rpm_tools():
        if os.environ.get("CI") == "true":
            pytest.fail("rpmspec is missing (CI=true)")
        pytest.skip("rpmspec not installed")
    for epoch, parses in ((RPM_MAX_EPOCH, True), (RPM_MAX_EPOCH + 1, False)):
        spec = tmp_path / "epoch.spec"
        spec.write_text(f"Name: e\nVersion: 1\nRelease: 1\nEpoch: {epoch}\nLicense: MIT\n"
                        "Summary: s\n%description\nd\n", encoding="utf-8")
        got = run(["rpmspec", "-q", "--qf", "%{EPOCH}", str(spec)], dict(os.environ))
        assert (got.returncode == 0) is parses, got.stderr
        if parses:
            assert got.stdout == str(epoch)
            assert rpm_version(f"{epoch}!1.0").epoch == epoch
        else:
            with pytest.raises(MetadataError, match=r"^v: invalid version '4294967296!1.0': "
                               r"its epoch is larger than rpm's Epoch can hold \(4294967295\)$"):
                rpm_version(f"{epoch}!1.0", origin="v")


@needs_rpm
def test_pep440_ordering_examples_agree_with_rpm_over_every_pair() -> None:
    # Local versions are dropped, so 1.0+abc.5 etc. are the same RPM version as 1.0.
    distinct: list[str] = []
    for text in PEP440_ORDERING:
        if not any(Version(text).public == Version(seen).public for seen in distinct):
            distinct.append(text)
    assert len(distinct) == 17
    pairs = list(itertools.combinations_with_replacement(range(len(distinct)), 2))
    assert len(pairs) == 153
    mismatches = []
    for i, j in pairs:
        expected = _sign(i - j)
        for trim in (False, True):
            for a, b, want in ((i, j, expected), (j, i, -expected)):
                got = _rpm_compare(distinct[a], distinct[b], trim=trim)
                if got != want:
                    mismatches.append((distinct[a], distinct[b], trim, got))
    assert mismatches == []


def _naive(text: str) -> str:
    """The one-suffix scheme of rpm's pythondistdeps.py: pre, else dev, else post."""
    version = Version(text)
    converted = dependency_version(Version(version.base_version))
    if version.pre is not None:
        return f"{converted}~{version.pre[0]}{version.pre[1]}"
    if version.dev is not None:
        return f"{converted}~~dev{version.dev}"
    if version.post is not None:
        return f"{converted}^post{version.post}"
    return converted


@needs_rpm
def test_one_suffix_scheme_of_older_generators_disagrees_with_pep440() -> None:
    # Proof that the pair test above can fail: dropping suffixes loses the order.
    distinct = [text for text in PEP440_ORDERING if "+" not in text]
    mismatches = [
        (distinct[i], distinct[j])
        for i, j in itertools.combinations(range(len(distinct)), 2)
        if _sign(rpm.labelCompare((None, _naive(distinct[i]), None),
                                  (None, _naive(distinct[j]), None))) != -1
    ]
    assert ("1.0rc1.dev456", "1.0rc1") in mismatches
    assert ("1.0b2", "1.0b2.post345") in mismatches
    assert len(mismatches) == 17


@st.composite
def pep440_versions(draw: st.DrawFn) -> Version:
    epoch = draw(st.sampled_from([0, 0, 0, 1]))
    release = draw(st.lists(st.integers(0, 3), min_size=1, max_size=4))
    text = f"{epoch}!" + ".".join(map(str, release))
    if draw(st.booleans()):
        text += draw(st.sampled_from(["a", "b", "rc"])) + str(draw(st.integers(0, 2)))
    if draw(st.booleans()):
        text += f".post{draw(st.integers(0, 2))}"
    if draw(st.booleans()):
        text += f".dev{draw(st.integers(0, 2))}"
    if draw(st.integers(0, 4)) == 0:
        text += "+" + draw(st.sampled_from(["local", "abc.5", "7"]))
    return Version(text)


@needs_rpm
@given(pep440_versions(), pep440_versions())
def test_rpm_orders_like_pep440(left: Version, right: Version) -> None:
    if Version(left.public) == Version(right.public):
        return  # equal but for the local part, which RPM versions drop
    expected = _sign((left > right) - (left < right))
    # The dependency form (trailing zeros trimmed) agrees for every pair.
    assert _rpm_compare(str(left), str(right), trim=True) == expected
    # The Version: tag form agrees whenever the releases are spelled alike
    # (PEP 440 says 1.0 == 1, RPM says 1.0 > 1).
    if len(left.release) == len(right.release):
        assert _rpm_compare(str(left), str(right), trim=False) == expected
