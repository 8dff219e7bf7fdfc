"""The one Jinja environment: multi-runtime spec stanzas from templates.

Templates ship inside the package (``rpm_pyconfig.templates``) and are loaded as
resources.  Rendered text is spec text that rpm expands again, so every value a
template prints is %-escaped on the way out (``finalize``); literal template text is
not, so templates can still write ``%{version}``.  A macro's output is template text
whose values are escaped already: print it as ``{{ m() | spec_text }}`` so that neither
its literal text nor its values are escaped again.  A missing value is an error
(``StrictUndefined``), never an empty string in a spec.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import jinja2

from .errors import ExpressionError, PyConfigError
from .expression import Expression, escape_rpm
from .installing import file_owners
from .runtime import Runtime

__all__ = ["SpecText", "TemplateError", "available_templates", "render"]

_SUFFIX = ".j2"


class SpecText(str):
    """A value that is already spec syntax (``%{pypi_version}``): printed without escaping."""

    __slots__ = ()


def _finalize(value: object) -> str:
    """Escape what templates print for rpm, except values that are spec syntax on purpose."""
    return value if isinstance(value, SpecText) else escape_rpm(str(value))


class TemplateError(PyConfigError):
    """A template is missing, broken, or needs a value nobody gave it."""


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
    env.filters["sh"] = lambda value: shlex.quote(str(value))
    env.filters["spec_text"] = SpecText
    env.filters["at"] = lambda text, runtime: Expression.parse(str(text)).evaluate(runtime)
    env.filters["dist_requires"] = _dist_requires
    env.filters["conf"] = _conf
    env.filters["trim_release"] = _trim_release
    env.filters["canonical"] = _canonical
    return env


def _conf(runtime: Runtime) -> str:
    """The runtime as a drop-in with every key written, so nothing is derived on loading."""
    from .registry import format_conf

    return format_conf(runtime, complete=True)


def _dist_requires(lines: str, runtime: Runtime, extra: str | None = None) -> list[str]:
    """rpm dependencies of PEP 508 *lines* (one per line) for one runtime and extra."""
    requirements = [line.strip() for line in str(lines).splitlines()]
    requirements = [line for line in requirements if line and not line.startswith("#")]
    if not requirements:
        return []
    from .dependencies import runtime_requires

    return runtime_requires(requirements, runtime, extra=extra, origin="requires_dist")


def _canonical(name: str) -> str:
    """PEP 503's name, as every generated ``pythonXdist()`` requirement spells it."""
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(str(name)))


def _trim_release(evr: str) -> str:
    from .versions import trim_rpm_version

    return trim_rpm_version(str(evr))


def available_templates() -> list[str]:
    """Names of the shipped templates, without the ``.j2`` suffix."""
    folder = resources.files("rpm_pyconfig.templates")
    return sorted(
        entry.name[: -len(_SUFFIX)] for entry in folder.iterdir() if entry.name.endswith(_SUFFIX)
    )


def render(
    template: str,
    runtimes: Sequence[Runtime],
    values: Mapping[str, Any] | None = None,
) -> str:
    """Render *template* for *runtimes* (already selected, in order).

    *template* is the name of a shipped template (``subpackages``) or the path of a
    packager's own file (``./prep`` for a file that has a shipped template's name).
    Templates see ``runtimes``, ``owners`` (for each runtime name, the runtime whose
    subpackage owns the files they share, or None) and every entry of *values* as a
    top-level variable.
    """
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
                import difflib

                names = available_templates()
                close = difflib.get_close_matches(template, names, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise TemplateError(
                    f"no template {template!r}{hint}; shipped templates: {', '.join(names)}; "
                    "or give the path of a template file"
                ) from None
        context: dict[str, Any] = dict(values or {})
        context["runtimes"] = list(runtimes)
        context["owners"] = file_owners(runtimes)
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
