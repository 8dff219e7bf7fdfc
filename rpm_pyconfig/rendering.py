"""The one Jinja environment: multi-runtime spec stanzas from templates.

Templates ship inside the package (``rpm_pyconfig.templates``) and are loaded as
resources.  Rendered text is spec text that rpm expands again, so a template may print
only :class:`~rpm_pyconfig.spectext.SpecText` (and integers): ``finalize`` refuses plain
strings, and the filters ``literal`` (one line of text, made inert) and ``sh`` (one shell
word) are how a value becomes spec text.  Literal template text is the template's own
syntax, so templates can still write ``%{version}``.  A missing value is an error
(``StrictUndefined``), never an empty string in a spec: what each template family reads is a
typed context (``contexts``) that gives every value it has.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import resources
from typing import Any

import jinja2

from . import spectext, worktree
from .contexts import StanzaContext, TemplateContext
from .errors import ConfigError, ExpressionError, PyConfigError, close_match
from .expression import Expression
from .installing import file_owners, relies_on, sharing_problems
from .runtime import Runtime
from .spectext import SpecText

__all__ = ["SpecText", "TemplateError", "available_templates", "render"]

_SUFFIX = ".j2"


class TemplateError(PyConfigError):
    """A template is missing, broken, needs a value nobody gave it, or prints plain text."""


def _finalize(value: object) -> str:
    """Let through only spec text and integers: a plain string must say how it is safe."""
    if isinstance(value, SpecText):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, jinja2.Undefined):
        return str(value)  # StrictUndefined: raises the error that names the missing value
    raise TemplateError(
        f"a template prints the plain value {value!r}: pass it through a filter that makes "
        "it spec text ('| literal' for text, '| sh' for a shell word)"
    )


def _load_shipped(name: str) -> str | None:
    resource = resources.files("rpm_pyconfig.templates").joinpath(name)
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_load_shipped),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        extensions=["jinja2.ext.do"],
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    filters: dict[str, Callable[..., object]] = {
        "sh": lambda value: spectext.shell(value),
        "literal": lambda value: spectext.line(value),
        "at": lambda text, runtime: Expression.parse(str(text)).evaluate(runtime),
        "provided_evr": _provided_evr,
        "dist_requires": _dist_requires,
        "dist_requirements": _dist_requirements,
        "build_dependencies": _build_dependencies,
        "check_dependencies": _check_dependencies,
        "conf": _conf,
        "canonical": _canonical,
        "spaced": lambda parts: spectext.join(parts, " "),
    }
    env.filters.update({name: _strict(function) for name, function in filters.items()})
    return env


def _strict(function: Callable[..., object]) -> Callable[..., object]:
    """*function* as a filter that fails naming a missing value it is given: StrictUndefined
    raises only when a value is used, and a filter would otherwise say 'not text'."""
    def checked(*arguments: object) -> object:
        for argument in arguments:
            if isinstance(argument, jinja2.Undefined):
                str(argument)  # StrictUndefined: raises the error that names the value
        return function(*arguments)

    return checked


def _conf(runtime: Runtime) -> SpecText:
    """The runtime as a drop-in with every key written, so nothing is derived on loading."""
    from .dropin import format_conf

    return spectext.block(format_conf(runtime, complete=True).rstrip("\n"),
                          field=f"runtime {runtime.name}")


def _provided_evr(version_evr: object) -> SpecText:
    """The ``[E:]V`` of the pythonXdist() provides: the package's own version, trimmed like
    converted requirements (1.0 -> 1), or without one the spec's ``%{version}``."""
    if version_evr:
        from .versions import trim_rpm_version

        return spectext.line(trim_rpm_version(str(version_evr)), field="version_evr")
    return spectext.syntax("%{?epoch:%{epoch}:}%{version}")


def _dist_requires(lines: str, runtime: Runtime, extra: str | None = None) -> list[SpecText]:
    """rpm dependencies of PEP 508 *lines* (one per line) for one runtime and extra."""
    return [
        spectext.line(dependency, field="requires_dist")
        for dependency in _dist_requirements(lines, runtime, extra)
    ]


def _dist_requirements(lines: str, runtime: Runtime, extra: str | None = None) -> list[str]:
    """The same dependencies as plain values, for a template to print with ``literal`` (a
    tag) or ``sh`` (a word of a scriptlet line)."""
    requirements = [line.strip() for line in str(lines).splitlines()]
    requirements = [line for line in requirements if line and not line.startswith("#")]
    if not requirements:
        return []
    from .dependencies import runtime_requires

    return runtime_requires(requirements, runtime, extra=extra, origin="requires_dist")


def _each_once(runtimes: Sequence[Runtime], seen: Iterable[str],
               lists_of: Callable[[Runtime], list[list[str]]]) -> list[str]:
    """The dependencies of every runtime's lists, in order, each once, none of *seen*."""
    found = dict.fromkeys(seen)
    known = len(found)
    for rt in runtimes:
        for dependencies in lists_of(rt):
            found.update(dict.fromkeys(dependencies))
    return list(found)[known:]


def _build_dependencies(runtimes: Sequence[Runtime], build_requires: str,
                        compiled: bool) -> list[str]:
    """What building needs, every runtime's in turn, each once: its pip, the [build-system]
    requirements (*build_requires*) and, when *compiled*, its headers (``devel_requires``)."""
    return _each_once(runtimes, (), lambda rt: [
        _dist_requirements("pip", rt), _dist_requirements(build_requires, rt),
        [rt.devel_requires] if compiled and rt.devel_requires else [],
    ])


def _check_dependencies(runtimes: Sequence[Runtime], requires_dist: str, test_requires: str,
                        test_extras: Sequence[str], built: Sequence[str]) -> list[str]:
    """What %check needs besides *built*, every runtime's in turn, each once: what it imports
    (*requires_dist*, no extra), *test_requires* and the requirements of *test_extras*."""
    return _each_once(runtimes, built, lambda rt: [
        _dist_requirements(requires_dist, rt), _dist_requirements(test_requires, rt),
        *(_dist_requirements(requires_dist, rt, extra) for extra in test_extras),
    ])


def _canonical(name: str) -> SpecText:
    """PEP 503's name, as every generated ``pythonXdist()`` requirement spells it."""
    from packaging.utils import canonicalize_name

    return spectext.name(str(canonicalize_name(spectext.name(str(name), field="distname"))),
                         field="distname")


def available_templates() -> list[str]:
    """Names of the shipped templates, without the ``.j2`` suffix."""
    folder = resources.files("rpm_pyconfig.templates")
    return sorted(
        entry.name[: -len(_SUFFIX)] for entry in folder.iterdir() if entry.name.endswith(_SUFFIX)
    )


def render(
    template: str,
    runtimes: Sequence[Runtime],
    values: Mapping[str, Any] | TemplateContext | None = None,
) -> str:
    """Render *template* for *runtimes* (already selected, in order).

    *template* is the name of a shipped template (``subpackages``) or the path of a
    packager's own file (``./prep`` for a file that has a shipped template's name).
    Templates see ``runtimes``, ``relies_on`` (for each runtime name, the earlier runtimes
    whose subpackages ship files it installs too), ``owners`` (the first of those, or None),
    ``layout`` (the ``_pyconfig/`` work tree) and the context's values as top-level
    variables: *values* is a family's context, or text values (``render --set``) that make
    a :class:`~rpm_pyconfig.contexts.StanzaContext`.  Runtimes that cannot install side
    by side raise ``ConfigError`` before anything is rendered (``installing.sharing_problems``).
    """
    problems = sharing_problems(runtimes)
    if problems:
        raise ConfigError(problems)
    env = _environment()
    name = template  # as messages call it: the file path, or the shipped NAME.j2
    try:
        shipped_name = template if template.endswith(_SUFFIX) else template + _SUFFIX
        is_shipped = os.sep not in template and _load_shipped(shipped_name) is not None
        # A shipped name never means a file of the working directory (a file called
        # `prep` there must not replace %pyconfig_prep): write ./prep for that one.
        if not is_shipped and (os.sep in template or os.path.isfile(template)):
            try:
                with open(template, encoding="utf-8") as source:
                    compiled = env.from_string(source.read())
            except OSError as error:
                raise TemplateError(f"cannot read template {template}: {error.strerror}") from error
            compiled.name = template
        else:
            shipped = template if template.endswith(_SUFFIX) else template + _SUFFIX
            try:
                compiled = env.get_template(shipped)
                name = shipped
            except jinja2.TemplateNotFound:
                names = available_templates()
                close = close_match(template, names)
                hint = f" (did you mean {close!r}?)" if close else ""
                raise TemplateError(
                    f"no template {template!r}{hint}; shipped templates: {', '.join(names)}; "
                    "or give the path of a template file"
                ) from None
        if not isinstance(values, TemplateContext):
            values = StanzaContext(values)
        context = values.mapping()
        context["layout"] = worktree.LAYOUT
        context["runtimes"] = list(runtimes)
        context["owners"] = file_owners(runtimes)
        context["relies_on"] = relies_on(runtimes)
        return compiled.render(context)
    except ExpressionError as error:
        raise TemplateError(f"template {name}: a value's @-expression is wrong: {error}") from None
    except jinja2.UndefinedError as error:
        message = error.message or "a value is undefined"
        if message.endswith(" is undefined"):  # a missing top-level value, not an attribute
            message += "; give it with --set NAME=VALUE"
        raise TemplateError(f"template {name}: {message}") from None
    except jinja2.TemplateNotFound as error:  # {% include %} of a name that is not shipped
        shipped_names = ", ".join(known + _SUFFIX for known in available_templates())
        raise TemplateError(
            f"template {name}: cannot include {error.name!r}; shipped templates: {shipped_names}"
        ) from None
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(
            f"template {error.filename or error.name or template}:{error.lineno}: {error.message}"
        ) from None
