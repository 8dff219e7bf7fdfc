"""The ``_pyconfig/`` work tree a build keeps beside the unpacked sources: one spelling.

%prep copies the sources per runtime into ``src/NAME``, %build writes each runtime's wheel
to ``wheels/NAME``, ``install`` installs it in ``stage/NAME`` (pypa/installer) and writes the
``%files`` lists to ``files/NAME.files``.  Templates get these as ``layout`` (:data:`LAYOUT`),
the generated Lua as ``pyconfig.layout`` (``stanzas.py`` writes it from here), the command's
defaults and ``Runtime.srcdir`` from the constants; ``%pyconfig_filelist`` in the macros
file spells :data:`FILES` too, which ``tests/test_worktree.py`` checks.

Imported on every spec parse (``Runtime.srcdir``): no imports.
"""

from __future__ import annotations

__all__ = ["FILES", "FILES_SUFFIX", "LAYOUT", "REGISTRY", "ROOT", "SRC", "STAGE", "WHEELS",
           "srcdir"]

#: The work tree, relative to the unpacked sources (%prep leaves it out of each copy).
ROOT = "_pyconfig"
#: A copy of the sources per runtime: SRC/NAME.
SRC = f"{ROOT}/src"
#: The wheel each runtime builds: WHEELS/NAME/*.whl.
WHEELS = f"{ROOT}/wheels"
#: Where ``install`` installs each wheel before placing it: STAGE/NAME (``install --stage``).
STAGE = f"{ROOT}/stage"
#: The ``%files`` list of each runtime: FILES/NAME.files (``install --filelists``).
FILES = f"{ROOT}/files"
FILES_SUFFIX = ".files"
#: The runtimes a static spec carries (``--confdir`` of its %install).
REGISTRY = f"{ROOT}/registry"


def srcdir(name: str, root: str = SRC) -> str:
    """The copy of the sources of the runtime *name* (below *root*, ``--srcdir``)."""
    return f"{root}/{name}"


def _up_to_root(path: str) -> str:
    """``..`` once per directory of *path* below ROOT: from there back up to ROOT."""
    depth = path.count("/") + 1 - ROOT.count("/") - 1
    return "/".join([".."] * depth)


#: What templates and the generated Lua call the directories.  ``wheels_from_src``: WHEELS
#: as seen from a runtime's SRC/NAME, where %build runs ``pip wheel``.
LAYOUT: dict[str, str] = {
    "root": ROOT,
    "src": SRC,
    "wheels": WHEELS,
    "wheels_from_src": f"{_up_to_root(srcdir('NAME'))}/{WHEELS[len(ROOT) + 1:]}",
    "stage": STAGE,
    "files": FILES,
    "files_suffix": FILES_SUFFIX,
    "registry": REGISTRY,
}
