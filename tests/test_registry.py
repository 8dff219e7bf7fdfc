"""Tests of rpm_pyconfig.registry: discovery, masking, validation messages, resolution."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from rpm_pyconfig.errors import ConfigError, NoRuntimeError, Problem
from rpm_pyconfig.registry import (
    DEFAULT_SEARCH_PATH,
    Registry,
    load_registry,
    search_path,
)
from rpm_pyconfig.runtime import Runtime

DATA = Path(__file__).parent / "data" / "registry"

#: The required keys of a valid drop-in, one per line, in FIELDS order (lines 2-10).
BODY = """\
implementation = cpython
version = 3.11.2
interpreter = /usr/bin/python3.11
package_prefix = python3
purelib = /usr/lib/python3/dist-packages
platlib = /usr/lib/python3/dist-packages
soabi = cpython-311-x86_64-linux-gnu
ext_suffix = .cpython-311-x86_64-linux-gnu.so
cache_tag = cpython-311
"""


def conf(
    extra: str = "", *, drop: tuple[str, ...] = (), replace: dict[str, str] | None = None
) -> str:
    """A drop-in: ``[runtime]``, BODY without ``drop`` and with ``replace``, then ``extra``."""
    lines = ["[runtime]"]
    for line in BODY.splitlines():
        key = line.split(" = ")[0]
        if key in drop:
            continue
        if replace and key in replace:
            line = f"{key} = {replace[key]}"
        lines.append(line)
    return "\n".join(lines) + "\n" + extra


def write(directory: Path, files: Mapping[str, str | bytes]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (directory / name).write_bytes(content)
        else:
            (directory / name).write_text(content, encoding="utf-8")


def problems_of(dirs: list[Path], *, explicit: bool = True) -> str:
    with pytest.raises(ConfigError) as info:
        load_registry([str(d) for d in dirs], explicit=explicit)
    return str(info.value)


def load(*dirs: Path) -> Registry:
    return load_registry([str(d) for d in dirs], explicit=True)


# -- bad input: the exact message a user sees ----------------------------------------------

BAD = [
    pytest.param(
        "name = python3\n[runtime]\n",
        "{f}:1: expected the [runtime] section header first, got 'name = python3'",
        id="missing-section-header",
    ),
    pytest.param(
        conf("just some words\n"),
        "{f}:11: expected 'key = value', got 'just some words'",
        id="not-key-value",
    ),
    pytest.param(
        conf("= value\nsoabi\n"),
        "{f}:11: expected 'key = value', got '= value'\n"
        "{f}:12: expected 'key = value', got 'soabi'",
        id="several-parse-errors",
    ),
    pytest.param(
        conf("soabi = cpython-311-x86_64-linux-gnu\n"),
        "{f}:11 [runtime] soabi: duplicate key 'soabi' (first set on line 8)",
        id="duplicate-key",
    ),
    pytest.param(
        conf("[runtime]\n"),
        "{f}:11: duplicate section [runtime] (first on line 1)",
        id="duplicate-section",
    ),
    pytest.param(
        conf().replace("[runtime]", "[Runtime]"),
        "{f}:1: unknown section [Runtime], did you mean [runtime]? (a drop-in has only [runtime])",
        id="misspelt-section",
    ),
    pytest.param(
        conf("[build]\nflags = -O2\n"),
        "{f}:11: unknown section [build] (a drop-in has only [runtime])",
        id="extra-section",
    ),
    pytest.param(
        "# only a comment\n",
        "{f}: no [runtime] section",
        id="no-runtime-section",
    ),
    pytest.param(
        conf(drop=("soabi",)),
        "{f}:1: missing required key in [runtime]: soabi",
        id="missing-key",
    ),
    pytest.param(
        conf(drop=("cache_tag", "soabi", "implementation")),
        "{f}:1: missing required keys in [runtime]: implementation, soabi, cache_tag",
        id="missing-keys",
    ),
    pytest.param(
        conf("purelibs = /usr/lib/python3/dist-packages\n"),
        "{f}:11 [runtime] purelibs: unknown key 'purelibs', did you mean 'purelib'?",
        id="unknown-key-typo",
    ),
    pytest.param(
        conf("Name = python3\n"),
        "{f}:11 [runtime] Name: unknown key 'Name', did you mean 'name'?",
        id="keys-are-case-sensitive",
    ),
    pytest.param(
        conf("colour = blue\n"),
        "{f}:11 [runtime] colour: unknown key 'colour'",
        id="unknown-key",
    ),
    pytest.param(
        conf(replace={"purelib": "lib/site"}),
        "{f}:6 [runtime] purelib: must be an absolute path, got 'lib/site'",
        id="path-relative",
    ),
    pytest.param(
        conf(replace={"platlib": "/usr/lib/../lib64"}),
        "{f}:7 [runtime] platlib: must not contain '..', got '/usr/lib/../lib64'",
        id="path-dotdot",
    ),
    pytest.param(
        conf(replace={"purelib": "/usr//lib/./python3/"}),
        "{f}:6 [runtime] purelib: must be a normalised path like '/usr/lib/python3', "
        "got '/usr//lib/./python3/'",
        id="path-not-normalised",
    ),
    pytest.param(
        conf(replace={"interpreter": "//usr/bin/python3"}),
        "{f}:4 [runtime] interpreter: must be a normalised path like '/usr/bin/python3', "
        "got '//usr/bin/python3'",
        id="path-double-leading-slash",
    ),
    pytest.param(
        conf(replace={"interpreter": "/opt/my python/bin/python3"}),
        "{f}:4 [runtime] interpreter: must not contain spaces, got '/opt/my python/bin/python3'",
        id="path-space",
    ),
    pytest.param(
        conf(replace={"package_prefix": "python 3"}),
        "{f}:5 [runtime] package_prefix: must contain only letters, digits and '._+-' and "
        "not start with '-', got 'python 3'",
        id="rpmname-space",
    ),
    pytest.param(
        conf("name = -python3\n"),
        "{f}:11 [runtime] name: must contain only letters, digits and '._+-' and "
        "not start with '-', got '-python3'",
        id="rpmname-dash",
    ),
    pytest.param(
        conf(replace={"package_prefix": ""}),
        "{f}:5 [runtime] package_prefix: must not be empty",
        id="rpmname-empty-required",
    ),
    pytest.param(
        conf(replace={"implementation": "CPython"}),
        "{f}:2 [runtime] implementation: must be a lowercase identifier "
        "(a-z, then a-z, 0-9 or _), got 'CPython'",
        id="identifier-case",
    ),
    pytest.param(
        conf(replace={"implementation": "3py"}),
        "{f}:2 [runtime] implementation: must be a lowercase identifier "
        "(a-z, then a-z, 0-9 or _), got '3py'",
        id="identifier-digit",
    ),
    pytest.param(
        conf(replace={"version": "3"}),
        "{f}:3 [runtime] version: must be a version like 3.11 or 3.11.2, optionally followed "
        "by a pre-release like rc1, got '3'",
        id="version-short",
    ),
    pytest.param(
        conf(replace={"version": "3.13.0rc"}),
        "{f}:3 [runtime] version: must be a version like 3.11 or 3.11.2, optionally followed "
        "by a pre-release like rc1, got '3.13.0rc'",
        id="version-pre-without-number",
    ),
    pytest.param(
        conf(replace={"version": "3.11.2.1"}),
        "{f}:3 [runtime] version: must be a version like 3.11 or 3.11.2, optionally followed "
        "by a pre-release like rc1, got '3.11.2.1'",
        id="version-long",
    ),
    pytest.param(
        conf(replace={"version": ""}),
        "{f}:3 [runtime] version: must not be empty",
        id="version-empty",
    ),
    pytest.param(
        conf(replace={"soabi": "cpython 311"}),
        "{f}:8 [runtime] soabi: must be a single word without spaces, got 'cpython 311'",
        id="word-space",
    ),
    pytest.param(
        conf(replace={"soabi": ""}),
        "{f}:8 [runtime] soabi: must not be empty",
        id="word-empty-required",
    ),
    pytest.param(
        conf("abiflags = d1\n"),
        "{f}:11 [runtime] abiflags: must contain only letters, got 'd1'",
        id="flags",
    ),
    pytest.param(
        conf("debug = maybe\n"),
        "{f}:11 [runtime] debug: must be true or false (or yes/no, on/off, 1/0), got 'maybe'",
        id="bool",
    ),
    pytest.param(
        conf("priority = 1.5\n"),
        "{f}:11 [runtime] priority: must be a decimal integer, got '1.5'",
        id="int",
    ),
    pytest.param(
        conf("priority = ١٢\n"),
        "{f}:11 [runtime] priority: must be a decimal integer, got '١٢'",
        id="int-non-ascii-digits",
    ),
    pytest.param(
        conf("abi_requires = python(abi) = 3.11\n  python3-libs\n"),
        "{f}:11 [runtime] abi_requires: must be a single line (is the next line indented by "
        "mistake?), got 'python(abi) = 3.11\\npython3-libs'",
        id="continuation-line",
    ),
    pytest.param(
        conf("abi_requires = python(abi)\t= 3.11\n"),
        "{f}:11 [runtime] abi_requires: must not contain control characters, "
        "got 'python(abi)\\t= 3.11'",
        id="control-character",
    ),
    pytest.param(
        conf("name = python3\n").encode() + b"# caf\xe9\n",
        "{f}:12: not valid UTF-8: byte 0xe9 at offset 320",
        id="not-utf8",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_bad_input_message(tmp_path: Path, text: str | bytes, expected: str) -> None:
    write(tmp_path, {"a.conf": text})
    assert problems_of([tmp_path]) == expected.format(f=tmp_path / "a.conf")


def test_problem_objects_carry_origin_and_message(tmp_path: Path) -> None:
    write(tmp_path, {"pypy3.conf": conf(replace={"purelib": "lib/site"})})
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert info.value.problems == [
        Problem(
            f"{tmp_path}/pypy3.conf:6 [runtime] purelib", "must be an absolute path, got 'lib/site'"
        )
    ]


def test_directory_named_conf(tmp_path: Path) -> None:
    (tmp_path / "x.conf").mkdir()
    assert problems_of([tmp_path]) == f"{tmp_path}/x.conf: is a directory, not a conf file"


def test_dangling_symlink(tmp_path: Path) -> None:
    (tmp_path / "x.conf").symlink_to(tmp_path / "missing")
    assert (
        problems_of([tmp_path]) == f"{tmp_path}/x.conf: cannot read file: No such file or directory"
    )


def test_invalid_file_name_needs_a_name_key(tmp_path: Path) -> None:
    write(tmp_path, {"my python.conf": conf()})
    assert problems_of([tmp_path]) == (
        f"{tmp_path}/my python.conf: the file name is not a valid runtime name (must contain "
        f"only letters, digits and '._+-' and not start with '-', got 'my python'); set 'name ='"
    )
    write(tmp_path, {"my python.conf": conf("name = mine\n")})
    assert load(tmp_path).names == ("mine",)


def test_every_problem_of_every_file_is_listed(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.conf": conf("debug = maybe\ncolour = blue\n", drop=("soabi",)),
            "b.conf": "[runtime\n",
            "c.conf": conf(),
            "d.conf": conf(replace={"purelib": "lib/site", "version": "3.x"}),
        },
    )
    assert problems_of([tmp_path]).splitlines() == [
        f"{tmp_path}/a.conf:10 [runtime] debug: must be true or false (or yes/no, on/off, 1/0), "
        "got 'maybe'",
        f"{tmp_path}/a.conf:11 [runtime] colour: unknown key 'colour'",
        f"{tmp_path}/a.conf:1: missing required key in [runtime]: soabi",
        f"{tmp_path}/b.conf:1: expected the [runtime] section header first, got '[runtime'",
        f"{tmp_path}/d.conf:3 [runtime] version: must be a version like 3.11 or 3.11.2, "
        "optionally followed by a pre-release like rc1, got '3.x'",
        f"{tmp_path}/d.conf:6 [runtime] purelib: must be an absolute path, got 'lib/site'",
    ]


def test_broken_fixture_directory() -> None:
    broken = DATA / "broken"
    assert problems_of([broken]).splitlines() == [
        f"{broken}/pypy3.conf:7 [runtime] purelib: must be an absolute path, got 'lib/site'",
        f"{broken}/python3.12.conf:3: expected 'key = value', got 'version: 3.12.1'",
        f"{broken}/python3.conf:13 [runtime] sitelib: unknown key 'sitelib', did you mean "
        "'purelib'?",
    ]


def test_duplicate_runtime_names_name_both_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.conf": conf("name = python3\n"),
            "python3.conf": conf(),
            "z.conf": "# z.conf\n" + conf().replace("\n", "\nname = python3\n", 1),
        },
    )
    assert problems_of([tmp_path]).splitlines() == [
        f"{tmp_path}/python3.conf: runtime name 'python3' is already used by {tmp_path}/a.conf",
        f"{tmp_path}/z.conf:3 [runtime] name: runtime name 'python3' is already used by "
        f"{tmp_path}/a.conf",
    ]


def test_several_defaults_name_all_files(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.conf": conf("default = true\n"),
            "b.conf": conf("default = yes\n"),
            "c.conf": conf("default = false\n"),
            "d.conf": conf("default = 1\n"),
        },
    )
    assert problems_of([tmp_path]) == (
        f"{tmp_path}/b.conf:11 [runtime] default: more than one runtime is marked default: "
        f"a ({tmp_path}/a.conf), b ({tmp_path}/b.conf), d ({tmp_path}/d.conf); mark only one"
    )


def test_empty_registry_lists_dirs_and_hints(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    assert problems_of([tmp_path, missing], explicit=False) == (
        f"no Python runtime is defined in {tmp_path}, {missing}; "
        "hint: run 'rpm-pyconfig probe --all --write /etc/rpm-pyconfig.d'"
    )


def test_all_masked_is_an_empty_registry(tmp_path: Path) -> None:
    write(tmp_path, {"a.conf": ""})
    assert problems_of([tmp_path]).startswith(f"no Python runtime is defined in {tmp_path};")


def test_only_a_registry_with_nothing_wrong_and_no_runtime_is_a_no_runtime_error(
    tmp_path: Path
) -> None:
    """NoRuntimeError lets a command that can do without runtimes (spec) tell "none here"
    from a registry with something wrong in it, which stays a plain ConfigError."""
    with pytest.raises(NoRuntimeError):
        load_registry([str(tmp_path)], explicit=True)
    write(tmp_path, {"a.conf": "[runtime]\nname = a\n"})
    with pytest.raises(ConfigError) as info:
        load_registry([str(tmp_path)], explicit=True)
    assert not isinstance(info.value, NoRuntimeError)
    with pytest.raises(ConfigError) as info:
        load_registry([str(tmp_path / "missing")], explicit=True)
    assert not isinstance(info.value, NoRuntimeError)


def test_explicit_missing_directory_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "ok", {"python3.conf": conf()})
    typo = tmp_path / "typo"
    assert problems_of([tmp_path / "ok", typo]) == f"{typo}: configuration directory does not exist"


def test_default_missing_directories_are_skipped(tmp_path: Path) -> None:
    write(tmp_path / "ok", {"python3.conf": conf()})
    registry = load_registry([str(tmp_path / "missing"), str(tmp_path / "ok")], explicit=False)
    assert registry.names == ("python3",)
    assert registry.dirs == (str(tmp_path / "ok"),)


def test_a_file_is_not_a_directory(tmp_path: Path) -> None:
    write(tmp_path, {"file": "x"})
    assert (
        problems_of([tmp_path / "file"], explicit=False) == f"{tmp_path}/file: is not a directory"
    )


# -- discovery, masking, overriding --------------------------------------------------------


def test_distro_and_admin_fixture() -> None:
    distro, admin = DATA / "distro", DATA / "admin"
    registry = load(distro, admin)
    assert registry.names == ("python3", "python3.12", "local")
    assert registry.dirs == (str(distro), str(admin))
    assert registry.files == (
        f"{admin}/local.conf",
        f"{admin}/python3.12.conf",
        f"{distro}/python3.conf",
    )
    assert registry.masked == (f"{admin}/pypy3.conf", f"{admin}/python3-debug.conf")
    overridden = registry.get("python3.12")
    assert overridden is not None
    assert overridden.interpreter == "/opt/python3.12/bin/python3.12"
    assert overridden.origin == f"{admin}/python3.12.conf"
    assert registry.default.name == "python3"


def test_distro_fixture_alone() -> None:
    registry = load(DATA / "distro")
    assert registry.names == ("python3", "python3.12", "python3-debug", "pypy3")
    assert [rt.script_suffix for rt in registry] == ["", "-python3.12", "-python3-debug", "-pypy3"]
    assert [rt.priority for rt in registry] == [10, 20, 30, 50]


def test_only_conf_files_and_no_hidden_ones(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "python3.conf": conf(),
            ".hidden.conf": "broken",
            "python3.conf.rpmnew": "broken",
            "README": "broken",
            "x.conf~": "broken",
        },
    )
    assert load(tmp_path).names == ("python3",)


def test_later_directory_replaces_same_file_name(tmp_path: Path) -> None:
    write(tmp_path / "a", {"python3.conf": conf(), "other.conf": conf("name = other\n")})
    write(tmp_path / "b", {"python3.conf": conf(replace={"version": "3.12.1"})})
    registry = load(tmp_path / "a", tmp_path / "b")
    python3 = registry.get("python3")
    assert python3 is not None
    assert python3.version == "3.12.1"
    assert python3.origin == f"{tmp_path}/b/python3.conf"
    assert registry.files == (f"{tmp_path}/a/other.conf", f"{tmp_path}/b/python3.conf")


def test_a_broken_file_masked_later_is_not_read(tmp_path: Path) -> None:
    write(tmp_path / "a", {"python3.conf": conf(), "bad.conf": "garbage"})
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "bad.conf").symlink_to("/dev/null")
    assert load(tmp_path / "a", tmp_path / "b").names == ("python3",)


def test_whitespace_only_file_masks(tmp_path: Path) -> None:
    write(tmp_path / "a", {"python3.conf": conf(), "pypy3.conf": conf()})
    write(tmp_path / "b", {"pypy3.conf": "\n  \n"})
    registry = load(tmp_path / "a", tmp_path / "b")
    assert registry.names == ("python3",)
    assert registry.masked == (f"{tmp_path}/b/pypy3.conf",)


def test_crlf_and_bom_are_accepted(tmp_path: Path) -> None:
    write(tmp_path, {"python3.conf": "\ufeff" + conf().replace("\n", "\r\n")})
    python3 = load(tmp_path).default
    assert python3.cache_tag == "cpython-311"


# -- resolution ----------------------------------------------------------------------------


def test_order_is_priority_then_name_and_first_is_default(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "b.conf": conf("priority = 5\n"),
            "a.conf": conf("priority = 5\n"),
            "c.conf": conf("priority = -1\n"),
            "d.conf": conf(),
        },
    )
    registry = load(tmp_path)
    assert registry.names == ("c", "a", "b", "d")
    assert [rt.priority for rt in registry] == [-1, 5, 5, 50]
    assert registry.default.name == "c"
    assert [rt.default for rt in registry] == [True, False, False, False]
    assert [rt.script_suffix for rt in registry] == ["", "-a", "-b", "-d"]


def test_marked_default_wins_over_order(tmp_path: Path) -> None:
    write(tmp_path, {"a.conf": conf("priority = 1\n"), "z.conf": conf("default = On\n")})
    registry = load(tmp_path)
    assert registry.default.name == "z"
    assert [(rt.name, rt.default, rt.script_suffix) for rt in registry] == [
        ("a", False, "-a"),
        ("z", True, ""),
    ]


def test_explicit_script_suffix_is_kept(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.conf": conf("script_suffix = -3.11\n"),
            "b.conf": conf("script_suffix =\n"),
        },
    )
    registry = load(tmp_path)
    assert [(rt.name, rt.default, rt.script_suffix) for rt in registry] == [
        ("a", True, "-3.11"),
        ("b", False, ""),
    ]


def test_values_are_typed_and_derived(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "python3-debug.conf": conf(
                "abiflags = d\ndebug = TRUE\nfree_threaded = off\npriority = +30\n",
                replace={"package_prefix": "python3-debug"},
            )
        },
    )
    rt = load(tmp_path).default
    assert rt == Runtime(
        name="python3-debug",
        implementation="cpython",
        version="3.11.2",
        interpreter="/usr/bin/python3.11",
        package_prefix="python3-debug",
        purelib="/usr/lib/python3/dist-packages",
        platlib="/usr/lib/python3/dist-packages",
        soabi="cpython-311-x86_64-linux-gnu",
        ext_suffix=".cpython-311-x86_64-linux-gnu.so",
        cache_tag="cpython-311",
        abiflags="d",
        debug=True,
        free_threaded=False,
        default=True,
        priority=30,
        abi_requires="/usr/bin/python3.11",
        dist_prefix="python3",
        versioned_dist_prefix="python3.11",
        script_suffix="",
        origin=f"{tmp_path}/python3-debug.conf",
    )


def test_registry_api(tmp_path: Path) -> None:
    write(tmp_path, {"python3.conf": conf("priority = 10\n"), "pypy3.conf": conf()})
    registry = load(tmp_path)
    assert registry.get("pypy3") is registry.runtimes[1]
    assert registry.get("nope") is None
    assert "python3" in registry
    assert len(registry) == 2
    assert list(registry) == list(registry.runtimes)
    assert repr(registry) == "Registry(['python3', 'pypy3'], default='python3')"
    with pytest.raises(AttributeError):
        registry.default = registry.runtimes[1]


def test_registry_constructor_checks_invariants() -> None:
    rt = Runtime(
        name="a", implementation="cpython", version="3.11", interpreter="/usr/bin/python3",
        package_prefix="python3", purelib="/p", platlib="/p", soabi="s", ext_suffix=".so",
        cache_tag="c",
    )  # fmt: skip
    with pytest.raises(ValueError, match="exactly one runtime must be the default"):
        Registry([rt])
    with pytest.raises(ValueError, match="duplicate runtime name 'a'"):
        Registry([rt.replace(default=True), rt])
    assert Registry([rt.replace(default=True)]).names == ("a",)


# -- search path ---------------------------------------------------------------------------


def test_search_path_default() -> None:
    assert search_path(None, {}) == (list(DEFAULT_SEARCH_PATH), False)
    assert search_path([], {"RPM_PYCONFIG_PATH": ""}) == (list(DEFAULT_SEARCH_PATH), False)
    assert search_path(None, {"RPM_PYCONFIG_PATH": "::"}) == (list(DEFAULT_SEARCH_PATH), False)


def test_search_path_environment() -> None:
    environ = {"RPM_PYCONFIG_PATH": ":/a::/b:"}
    assert search_path(None, environ) == (["/a", "/b"], True)


def test_search_path_confdir_wins() -> None:
    environ = {"RPM_PYCONFIG_PATH": "/a"}
    assert search_path(["/c", "/d"], environ) == (["/c", "/d"], True)


def test_search_path_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RPM_PYCONFIG_PATH", "/from/env")
    assert search_path() == (["/from/env"], True)


def test_environment_directory_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    dirs, explicit = search_path(None, {"RPM_PYCONFIG_PATH": f"{tmp_path}/nope"})
    with pytest.raises(ConfigError) as info:
        load_registry(dirs, explicit=explicit)
    assert str(info.value) == f"{tmp_path}/nope: configuration directory does not exist"


# -- many drop-ins ------------------------------------------------------------------------


def test_hundred_drop_ins_load(tmp_path: Path) -> None:
    """How fast is benchmarks/registry_load.py's business (a ratio, never a timed test)."""
    write(tmp_path, {f"rt{i:03}.conf": conf(f"priority = {i % 7}\n") for i in range(100)})
    registry = load(tmp_path)
    assert len(registry) == 100
    assert registry.names == tuple(sorted(registry.names, key=lambda n: (int(n[2:]) % 7, n)))
    assert registry.default.name == "rt000"


# -- hostile drop-ins -----------------------------------------------------------------------


def test_a_fifo_drop_in_does_not_hang(tmp_path: Path) -> None:
    """A FIFO named x.conf used to block every spec parse forever."""
    write(tmp_path, {"good.conf": conf()})
    os.mkfifo(tmp_path / "x.conf")
    started = time.monotonic()
    assert problems_of([tmp_path]) == (
        f"{tmp_path}/x.conf: cannot read file: not a regular file (a FIFO, a device, a socket?)"
    )
    assert time.monotonic() - started < 5


def test_a_drop_in_linked_to_dev_zero_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"good.conf": conf()})
    (tmp_path / "zero.conf").symlink_to("/dev/zero")
    assert "zero.conf: cannot read file: not a regular file" in problems_of([tmp_path])


def test_a_huge_drop_in_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"big.conf": conf() + "#" * (2 << 20) + "\n"})
    assert problems_of([tmp_path]) == f"{tmp_path}/big.conf: cannot read file: larger than " \
        "1048576 bytes"


def test_dev_null_still_masks(tmp_path: Path) -> None:
    write(tmp_path / "a", {"x.conf": conf()})
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.conf").symlink_to(os.devnull)
    write(tmp_path / "b", {"y.conf": conf(replace={"name": "y"})})
    assert [rt.name for rt in load(tmp_path / "a", tmp_path / "b").runtimes] == ["y"]


@pytest.mark.parametrize(
    "path", ["/opt/$(touch${IFS}x)/python3", "/opt/`id`/python3", "/opt/it's/python3",
             '/opt/"q"/python3', "/opt/back\\slash/python3", "/opt/$HOME/python3"],
)
def test_paths_with_shell_syntax_are_refused(tmp_path: Path, path: str) -> None:
    """--exe substitutes paths into shell commands, also inside double quotes."""
    write(tmp_path, {"x.conf": conf(replace={"interpreter": path})})
    assert problems_of([tmp_path]) == (
        f"{tmp_path}/x.conf:4 [runtime] interpreter: must not contain $, `, \\ or quotes (a "
        f"shell reads them even inside quotes), got {path!r}"
    )


@pytest.mark.parametrize("flags", ["-sP", "-s", "-I", "-sPE", ""])
def test_shebang_flags_accepted(tmp_path: Path, flags: str) -> None:
    write(tmp_path, {"x.conf": conf(f"shebang_flags = {flags}\n")})
    assert load(tmp_path).runtimes[0].shebang_flags == flags


@pytest.mark.parametrize(
    "flags", ["sP", "-", "-s -P", "-x", "-c", "-m", "-W", "-X", "-h", "-s$(id)", "--", "-sP;"],
)
def test_shebang_flags_refused(tmp_path: Path, flags: str) -> None:
    """One word of options without a value: the kernel passes the rest of the #! line as a
    single argument, and -x, -c, -m would change what the command runs."""
    write(tmp_path, {"x.conf": conf(f"shebang_flags = {flags}\n")})
    assert "shebang_flags: must be '-' and options that take no argument" in problems_of(
        [tmp_path]
    )


def test_devel_requires_is_one_rpm_dependency(tmp_path: Path) -> None:
    """devel_requires lands in BuildRequires and in %generate_buildrequires' output lines,
    where rpm splits at commas and blanks: one dependency, or nothing."""
    good = ["/usr/include/python3.11/Python.h", "python3-devel", "python3-devel >= 3.11",
            "pkgconfig(python-3.11)", "/x/%{y}$(z)'\"\\"]
    for index, value in enumerate(good):
        write(tmp_path / f"good{index}", {"py.conf": conf(f"devel_requires = {value}\n")})
        assert load(tmp_path / f"good{index}").runtimes[0].devel_requires == value
    write(tmp_path / "empty", {"py.conf": conf("devel_requires =\n")})
    assert load(tmp_path / "empty").runtimes[0].devel_requires == ""
    for index, value in enumerate(["a, b", "a b", "-x", "(a with b)", "a >= ", "a ~ 1"]):
        write(tmp_path / f"bad{index}", {"py.conf": conf(f"devel_requires = {value}\n")})
        message = problems_of([tmp_path / f"bad{index}"])
        assert "[runtime] devel_requires: must be one rpm dependency" in message, message
        assert repr(value.strip()) in message
