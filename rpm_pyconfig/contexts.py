"""What each family of templates reads: typed contexts, every value given.

Templates run under ``StrictUndefined``, so a value must never be missing by accident: the
context of a template family names every value it has, with its default, and turns text
into what the templates use (lists split, flags decided) here, in Python, once.
:data:`STANZA_VALUES` is the one table of the shipped stanzas' values: ``StanzaContext``
reads it, ``stanzas.py`` exports it to the generated Lua (the parse-time evaluator builds
the same context from it) and ``macros.pyconfig`` asks rpm for each value through the
macro text it names.  Templates also see ``runtimes``, ``relies_on``, ``owners`` and
``layout`` (the ``_pyconfig/`` work tree, ``worktree.LAYOUT``), which ``rendering.render``
adds for every family.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._record import Record

__all__ = ["KINDS", "STANZA_VALUES", "AppContext", "SpecContext", "StanzaContext",
           "TemplateContext", "Value"]

#: How a value's text becomes what templates read (the Lua side mirrors each one):
#: text as it is; trimmed: without surrounding white space; words: split on white space;
#: items: comma-separated, each trimmed, empty ones dropped; flag: true unless empty or 0.
KINDS = ("text", "trimmed", "words", "items", "flag")


class Value(Record):
    """One value of the shipped stanzas: its name, kind, default and rpm macro text."""

    __slots__ = ("default", "kind", "macro", "name")
    _compared = __slots__

    name: str
    kind: str
    #: None: required (a template that reads it fails naming it when nobody gave it).
    default: str | None
    #: What ``%pyconfig_NAME`` macros expand for it; None: a value of one call only.
    macro: str | None

    def __init__(self, name: str, kind: str, default: str | None, macro: str | None) -> None:
        if kind not in KINDS:
            raise ValueError(f"{name}: unknown kind {kind!r}")
        self._fill({"name": name, "kind": kind, "default": default, "macro": macro})

    def convert(self, value: object) -> object:
        """*value* (text, or already what templates read) as templates read it."""
        if not isinstance(value, str):
            return value  # a caller's typed value: a list, a bool
        if self.kind == "trimmed":
            return value.strip()
        if self.kind == "words":
            return value.split()
        if self.kind == "items":
            return [item.strip() for item in value.split(",") if item.strip()]
        if self.kind == "flag":
            return value.strip() not in ("", "0")
        return value


#: The values of the shipped stanzas, in the order the macros pass them to the tool.
STANZA_VALUES = (
    Value("pkgname", "text", None, "%{?pyconfig_name}"),
    Value("distname", "text", "", "%{?pyconfig_distname}"),
    Value("summary", "text", "", "%{?pyconfig_summary}"),
    Value("doc", "text", "", "%{?pyconfig_doc}"),
    Value("modules", "words", None, "%{?pyconfig_modules}"),
    Value("requires_each", "items", "", "%{?pyconfig_requires}"),
    Value("requires_dist", "text", "", "%{?pyconfig_requires_dist}"),
    Value("extras", "words", "", "%{?pyconfig_extras}"),
    Value("build_requires", "text", "", "%{?pyconfig_build_requires}"),
    Value("unversioned", "text", "", "%{?pyconfig_unversioned}"),
    Value("compiled", "flag", "", "%{?pyconfig_compiled}"),
    Value("noarch", "flag", "", "%{?pyconfig_noarch}"),
    Value("test_requires", "text", "", "%{?pyconfig_test_requires}"),
    Value("check_exclude", "words", "", "%{?pyconfig_check_exclude}"),
    Value("test_command", "words", "pytest", "%{?pyconfig_test_command}"),
    Value("test_extras", "words", "", "%{?pyconfig_test_extras}"),
    Value("version_evr", "text", "", "%{?epoch:%{epoch}:}%{?version}"),
    Value("test_args", "trimmed", "", None),  # %pyconfig_test's words after --
    Value("generated", "flag", "", None),  # %pyconfig_generate_buildrequires
    Value("embed_registry", "flag", "", None),  # static specs carry their runtimes
    Value("tool", "text", "rpm-pyconfig", None),
    Value("selection_args", "text", None, None),  # the caller's selection, for %install
)


class TemplateContext(Record):
    """The values one template family reads, as a mapping of top-level names."""

    __slots__ = ()

    def mapping(self) -> dict[str, Any]:
        raise NotImplementedError


class StanzaContext(TemplateContext):
    """The shipped stanzas' values (:data:`STANZA_VALUES`), and any others a packager's own
    template reads (``render --set``), which pass as they are."""

    __slots__ = ("values",)
    _compared = __slots__

    values: dict[str, object]

    def __init__(self, given: Mapping[str, object] | None = None) -> None:
        given = dict(given or {})
        values: dict[str, object] = {}
        for value in STANZA_VALUES:
            raw = given.pop(value.name, value.default)
            if raw is not None:
                values[value.name] = value.convert(raw)
        values.update(given)
        self._fill({"values": values})

    def mapping(self) -> dict[str, Any]:
        return dict(self.values)


class SpecContext(TemplateContext):
    """A whole spec (``spec.j2``): the stanzas' values (a static spec includes the stanzas)
    and the spec's own, which ``specgen`` decides."""

    __slots__ = ("spec", "stanza")
    _compared = __slots__

    stanza: StanzaContext
    spec: dict[str, object]

    #: The spec's own values, each one given (``specgen.generate_spec``).
    FIELDS = ("meta", "pypi_name", "pypi_version", "test", "extra_buildrequires",
              "rpm_version", "summary_macro", "description", "license", "url", "source_url",
              "source_name", "source_comment", "source_kind", "archive_dir", "warnings",
              "notes", "static", "declarative", "select", "tool_version", "changelog_date",
              "test_calls")

    def __init__(self, stanza: StanzaContext, **spec: object) -> None:
        missing = [name for name in self.FIELDS if name not in spec]
        unknown = [name for name in spec if name not in self.FIELDS]
        if missing or unknown:
            raise TypeError(f"SpecContext: missing {missing}, unknown {unknown}")
        self._fill({"stanza": stanza, "spec": spec})

    def mapping(self) -> dict[str, Any]:
        return {**self.stanza.mapping(), **self.spec}


class AppContext(TemplateContext):
    """An application spec (``app.j2``), every value decided by ``application``."""

    __slots__ = ("values",)
    _compared = __slots__

    values: dict[str, object]

    FIELDS = ("tool_version", "app", "package", "rpm_version", "release", "summary",
              "license", "url", "description", "pyapp_python", "pyapp_root",
              "pyapp_root_regex", "runtime", "stdlib", "main", "artifacts", "source_urls",
              "helper", "helper_sha256", "build_requires", "compiled", "binary_so", "commands",
              "configs", "config_sha256", "warnings", "changelog_date")

    def __init__(self, **values: object) -> None:
        missing = [name for name in self.FIELDS if name not in values]
        unknown = [name for name in values if name not in self.FIELDS]
        if missing or unknown:
            raise TypeError(f"AppContext: missing {missing}, unknown {unknown}")
        self._fill({"values": values})

    def mapping(self) -> dict[str, Any]:
        return dict(self.values)

