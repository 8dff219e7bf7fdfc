"""The validated, immutable record of one Python runtime, and the table of its conf keys.

``FIELDS`` is the single source of truth for the ``[runtime]`` section: the registry
validates against it, the probe writes it, the README documents it and every key
becomes an @-token.  This module is imported on every ``--foreach --eval`` (every
spec parse), so it imports nothing: no ``dataclasses`` (10 ms), no ``typing``.
"""

from __future__ import annotations

__all__ = ["FIELDS", "Field", "Runtime"]


#: ``platform.python_implementation()`` of each ``sys.implementation.name`` we know; others
#: keep their name.  PEP 508 markers, ``--where`` and ``@platform_python_implementation``
#: all read it through ``Runtime.platform_python_implementation``.
PLATFORM_PYTHON_IMPLEMENTATIONS = {
    "cpython": "CPython",
    "pypy": "PyPy",
    "graalpy": "GraalVM",
    "ironpython": "IronPython",
    "jython": "Jython",
}


class Field:
    """One key of the ``[runtime]`` section."""

    __slots__ = ("doc", "kind", "name", "required")

    def __init__(self, name: str, kind: str, required: bool, doc: str) -> None:
        #: The key as written in the conf file.
        self.name = name
        #: How the value is checked: text, word, flags, path, rpmname, identifier, version,
        #: dependency (one rpm dependency), bool, int.
        self.kind = kind
        #: Whether a conf file must set it.
        self.required = required
        #: One sentence for README and ``--help``.
        self.doc = doc


FIELDS: tuple[Field, ...] = (
    Field(
        "name", "rpmname", False, "Runtime name used by --only/--exclude; default: the file stem."
    ),
    Field("implementation", "identifier", True, "sys.implementation.name: cpython, pypy, ..."),
    Field("version", "version", True, "Full language version, e.g. 3.11.2."),
    Field("interpreter", "path", True, "Absolute path of the interpreter binary."),
    Field("package_prefix", "rpmname", True, "Prefix of built package names: python3, pypy3, ..."),
    Field("purelib", "path", True, "System-managed directory for pure modules on sys.path."),
    Field("platlib", "path", True, "System-managed directory for extension modules on sys.path."),
    Field("soabi", "word", True, "sysconfig SOABI, e.g. cpython-311-x86_64-linux-gnu."),
    Field(
        "ext_suffix",
        "word",
        True,
        "Suffix of extension modules, e.g. .cpython-311-x86_64-linux-gnu.so.",
    ),
    Field("cache_tag", "word", True, "sys.implementation.cache_tag of bytecode files."),
    Field("abiflags", "flags", False, "sys.abiflags: '' or 'd' (debug) or 't' (free-threaded)."),
    Field("debug", "bool", False, "true for a debug build (Py_DEBUG); default false."),
    Field("free_threaded", "bool", False, "true for a free-threaded build (Py_GIL_DISABLED)."),
    Field("default", "bool", False, "true for the runtime --eval uses; at most one may set it."),
    Field("priority", "int", False, "Order of runtimes, lowest first; default 50, ties by name."),
    Field(
        "abi_requires",
        "text",
        False,
        "Dependency of every subpackage on its runtime; default python(abi) = X.Y for "
        "CPython (neither debug nor free-threaded), else the interpreter path.",
    ),
    Field(
        "dist_prefix",
        "rpmname",
        False,
        "Prefix of the NAMEdist() provides; default python3 (CPython) or pypy3 (PyPy).",
    ),
    Field(
        "versioned_dist_prefix",
        "rpmname",
        False,
        "Versioned form of dist_prefix; default python3.11, pypy3.9, ...",
    ),
    Field(
        "script_suffix",
        "word",
        False,
        "Appended to installed command names; default '' for the default runtime, else '-NAME'.",
    ),
    Field(
        "devel_requires",
        "dependency",
        False,
        "BuildRequires of projects with extension modules: what brings this runtime's C "
        "headers; the probe writes the path of its Python.h; empty: none.",
    ),
)


class Runtime:
    """One Python runtime a spec can build for.  Immutable; build it with keywords only."""

    __slots__ = (
        "abi_requires",
        "abiflags",
        "cache_tag",
        "debug",
        "default",
        "devel_requires",
        "dist_prefix",
        "ext_suffix",
        "free_threaded",
        "implementation",
        "interpreter",
        "name",
        "origin",
        "package_prefix",
        "platlib",
        "priority",
        "purelib",
        "script_suffix",
        "soabi",
        "version",
        "versioned_dist_prefix",
    )

    name: str
    implementation: str
    version: str
    interpreter: str
    package_prefix: str
    purelib: str
    platlib: str
    soabi: str
    ext_suffix: str
    cache_tag: str
    abiflags: str
    debug: bool
    free_threaded: bool
    default: bool
    priority: int
    abi_requires: str
    dist_prefix: str
    versioned_dist_prefix: str
    script_suffix: str
    devel_requires: str
    #: Where the record came from (a conf file path, or ``probe:/usr/bin/pypy3``).
    origin: str

    def __init__(
        self,
        *,
        name: str,
        implementation: str,
        version: str,
        interpreter: str,
        package_prefix: str,
        purelib: str,
        platlib: str,
        soabi: str,
        ext_suffix: str,
        cache_tag: str,
        abiflags: str = "",
        debug: bool = False,
        free_threaded: bool = False,
        default: bool = False,
        priority: int = 50,
        abi_requires: str = "",
        dist_prefix: str = "",
        versioned_dist_prefix: str = "",
        script_suffix: str = "",
        devel_requires: str = "",
        origin: str = "",
    ) -> None:
        major, minor = version.split(".")[:2]
        minor = _leading_digits(minor)
        stem = "python" if implementation == "cpython" else implementation
        if not abi_requires:
            plain_cpython = implementation == "cpython" and not debug and not free_threaded
            abi_requires = f"python(abi) = {major}.{minor}" if plain_cpython else interpreter
        values = {
            "name": name,
            "implementation": implementation,
            "version": version,
            "interpreter": interpreter,
            "package_prefix": package_prefix,
            "purelib": purelib,
            "platlib": platlib,
            "soabi": soabi,
            "ext_suffix": ext_suffix,
            "cache_tag": cache_tag,
            "abiflags": abiflags,
            "debug": debug,
            "free_threaded": free_threaded,
            "default": default,
            "priority": priority,
            "abi_requires": abi_requires,
            "dist_prefix": dist_prefix or f"{stem}{major}",
            "versioned_dist_prefix": versioned_dist_prefix or f"{stem}{major}.{minor}",
            "script_suffix": script_suffix,
            "devel_requires": devel_requires,
            "origin": origin,
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)

    # -- derived values -------------------------------------------------------------------

    @property
    def major_version(self) -> str:
        """``3`` of ``3.11.2``."""
        return self.version.split(".")[0]

    @property
    def minor_version(self) -> str:
        """``11`` of ``3.11.2``."""
        return _leading_digits(self.version.split(".")[1])

    @property
    def micro_version(self) -> str:
        """``2`` of ``3.11.2`` (``0`` when the version has no micro part)."""
        parts = self.version.split(".")
        return _leading_digits(parts[2]) if len(parts) > 2 else "0"

    @property
    def short_version(self) -> str:
        """``3.11``: what ``python_version`` means in PEP 508 markers."""
        return f"{self.major_version}.{self.minor_version}"

    @property
    def version_nodots(self) -> str:
        """``311``: the form used in wheel tags and Fedora's ``%python3_version_nodots``."""
        return f"{self.major_version}{self.minor_version}"

    @property
    def platform_python_implementation(self) -> str:
        """What ``platform.python_implementation()`` says in this runtime: CPython, PyPy, ..."""
        return PLATFORM_PYTHON_IMPLEMENTATIONS.get(self.implementation, self.implementation)

    @property
    def srcdir(self) -> str:
        """Directory, relative to the unpacked sources, holding this runtime's copy of them."""
        return f"_pyconfig/src/{self.name}"

    # -- value semantics ------------------------------------------------------------------

    def as_dict(self) -> dict[str, object]:
        """Every conf key with its resolved value, in ``FIELDS`` order (for JSON output)."""
        return {field.name: getattr(self, field.name) for field in FIELDS}

    def replace(self, **changes: object) -> Runtime:
        """A copy with some keys changed (records are immutable)."""
        values: dict[str, object] = {key: getattr(self, key) for key in self.__slots__}
        values.update(changes)
        return Runtime(**values)  # type: ignore[arg-type]

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"Runtime is immutable: cannot set {key!r}")

    def __delattr__(self, key: str) -> None:
        raise AttributeError(f"Runtime is immutable: cannot delete {key!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Runtime):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, k) for k in self.__slots__))

    def __repr__(self) -> str:
        return (
            f"Runtime(name={self.name!r}, interpreter={self.interpreter!r}, "
            f"version={self.version!r})"
        )


def _leading_digits(text: str) -> str:
    """``13`` of ``13t`` or ``0rc1``: version parts may carry suffixes."""
    end = 0
    while end < len(text) and text[end].isdigit():
        end += 1
    return text[:end] or "0"
