"""What the compiled registry carries of each runtime: the @-tokens of ``expression`` and
the ``--where`` variables of ``condition``, as tables of getters.

Their own module because ``compile --lua`` (the fallback of a spec parse, one process per
parse) needs the tables and not the two grammars: importing those cost more than the
fallback's work with 3 runtimes.  ``expression`` and ``condition`` re-export them.
"""

from __future__ import annotations

from .runtime import FIELDS, MARKER_VARIABLES

TYPE_CHECKING = False  # not typing's: importing typing costs ~7 ms per spec parse
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .runtime import Runtime

    Getter = Callable[[Runtime], str]

__all__ = ["TOKENS", "VARIABLES", "variable_kinds", "variable_values"]


# -- the tokens --------------------------------------------------------------------------

def _field_getter(key: str, kind: str) -> Getter:
    """Read conf key *key*; booleans become ``1``/``0`` so they work in rpm's ``%if``."""
    if kind == "bool":
        return lambda runtime: "1" if getattr(runtime, key) else "0"
    if kind == "int":
        return lambda runtime: str(getattr(runtime, key))

    def text(runtime: Runtime) -> str:
        value: str = getattr(runtime, key)
        return value

    return text


def _build_tokens() -> dict[str, tuple[Getter, str]]:
    tokens: dict[str, tuple[Getter, str]] = {
        # The names of the 2010 proposal, kept with their meaning.
        "confbin": (lambda rt: rt.interpreter, "The interpreter (2010 name of @interpreter)."),
        "confpkg": (lambda rt: rt.package_prefix,
                    "Prefix of package names: python3, pypy3, ... (2010 name of @package_prefix)."),
        "confsrcdir": (lambda rt: rt.srcdir,
                       "This runtime's copy of the sources (2010 name of @srcdir)."),
        "conf_sitelib": (lambda rt: rt.purelib, "Pure-module directory (2010 name of @purelib)."),
        "conf_sitearch": (lambda rt: rt.platlib,
                          "Extension-module directory (2010 name of @platlib)."),
        "major_version": (lambda rt: rt.major_version, "3 of 3.11.2."),
        "minor_version": (lambda rt: rt.minor_version, "11 of 3.11.2."),
    }
    for field in FIELDS:
        doc = field.doc + (" Renders as 1 or 0." if field.kind == "bool" else "")
        tokens[field.name] = (_field_getter(field.name, field.kind), doc)
    tokens.update({
        "micro_version": (lambda rt: rt.micro_version, "2 of 3.11.2 (0 when there is none)."),
        "short_version": (lambda rt: rt.short_version,
                          "3.11: the X.Y version, python_version in PEP 508 markers."),
        "version_nodots": (lambda rt: rt.version_nodots, "311: X.Y without the dot."),
        "srcdir": (lambda rt: rt.srcdir,
                   "This runtime's copy of the sources, relative to the unpacked tree."),
        "platform_python_implementation": (
            lambda rt: rt.platform_python_implementation,
            "CPython, PyPy, ...: platform_python_implementation in PEP 508 markers.",
        ),
    })
    return tokens


#: Every @-token: name -> (value for a runtime, always a string; one-line doc).
TOKENS: Mapping[str, tuple[Getter, str]] = _build_tokens()


# -- the variables -----------------------------------------------------------------------


def _flag(value: bool) -> str:
    return "true" if value else "false"


_VERSION, _TEXT, _BOOL = "version", "text", "bool"

# name -> (value for a runtime, kind, doc): the PEP 508 view of a runtime, then its own keys.
_VARIABLES: dict[str, tuple[Getter, str, str]] = {
    **MARKER_VARIABLES,
    "name": (lambda rt: rt.name, _TEXT, "The runtime's name in the registry."),
    "package_prefix": (lambda rt: rt.package_prefix, _TEXT, "python3, pypy3, ..."),
    "debug": (lambda rt: _flag(rt.debug), _BOOL, "'true' for a debug build, else 'false'."),
    "free_threaded": (lambda rt: _flag(rt.free_threaded), _BOOL,
                      "'true' for a free-threaded build, else 'false'."),
    "default": (lambda rt: _flag(rt.default), _BOOL,
                "'true' for the registry's default runtime, else 'false'."),
    "abiflags": (lambda rt: rt.abiflags, _TEXT, "sys.abiflags: '', 'd', 't', ..."),
    "soabi": (lambda rt: rt.soabi, _TEXT, "sysconfig SOABI: cpython-311-x86_64-linux-gnu."),
    "cache_tag": (lambda rt: rt.cache_tag, _TEXT, "Bytecode cache tag: cpython-311, pypy39."),
}

#: Every variable a condition can use: name -> one-line doc.
VARIABLES: Mapping[str, str] = {name: doc for name, (_, _, doc) in _VARIABLES.items()}

def variable_values(runtime: Runtime) -> dict[str, str]:
    """Every variable's value for *runtime* (what the compiled registry carries)."""
    return {name: get(runtime) for name, (get, _kind, _doc) in _VARIABLES.items()}


def variable_kinds() -> dict[str, str]:
    """Every variable's kind: ``version``, ``text`` or ``bool``."""
    return {name: kind for name, (_get, kind, _doc) in _VARIABLES.items()}
