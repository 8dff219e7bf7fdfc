"""The ``_pyconfig/`` work tree is spelled once: templates, generated Lua and macros agree."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from rpm_pyconfig import stanzas, worktree
from rpm_pyconfig._commands import COMMANDS
from rpm_pyconfig.compiled import _lua
from rpm_pyconfig.runtime import Runtime

REPO = Path(__file__).resolve().parent.parent


def test_every_directory_is_below_the_root() -> None:
    for key in ("src", "wheels", "stage", "files", "registry"):
        assert worktree.LAYOUT[key].startswith(worktree.ROOT + "/"), key


def test_wheels_from_src_is_the_wheels_directory_seen_from_a_copy_of_the_sources() -> None:
    """%build runs pip wheel inside SRC/NAME: its --wheel-dir must land in WHEELS."""
    seen_from = worktree.srcdir("pypy3")
    landed = posixpath.normpath(posixpath.join(seen_from, worktree.LAYOUT["wheels_from_src"]))
    assert landed == worktree.WHEELS


def test_runtime_srcdir_is_the_work_trees(pypy: Runtime) -> None:
    assert pypy.srcdir == f"{worktree.SRC}/{pypy.name}"


def test_generated_lua_carries_the_layout() -> None:
    """The parse-time stanzas read pyconfig.layout, written from worktree.LAYOUT."""
    text = Path(stanzas.OUTPUT).read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("P.layout = "))
    assert line == "P.layout = {" + ", ".join(
        f"[{_lua(key)}] = {_lua(path)}" for key, path in worktree.LAYOUT.items()) + "}"


def test_macros_filelist_is_the_work_trees() -> None:
    macros = (REPO / "macros" / "macros.pyconfig").read_text(encoding="utf-8")
    found = re.search(r"^%pyconfig_filelist\(\) (\S+)$", macros, re.MULTILINE)
    assert found is not None
    assert found.group(1) == f"{worktree.FILES}/%{{1}}{worktree.FILES_SUFFIX}"


def test_install_defaults_are_the_work_trees() -> None:
    install = next(command for command in COMMANDS if command.name == "install")
    defaults = {option.flags[-1]: option.default for option in install.options}
    assert defaults["--stage"] == worktree.STAGE
    assert defaults["--filelists"] == worktree.FILES


def test_templates_spell_no_work_tree_path() -> None:
    """Templates name the work tree only through `layout`."""
    for template in sorted((REPO / "templates").glob("*.j2")):
        body = re.sub(r"\{#.*?#\}", "", template.read_text(encoding="utf-8"), flags=re.DOTALL)
        assert worktree.ROOT not in body, template.name
        assert "../" not in body, template.name
