"""The shipped stanzas' Jinja templates translated to Lua: one definition, two evaluators.

``%pyconfig_prep`` & co. are evaluated in rpm's Lua while rpm parses a spec, and by Jinja
when ``rpm-pyconfig render`` (or a spec fallback) runs them.  The templates in
``templates/*.j2`` are the one definition of their text: this module compiles each
template's syntax tree (Jinja's own parser, with the environment of ``rendering``) into a
Lua function, written to ``pyconfig_stanzas.lua`` beside this file.  That file is
generated, checked in (so that neither ``compile`` nor the fallback of a spec parse needs
jinja2) and never edited: ``tests/test_stanzas.py`` fails when it differs from what the
templates give.  The Lua side (``J`` in ``pyconfig.lua``) mirrors the few Jinja
operations and filters the templates use (the generated code is typed: where the type of
a value is known here, as for the context's values and runtimes' attributes, it does the
operation inline on plain Lua values and calls J only for the rest); anything else in a
template is refused here, by node, so a template never silently means something else in
Lua (``is defined`` and ``default`` above all: the context gives every value).  The file
also carries the data both evaluators share: ``P.values`` (``contexts.STANZA_VALUES``,
which each template's function types as ``StanzaContext`` does, and the macros file asks
rpm for them; ``P.template_values``: those each template reads) and ``P.layout``
(``worktree.LAYOUT``).

Adding a shipped stanza NAME:

1. write ``templates/NAME.j2`` (rendered by Python as any template);
2. add ``NAME`` to :data:`STANZAS` and a ``%pyconfig_NAME(-)`` line calling
   ``pyconfig.stanza("NAME", ...)`` to ``macros/macros.pyconfig``;
3. run ``python -m rpm_pyconfig.stanzas`` (rewrites ``pyconfig_stanzas.lua``).

A template that uses a filter, test or method not in the tables below fails step 3 with
the node and line; add its Lua counterpart to ``J`` in ``pyconfig.lua`` and here.
"""

from __future__ import annotations

import os
import sys

from jinja2 import meta, nodes

from .compiled import _lua
from .contexts import STANZA_VALUES
from .rendering import _environment, _load_shipped
from .worktree import LAYOUT

__all__ = ["OUTPUT", "STANZAS", "generate", "main"]

#: The templates that macros.pyconfig evaluates at parse time (its %pyconfig_NAME macros).
STANZAS = ("buildrequires", "subpackages", "prep", "build", "install", "check", "test")
#: The generated file, beside this module.
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pyconfig_stanzas.lua")

#: Jinja filter -> J function (arguments: the value, then the filter's own).
_FILTERS = {
    "sh": "J.sh", "literal": "J.literal", "at": "J.at", "provided_evr": "J.provided_evr",
    "dist_requires": "J.dist_requires", "conf": "J.conf", "canonical": "J.canonical",
    "dist_requirements": "J.dist_requirements", "build_dependencies": "J.build_dependencies",
    "check_dependencies": "J.check_dependencies",
}
#: Methods called on values: ``x.NAME(args)`` -> J function (the object first).
_METHODS = {
    "split": "J.split", "strip": "J.strip",
}
_COMPARE = {"eq": "J.eq"}
#: ``x.NAME | sh`` and ``x.NAME | literal``: J functions that take a runtime's attribute as
#: spec text computed by ``rpm-pyconfig compile`` (compiled.FILTERED_ATTRIBUTE), the rest
#: as the filter does.
_ATTRIBUTE_FILTERS = {"sh": "J.sh_attr", "literal": "J.literal_attr"}


class UnsupportedTemplateError(Exception):
    """A template uses Jinja the Lua side does not mirror."""


#: The static types of the generated code (``_Expr.type``): "str" (a Lua string), "spec" (spec
#: text: the Lua string of its text, where the generic J values wrap it as {s = TEXT}),
#: "int", "bool", "list:T" (a Lua list of T), "runtime", "loop" (a for loop's index and
#: length), "relies" (relies_on: runtime name -> list:runtime), "layout" (the constant
#: worktree.LAYOUT) and "any": a generic J value, handled by the J functions at run time.
#: How each kind of contexts.STANZA_VALUES reaches the templates (Value.convert).
_KIND_TYPES = {"text": "str", "trimmed": "str", "words": "list:str", "items": "list:str",
               "flag": "bool"}
#: The other top-level values P.render gives (P.layout is folded into the text).
_CONTEXT_TYPES = {"runtimes": "list:runtime", "relies_on": "relies", "layout": "layout"}
#: Python type annotation -> type of a runtime attribute as compile writes it (runtime ``a``)
_ATTRIBUTE_TYPES = {"str": "str", "bool": "bool", "int": "int"}
#: Filters whose result type is known (the rest give "any"): the J function called with
#: plain Lua values, the argument types it takes and the type it returns.
_TYPED_FILTERS = {
    "canonical": ("J.canonical", ("str",), "spec"),
    "provided_evr": ("J.provided_evr", ("str",), "spec"),
    "at": ("J.at", ("str", "runtime"), "str"),
    "dist_requires": ("J.dist_requires_text", ("str", "runtime", "spec"), "list:spec"),
}


def _runtime_attribute_types() -> dict[str, str]:
    """The type of each runtime attribute the templates may read (compiled._attributes)."""
    from .compiled import _PROPERTIES
    from .runtime import Runtime

    found = {}
    for klass in reversed(Runtime.__mro__):
        for name, annotation in getattr(klass, "__annotations__", {}).items():
            found[name] = _ATTRIBUTE_TYPES.get(str(annotation), "any")
    types = {name: found.get(name, "any") for name in Runtime.__slots__}
    types.update(dict.fromkeys(_PROPERTIES, "str"))
    return types


class _Expr:
    """Generated Lua for one expression: its code, static type and, when known at
    generation time, its value (a str: folded into the text, filters applied)."""

    __slots__ = ("code", "const", "type")

    def __init__(self, code: str, type_: str, const: str | None = None) -> None:
        self.code, self.type, self.const = code, type_, const


def _constant(text: str, type_: str = "str") -> _Expr:
    return _Expr(_lua(text), type_, text)


class _Writer:
    def __init__(self, template: str) -> None:
        self.template = template
        self.lines: list[str] = []
        self.scopes: list[dict[str, _Expr]] = [{}]
        self.counter = 0
        self.runtime_types = _runtime_attribute_types()

    def refuse(self, node: nodes.Node, what: str = "") -> UnsupportedTemplateError:
        return UnsupportedTemplateError(
            f"templates/{self.template}.j2:{getattr(node, 'lineno', '?')}: "
            f"{what or type(node).__name__} has no Lua counterpart (rpm_pyconfig/stanzas.py)"
        )

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("  " * depth + text)

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"

    def lookup(self, name: str) -> _Expr | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    # -- statements ------------------------------------------------------------------------

    def body(self, statements: list[nodes.Node], depth: int) -> None:
        for node in statements:
            self.statement(node, depth)

    def statement(self, node: nodes.Node, depth: int) -> None:
        if isinstance(node, nodes.Output):  # one piece of the text: its parts joined by ..
            parts: list[str] = []
            text: list[str] = []  # constant text not yet in parts
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    text.append(child.data)
                    continue
                value = self.expr(child)
                if value.const is not None and value.type == "spec":
                    text.append(value.const)
                    continue
                if text and "".join(text):
                    parts.append(_lua("".join(text)))
                text = []
                if value.type in ("spec", "int"):  # what rendering._finalize lets through
                    parts.append(value.code)
                else:
                    parts.append(f"J.output({self.generic(value)})")
            if text and "".join(text):
                parts.append(_lua("".join(text)))
            if parts:
                self.emit(depth, "n = n + 1")
                self.emit(depth, "out[n] = " + " .. ".join(parts))
        elif isinstance(node, nodes.For):
            self.loop(node, depth)
        elif isinstance(node, nodes.If):
            self.condition(node, depth)
        elif isinstance(node, nodes.Assign):
            if not isinstance(node.target, nodes.Name):
                raise self.refuse(node, "an assignment to more than one name")
            value = self.expr(node.node)
            name = f"v_{node.target.name}"
            if value.const is not None:  # folded: no local at all
                self.scopes[-1][node.target.name] = value
                return
            self.scopes[-1][node.target.name] = _Expr(name, value.type)
            self.emit(depth, f"local {name} = {value.code}")
        elif isinstance(node, nodes.ExprStmt):
            self.emit(depth, f"local _ = {self.expr(node.node).code}")
        else:
            raise self.refuse(node)

    def loop(self, node: nodes.For, depth: int) -> None:
        if (not isinstance(node.target, nodes.Name) or node.else_ or node.recursive):
            raise self.refuse(node, "a for loop other than `for NAME in LIST [if TEST]`")
        iterable = self.expr(node.iter)
        items = self.fresh("items")
        count = self.fresh("n")
        self.emit(depth, "do")
        if iterable.type.startswith("list:"):  # a list by construction: no check
            element = iterable.type[len("list:"):]
            self.emit(depth + 1, f"local {items} = {iterable.code}")
        else:
            element = "any"
            self.emit(depth + 1, f"local {items} = J.list({self.generic(iterable)})")
        var = node.target.name
        value = _Expr(f"v_{var}", element)
        if node.test is not None:
            kept = self.fresh("kept")
            self.emit(depth + 1, f"local {kept} = {{}}")
            self.emit(depth + 1, f"for i = 1, #{items} do")
            self.emit(depth + 2, f"local v_{var} = {items}[i]")
            self.scopes.append({var: value})
            self.bind_runtime(value, depth + 2)
            self.emit(depth + 2, f"if {self.truth(self.expr(node.test))} then "
                                 f"{kept}[#{kept} + 1] = v_{var} end")
            self.scopes.pop()
            self.emit(depth + 1, "end")
            items = kept
        index = self.fresh("i")
        self.emit(depth + 1, f"local {count} = #{items}")
        self.emit(depth + 1, f"for {index} = 1, {count} do")
        self.emit(depth + 2, f"local v_{var} = {items}[{index}]")
        self.scopes.append({var: value})
        self.bind_runtime(value, depth + 2)
        names = [name for child in node.body for name in child.find_all(nodes.Name)
                 if name.name == "loop"]
        if names:
            typed = sum(1 for child in node.body for attr in child.find_all(nodes.Getattr)
                        if isinstance(attr.node, nodes.Name) and attr.node.name == "loop"
                        and attr.attr in ("index", "length"))
            if typed == len(names):  # loop.index and loop.length only: no table
                self.scopes[-1]["loop"] = _Expr(f"{index}\0{count}", "loop")
            else:
                self.scopes[-1]["loop"] = _Expr("v_loop", "any")
                self.emit(depth + 2, f"local v_loop = {{index = {index}, length = {count}}}")
        self.body(node.body, depth + 2)
        self.scopes.pop()
        self.emit(depth + 1, "end")
        self.emit(depth, "end")

    def bind_runtime(self, value: _Expr, depth: int) -> None:
        """A runtime's tables as locals: a (its attributes), q and l (attributes as compile
        wrote them through sh and literal; absent when it wrote none)."""
        if value.type == "runtime":
            name = value.code
            self.emit(depth, f"local a_{name}, q_{name}, l_{name} = {name}.a, "
                             f"{name}.q or J.EMPTY, {name}.l or J.EMPTY")

    def condition(self, node: nodes.If, depth: int) -> None:
        branches = [*node.body, *node.else_, *(s for e in node.elif_ for s in e.body)]
        for child in branches:
            if isinstance(child, nodes.Assign):  # Lua's local would end with the branch
                raise self.refuse(child, "{% set %} directly inside {% if %}")
        self.emit(depth, f"if {self.truth(self.expr(node.test))} then")
        self.body(node.body, depth + 1)
        for branch in node.elif_:
            self.emit(depth, f"elseif {self.truth(self.expr(branch.test))} then")
            self.body(branch.body, depth + 1)
        if node.else_:
            self.emit(depth, "else")
            self.body(node.else_, depth + 1)
        self.emit(depth, "end")

    # -- expressions -----------------------------------------------------------------------

    def generic(self, value: _Expr) -> str:
        """*value* as the J functions take it (spec text as {s = TEXT})."""
        if value.type == "spec":
            return f"J.spec({value.code})"
        if value.type == "list:spec":
            return f"J.specs({value.code})"
        if value.type in ("loop", "layout"):
            raise AssertionError(value.type)  # only read through their attributes
        return value.code

    def truth(self, value: _Expr) -> str:
        """Lua for Jinja's truth of *value*."""
        if value.type == "bool":
            return value.code
        if value.type in ("str", "spec"):
            return f"{value.code} ~= \"\""
        if value.type == "int":
            return f"{value.code} ~= 0"
        if value.type.startswith("list:"):
            return f"{value.code}[1] ~= nil"
        return f"J.truth({self.generic(value)})"

    def text(self, value: _Expr) -> str | None:
        """Lua for str(value) when the type says how, else None."""
        if value.type in ("str", "spec", "int"):  # Lua's .. writes integers as %d does
            return value.code
        return None

    def expr(self, node: nodes.Node) -> _Expr:
        if isinstance(node, nodes.Const):
            value = node.value
            if isinstance(value, str):
                return _constant(value)
            if isinstance(value, int) and not isinstance(value, bool):
                return _Expr(str(value), "int")
            raise self.refuse(node, f"the constant {value!r}")
        if isinstance(node, nodes.Name):
            found = self.lookup(node.name)
            if found is not None:
                return found
            raise self.refuse(node, f"the name {node.name}")  # _translate binds every read
        if isinstance(node, nodes.Getattr):
            return self.attribute(node)
        if isinstance(node, nodes.Getitem):
            object_, key = self.expr(node.node), self.expr(node.arg)
            if object_.type == "relies" and key.type == "str":
                return _Expr(f"({object_.code}[{key.code}] or "
                             f"J.item({object_.code}, {key.code}))", "list:runtime")
            return _Expr(f"J.item({self.generic(object_)}, {self.generic(key)})", "any")
        if isinstance(node, nodes.Concat):
            parts = [self.expr(n) for n in node.nodes]
            if all(part.const is not None for part in parts):
                return _constant("".join(str(part.const) for part in parts))
            texts = [self.text(part) or f"J.text({self.generic(part)})" for part in parts]
            return _Expr("(" + " .. ".join(texts) + ")", "str")
        if isinstance(node, nodes.Not):
            return _Expr(f"(not ({self.truth(self.expr(node.node))}))", "bool")
        if isinstance(node, nodes.CondExpr):
            if node.expr2 is None:
                raise self.refuse(node, "an `if` expression without `else`")
            test, yes, no = self.expr(node.test), self.expr(node.expr1), self.expr(node.expr2)
            if yes.type == no.type and (yes.type in ("str", "spec", "int", "runtime")
                                        or yes.type.startswith("list:")):
                # values Lua takes as true: `and`/`or` choose as the if expression does
                return _Expr(f"({self.truth(test)} and {yes.code} or {no.code})", yes.type)
            return _Expr(f"J.choose({self.truth(test)}, function() return "
                         f"{self.generic(yes)} end, function() return {self.generic(no)} end)",
                         "any")
        if isinstance(node, nodes.Compare):
            if len(node.ops) != 1 or node.ops[0].op not in _COMPARE:
                raise self.refuse(node, "this comparison")
            operand = node.ops[0]
            left, right = self.expr(node.expr), self.expr(operand.expr)
            if left.type in ("str", "spec") and right.type in ("str", "spec"):
                return _Expr(f"({left.code} == {right.code})", "bool")
            return _Expr(f"{_COMPARE[operand.op]}({self.generic(left)}, "
                         f"{self.generic(right)})", "bool")
        if isinstance(node, nodes.Test):  # `is defined` & co.: the context gives every value
            raise self.refuse(node, f"the test `is {node.name}`")
        if isinstance(node, nodes.Filter):
            return self.filter(node)
        if isinstance(node, nodes.Call):
            if (not isinstance(node.node, nodes.Getattr) or node.node.attr not in _METHODS
                    or node.kwargs or node.dyn_args or node.dyn_kwargs):
                raise self.refuse(node, "this call")
            arguments = [self.generic(self.expr(node.node.node)),
                         *(self.generic(self.expr(a)) for a in node.args)]
            kind = "list:str" if node.node.attr == "split" else "str"
            return _Expr(f"{_METHODS[node.node.attr]}({', '.join(arguments)})", kind)
        raise self.refuse(node)

    def attribute(self, node: nodes.Getattr) -> _Expr:
        object_ = self.expr(node.node)
        name = node.attr
        if object_.type == "layout" and name in LAYOUT:
            return _constant(LAYOUT[name])
        if object_.type == "loop" and name in ("index", "length"):
            index, count = object_.code.split("\0")
            return _Expr(index if name == "index" else count, "int")
        if object_.type == "runtime" and name in self.runtime_types:
            kind = self.runtime_types[name]
            call = f"J.attr({object_.code}, {_lua(name)})"
            if kind in ("str", "int"):  # never false: the table, else J.attr (which bails)
                return _Expr(f"(a_{object_.code}.{name} or {call})", kind)
            return _Expr(call, kind)
        return _Expr(f"J.attr({self.generic(object_)}, {_lua(name)})", "any")

    def filter(self, node: nodes.Filter) -> _Expr:
        if node.node is None or node.kwargs or node.dyn_args or node.dyn_kwargs:
            raise self.refuse(node, f"the filter {node.name}")
        if node.name not in _FILTERS:
            raise self.refuse(node, f"the filter {node.name}")
        if node.name in ("sh", "literal") and not node.args:
            return self.spec_filter(node.name, node.node)
        arguments = [self.expr(node.node), *(self.expr(a) for a in node.args)]
        typed = _TYPED_FILTERS.get(node.name)
        if typed and len(arguments) <= len(typed[1]) and all(
                argument.type == kind or (kind == "str" and argument.type == "spec")
                for argument, kind in zip(arguments, typed[1])):
            function, _kinds, result = typed
            code = f"{function}({', '.join(a.code for a in arguments)})"
            return _Expr(f"{code}.s" if result == "spec" else code, result)
        kind = "list:str" if node.name.endswith("_dependencies") else "any"
        return _Expr(f"{_FILTERS[node.name]}({', '.join(map(self.generic, arguments))})", kind)

    def spec_filter(self, name: str, operand: nodes.Node) -> _Expr:
        """``x | sh`` and ``x | literal``: spec text, folded when x is known."""
        from . import spectext
        from .errors import MetadataError

        value = self.expr(operand)
        if value.const is not None:
            try:
                fold = spectext.shell if name == "sh" else spectext.line
                return _constant(str(fold(value.const)), "spec")
            except MetadataError:
                pass  # refused: the evaluator's call bails at run time, as Python fails
        if (isinstance(operand, nodes.Getattr) and value.type in ("str", "int")
                and value.code.startswith("(a_")):  # a runtime's attribute, as compile wrote it
            runtime = self.expr(operand.node).code
            table = "q" if name == "sh" else "l"
            return _Expr(f"({table}_{runtime}.{operand.attr} or "
                         f"{_ATTRIBUTE_FILTERS[name]}({runtime}, {_lua(operand.attr)}).s)",
                         "spec")
        if value.type == "spec" and name == "literal":
            return value  # spec text is left alone
        if value.type in ("str", "spec"):  # sh of spec text quotes its text
            cache, function = ("SQ", "J.sh_text") if name == "sh" else ("SL", "J.line_text")
            if value.code.isidentifier():  # a local: the cache's answer without a call
                return _Expr(f"({cache}[{value.code}] or {function}({value.code}))", "spec")
            return _Expr(f"{function}({value.code})", "spec")
        if isinstance(operand, nodes.Getattr) and value.type == "any":
            return _Expr(f"{_ATTRIBUTE_FILTERS[name]}({self.generic(self.expr(operand.node))}, "
                         f"{_lua(operand.attr)}).s", "spec")
        return _Expr(f"{_FILTERS[name]}({self.generic(value)}).s", "spec")


def _translate(name: str) -> tuple[str, list[str]]:
    """The Lua function of one template, and the top-level values it reads."""
    env = _environment()
    source = _load_shipped(name + ".j2")
    if source is None:
        raise UnsupportedTemplateError(f"templates/{name}.j2: no such shipped template")
    tree = env.parse(source)
    for node in tree.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport,
                               nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.With,
                               nodes.Scope, nodes.OverlayScope)):
        raise _Writer(name).refuse(node)
    reads = sorted(meta.find_undeclared_variables(tree))
    writer = _Writer(name)
    # Every value the template reads as a local, read once: P.render passes the macros'
    # values and the --set ones (*given*, *set*: name -> text), the runtimes, relies_on
    # (when read) and the selection's own arguments; STANZA_VALUES are typed here by kind
    # as StanzaContext does (K: pyconfig.lua's KINDS), the text of the rest passes as it
    # is.  One that is missing bails at once, as StrictUndefined fails when it is used
    # (the tool names it).
    values = {value.name: value for value in STANZA_VALUES}
    given, converted, maybe_missing = [], [], []
    for read in reads:
        local = f"c_{read}"
        if read == "layout":
            writer.scopes[0][read] = _Expr("P.layout", "layout")
            continue
        if read in ("runtimes", "relies_on"):
            given.append(f"  local {local} = {read}")
            kind = _CONTEXT_TYPES[read]
        else:
            value = values.get(read)
            fallback = ""
            if read == "selection_args":
                fallback = " or selection_args"
            elif value is not None and value.default is not None:
                fallback = f" or {_lua(value.default)}"
            given.append(f"  local {local} = set.{read} or given.{read}{fallback}")
            if not fallback:
                maybe_missing.append(local)
            kind = "any" if value is None else _KIND_TYPES[value.kind]
            if value is not None and value.kind in ("words", "items", "trimmed"):
                empty = '""' if value.kind == "trimmed" else "{}"
                converted.append(f"  {local} = {local} ~= \"\" and K.{value.kind}({local}) "
                                 f"or {empty}")
            elif value is not None and value.kind == "flag":
                converted.append(f"  {local} = {local} ~= \"\" and K.flag({local})")
        writer.scopes[0][read] = _Expr(local, kind)
    writer.body(tree.body, 1)
    lines = [f"T[{_lua(name)}] = function(given, set, runtimes, relies_on, selection_args)",
             "  local out, n = {}, 0", *given]
    if maybe_missing:
        lines.append("  if " + " or ".join(f"{local} == nil" for local in maybe_missing)
                     + " then P.bail() end")
    lines += [*converted, *writer.lines, "  return table.concat(out)", "end"]
    return "\n".join(lines) + "\n", reads


def _data() -> str:
    """``P.layout`` (worktree.LAYOUT) and ``P.values`` (contexts.STANZA_VALUES) as Lua."""
    layout = ", ".join(f"[{_lua(key)}] = {_lua(path)}" for key, path in LAYOUT.items())
    lines = [f"P.layout = {{{layout}}}", "P.values = {"]
    for value in STANZA_VALUES:
        fields = [f"name = {_lua(value.name)}", f"kind = {_lua(value.kind)}"]
        if value.default is not None:
            fields.append(f"default = {_lua(value.default)}")
        if value.macro is not None:
            fields.append(f"macro = {_lua(value.macro)}")
        lines.append("  {" + ", ".join(fields) + "},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def generate() -> str:
    """The text of ``pyconfig_stanzas.lua`` for the shipped templates as they are."""
    parts = [
        "-- GENERATED by `python -m rpm_pyconfig.stanzas` from templates/*.j2,\n"
        "-- rpm_pyconfig/contexts.py and rpm_pyconfig/worktree.py: never edit.\n"
        "-- The shipped stanzas as Lua functions of their values (see stanzas.py).\n",
        "local P = pyconfig\nlocal J = P.jinja\nlocal T = {}\nP.templates = T\n"
        "local K, SQ, SL = J.kinds, J.quoted_text, J.literal_text\n"
        "P.template_reads = {}\nP.template_values = {}\n",
        _data(),
    ]
    for name in STANZAS:
        function, reads = _translate(name)
        parts.append(function)
        parts.append(f"P.template_reads[{_lua(name)}] = {{"
                     + ", ".join(f"[{_lua(r)}] = true" for r in reads) + "}\n")
        # the entries of P.values it reads: what P.settings asks rpm for
        values = [str(i) for i, value in enumerate(STANZA_VALUES, 1) if value.name in reads]
        parts.append(f"P.template_values[{_lua(name)}] = {{"
                     + ", ".join(f"P.values[{i}]" for i in values) + "}\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    """Rewrite ``pyconfig_stanzas.lua`` (``--check``: only say whether it is current)."""
    arguments = sys.argv[1:] if argv is None else argv
    text = generate()
    try:
        with open(OUTPUT, encoding="utf-8") as stream:
            current = stream.read() == text
    except OSError:
        current = False
    if arguments == ["--check"]:
        if not current:
            print(f"{OUTPUT} is not what the templates give: run python -m rpm_pyconfig.stanzas",
                  file=sys.stderr)
        return 0 if current else 1
    if not current:
        from ._files import write_atomically

        write_atomically(OUTPUT, text.encode("utf-8"), replace=True)
        print(f"wrote {OUTPUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
