"""Tests of rpm_pyconfig.spectext: each producer against what rpm 4.18 really does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rpm_pyconfig import spectext
from rpm_pyconfig.errors import MetadataError
from tests.rpmtools import have_rpm_tools, run

TEXT = "100% %{x} %(y) \\ a\\%{ b\\"


def test_line_doubles_percent_and_guards_backslashes() -> None:
    assert spectext.line("50% %{x} a\\b") == "50%% %%{x} a\\%{?nil}b"
    assert isinstance(spectext.line("x"), spectext.SpecText)
    assert spectext.line(spectext.syntax("%{version}")) == "%{version}"  # already spec text


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\x00b", "\x1b[0m", "a\u2028b"])
def test_line_refuses_line_breaks_and_control_characters(value: str) -> None:
    with pytest.raises(MetadataError) as caught:
        spectext.line(value, field="F [project] description")
    assert str(caught.value).startswith("F [project] description: must not contain")
    assert str(caught.value).endswith(f"got {value!r}")


def test_define_lines_refuses_lines_rpm_would_read_as_syntax() -> None:
    for bad in ("%post", "  %if 1", "# comment", "\t#x"):
        with pytest.raises(MetadataError, match="must not start with '%' or '#'"):
            spectext.define_lines(["ok", bad], field="F")


def test_macro_arguments_are_shell_words_rpm_leaves_alone() -> None:
    """The words after %pyconfig_test: kept as written (balanced quotes), stripped; refused
    with the option's name when rpm would read them as syntax or the shell cannot split them."""
    words = "--where \"implementation_name != 'pypy'\" -- -k 'not slow' --deselect a.py::b[x-1]"
    assert spectext.macro_arguments(f" {words} ", field="--test-call") == words
    for bad, reason in (("-- -k 'x", "is not shell words"), ("-- 100%", "must not contain '%'"),
                        ("-- a\\", "must not contain '%' or '\\'"), ("  ", "must not be empty"),
                        ("-- a\nb", "must not contain a newline")):
        with pytest.raises(MetadataError) as caught:
            spectext.macro_arguments(bad, field="--test-call")
        assert str(caught.value).startswith(f"--test-call: {reason}"), caught.value


def test_macro_arguments_refuse_what_rpm_word_splitting_changes() -> None:
    """rpm splits a parametric macro's arguments on whitespace and %pyconfig_test joins them
    with single spaces, then cuts at the first word --: inside quotes a tab or a run of
    spaces, and a quoted --, would reach the test command changed or cut in the wrong place.
    Outside quotes the same whitespace is only a separator, and a single space is kept."""
    for fine in ("-- -k 'not slow'", "-- -k 'not slow'  -x\t-v", "--where \"a == 'b'\" -- -v",
                 "-- -k ' x'", "-- -k 'x '  "):
        assert spectext.macro_arguments(fine, field="--test-call") == fine.strip()
    spaces = "must not have a tab or a run of spaces inside quotes"
    quoted = "must not have a quoted --"
    for bad, reason in (("-- -k 'not  slow'", spaces), ("-- -k 'not\tslow'", spaces),
                        ('-- -k "a \t b"', spaces),
                        ("-k \"a -- b\" -- x", quoted), ("'--' -- -v", quoted),
                        ('-- -v "--"', quoted)):
        with pytest.raises(MetadataError) as caught:
            spectext.macro_arguments(bad, field="--test-call")
        assert str(caught.value).startswith(f"--test-call: {reason}"), caught.value
        assert repr(bad) in str(caught.value)


@pytest.mark.parametrize("value", ["a\\b", "{x", "x}"])
def test_expand_lines_refuses_what_brace_matching_reads(value: str) -> None:
    with pytest.raises(MetadataError, match="must not contain"):
        spectext.expand_lines(["ok", value], field="F")


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (spectext.name, ["a", "A.b_c-9"], ["", "-a", "a-", "a b", "a\n", "a%b", "ä"]),
        (spectext.extra, ["cli", "a-b"], ["a b", "x%(id)", "a{"]),
        (spectext.version, ["1.0", "1!2.0.post1+local"], ["1.0 ", "1.0\n", "1%2"]),
        (spectext.filename, ["x-1.0.tar.gz", "x-1!2.tar.gz"], ["..", ".", "a/b", "a b", "-x",
                                                              "a'b", "a$(id)"]),
        (spectext.url, ["https://e.com/a%20b?q=1#f", "http://e.com"],
         ["https://e.com/a b", "https://e.com/%", "https://e.com/%zz", "ftp://e.com",
          "https://e.com/{x}", "https://e.com/a\\b", "https://e.com/\n%post"]),
        (spectext.license_expression, ["MIT", "(MIT OR Apache-2.0) AND BSD-3-Clause"],
         ["MIT %(id)", "MIT\n", "MIT  OR X", "a{"]),
    ],
)
def test_field_grammars(check: object, good: list[str], bad: list[str]) -> None:
    for value in good:
        assert check(value, field="F") == spectext.line(value)  # type: ignore[operator]
    for value in bad:
        with pytest.raises(MetadataError) as caught:
            check(value, field="F")  # type: ignore[operator]
        assert str(caught.value).startswith("F: ") and repr(value) in str(caught.value)


def test_paragraph_starts_no_line_with_a_directive() -> None:
    words = "x" * 70 + " %post #c " + "y" * 75 + " %%z"
    assert spectext.paragraph(words, lead="-") == ["x" * 70 + " %post #c", "y" * 75 + " %%z"]
    assert spectext.paragraph("%if 1 b", lead="name:") == ["name: %if 1 b"]
    assert spectext.paragraph(" ".join(["w"] * 40), lead="-", width=10) == ["w w w w w"] * 8
    assert spectext.paragraph("", lead="-") == []
    assert spectext.paragraph("x" * 100 + " y %z", lead="-") == ["x" * 100, "y %z"]
    with pytest.raises(MetadataError, match="a line must not start with '%' or '#'"):
        spectext.paragraph("%a b", lead="%lead")  # a lead is our own text: never so


def test_comment_shows_control_characters() -> None:
    assert spectext.comment("a\nb %x") == "a\\%{?nil}x0ab %%x"


def test_join_takes_only_spec_text() -> None:
    assert spectext.join([spectext.line("a"), spectext.line("b")], " ") == "a b"
    with pytest.raises(TypeError):
        spectext.join(["plain"])  # type: ignore[list-item]


@pytest.mark.rpm
def test_expansions_of_each_landing_spot(tmp_path: Path) -> None:
    """Each producer's escaping meets exactly the expansions rpm applies where it lands."""
    if not have_rpm_tools():
        if os.environ.get("CI") == "true":
            pytest.fail("rpmspec is missing (CI=true)")
        pytest.skip("rpmspec not installed")
    spec = tmp_path / "spots.spec"
    probe = tmp_path / "spots.out"
    hostile_comment = spectext.comment(f"c %(touch {tmp_path}/MARKER) \\")
    spec.write_text(
        "Name: spots\nVersion: 1\nRelease: 1\nLicense: MIT\n"
        f"Summary: {spectext.line(TEXT)}\n"
        f"%global one {spectext.define_value(TEXT)}\n"
        f"%global braced {spectext.define_value('{x} %{y} }')}\n"
        f"%global many %{{expand:\n{spectext.expand_lines(['a 100%', 'b %(x) %%'])}}}\n"
        f"%global _description \\\n{spectext.define_lines([TEXT, 'more ' + TEXT])}\n"
        "%description %_description\n"
        f"# {hostile_comment}\n"
        "%{lua: local f = io.open(rpm.expand('%{probe}'), 'w'); "
        "f:write(rpm.expand('%{one}'), '\\0', rpm.expand('%{many}'), '\\0', "
        "rpm.expand('%{braced}')); f:close()}\n",
        encoding="utf-8",
    )
    got = run(["rpmspec", "-q", "--qf", "%{SUMMARY}@@SEP@@%{DESCRIPTION}", "--define",
               f"probe {probe}", str(spec)], dict(os.environ))
    assert got.returncode == 0, got.stderr
    summary, description = got.stdout.split("@@SEP@@")
    assert summary == TEXT  # a tag: 1 expansion
    assert description == f"{TEXT}\nmore {TEXT}"  # %global + %_description: 2
    one, many, braced = probe.read_text(encoding="utf-8").split("\0")
    assert one == TEXT  # %global, then rpm.expand: 2
    assert braced == "{x} %{y} }"  # a leading brace is no {...} grouping
    assert many == "\na 100%\nb %(x) %%"  # %global %{expand:}, then rpm.expand: 3
    assert not (tmp_path / "MARKER").exists()  # comments are expanded once, inertly


@pytest.mark.parametrize("module", ["_pytest", "zope.interface", "a", "A_1.b_2"])
def test_module_takes_import_names(module: str) -> None:
    assert spectext.module(module, field="import names") == module


@pytest.mark.parametrize("module", ["9x", "a-b", "a..b", "a.", "%{x}", "a\n", "é"])
def test_module_refuses_what_is_no_import_name(module: str) -> None:
    with pytest.raises(MetadataError, match="invalid import name"):
        spectext.module(module, field="import names")


@pytest.mark.parametrize("value", [
    "python3.11dist(foo[bar]) >= 1",
    "(python3.11dist(foo) >= 2.4.8 with python3.11dist(foo) < 2.5)",
    "(pypy3.9dist(x) < 1~~ or pypy3.9dist(x) > 2^post1)",
    "python3.11dist(x) = 1:2",
])
def test_generated_dependency_takes_converted_requirements(value: str) -> None:
    assert spectext.generated_dependency(value) == value


@pytest.mark.parametrize("value", ["a%b", "a\nb", "a  b", " a", "'x'", "x{y}", "a\\b", "a$b",
                                   "a;b", "a`b`", ""])
def test_generated_dependency_refuses_anything_else(value: str) -> None:
    """What %generate_buildrequires prints is read literally as one dependency: nothing a
    macro, a shell or rpm's line reader would see, even though none of it is expanded."""
    with pytest.raises(MetadataError) as raised:
        spectext.generated_dependency(value, field="f")
    assert str(raised.value) == f"f: not an rpm dependency made from a requirement, got {value!r}"


@pytest.mark.rpm
@pytest.mark.skipif(not have_rpm_tools(), reason="rpmspec not installed")
def test_rpm_changes_what_macro_arguments_refuses(tmp_path: Path) -> None:
    """Why: with the real rpm and macros, %pyconfig_test's words reach the test command
    with quoted runs of whitespace and tabs squeezed to one space, and a quoted -- cuts the
    line there; what macro_arguments accepts reaches it as written."""
    from tests.rpmtools import macros_options, probe_registry, tool_env

    accepted = "-k 'not slow' --deselect a.py::b[x-1] -x"
    lines = {"squeezed": "-- -k 'not  slow' -x 'a\tb'", "cut": '-k "a -- b" -- -v',
             "kept": f"-- {accepted}"}
    env = tool_env(probe_registry(tmp_path / "registry"))
    parsed = {}
    for key, line in lines.items():
        spec = tmp_path / f"{key}.spec"
        spec.write_text("Name: t\nVersion: 1\nRelease: 1\nSummary: t\nLicense: MIT\n"
                        f"%description\nt\n%check\n%pyconfig_test {line}\n", encoding="utf-8")
        parsed[key] = run(["rpmspec", "-P", *macros_options(), str(spec)], env)
    for key in ("squeezed", "kept"):
        assert parsed[key].returncode == 0, parsed[key].stderr
        calls = [text for text in parsed[key].stdout.splitlines() if "run_module" in text]
        assert calls, parsed[key].stdout
        wanted = " pytest -k 'not slow' -x 'a b') || " if key == "squeezed" else \
            f" pytest {accepted}) || "
        assert all(wanted in call for call in calls), (key, calls)
    # the quoted -- was the separator: the options left are an unbalanced "-k "a"
    assert parsed["cut"].returncode != 0
    assert "--set 'test_args=b\" -- -v' -k \"a" in parsed["cut"].stderr, parsed["cut"].stderr
    for key in ("squeezed", "cut"):
        with pytest.raises(MetadataError):
            spectext.macro_arguments(lines[key], field="--test-call")
    assert spectext.macro_arguments(lines["kept"], field="--test-call") == lines["kept"]
