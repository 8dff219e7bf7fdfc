"""The shipped stanzas' Jinja templates translated to Lua: one definition, two evaluators.

``%pyconfig_prep`` & co. are evaluated in rpm's Lua while rpm parses a spec, and by Jinja
when ``rpm-pyconfig render`` (or a spec fallback) runs them.  The templates in
``templates/*.j2`` are the one definition of their text: this module compiles each
template's syntax tree (Jinja's own parser, with the environment of ``rendering``) into a
Lua function, written to ``pyconfig_stanzas.lua`` beside this file.  That file is
generated, checked in (so that neither ``compile`` nor the fallback of a spec parse needs
jinja2) and never edited: ``tests/test_stanzas.py`` fails when it differs from what the
templates give.  The Lua side (``J`` in ``pyconfig.lua``) mirrors the few Jinja
operations and filters the templates use; anything else in a template is refused here,
by node, so a template never silently means something else in Lua (``is defined`` and
``default`` above all: the context gives every value).  The file also carries the data
both evaluators share: ``P.values`` (``contexts.STANZA_VALUES``, from which
``P.stanza_context`` types the values as ``StanzaContext`` does, and the macros file asks
rpm for them) and ``P.layout`` (``worktree.LAYOUT``).

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


class _Writer:
    def __init__(self, template: str) -> None:
        self.template = template
        self.lines: list[str] = []
        self.scopes: list[set[str]] = [set()]
        self.counter = 0

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

    def local(self, name: str) -> bool:
        return any(name in scope for scope in self.scopes)

    # -- statements ------------------------------------------------------------------------

    def body(self, statements: list[nodes.Node], depth: int) -> None:
        for node in statements:
            self.statement(node, depth)

    def statement(self, node: nodes.Node, depth: int) -> None:
        if isinstance(node, nodes.Output):  # one piece of the text: its parts joined by ..
            parts = [_lua(child.data) if isinstance(child, nodes.TemplateData)
                     else f"J.output({self.expr(child)})"
                     for child in node.nodes
                     if not (isinstance(child, nodes.TemplateData) and not child.data)]
            if parts:
                self.emit(depth, "out[#out + 1] = " + " .. ".join(parts))
        elif isinstance(node, nodes.For):
            self.loop(node, depth)
        elif isinstance(node, nodes.If):
            self.condition(node, depth)
        elif isinstance(node, nodes.Assign):
            if not isinstance(node.target, nodes.Name):
                raise self.refuse(node, "an assignment to more than one name")
            value = self.expr(node.node)
            self.scopes[-1].add(node.target.name)
            self.emit(depth, f"local v_{node.target.name} = {value}")
        elif isinstance(node, nodes.ExprStmt):
            self.emit(depth, f"local _ = {self.expr(node.node)}")
        else:
            raise self.refuse(node)

    def loop(self, node: nodes.For, depth: int) -> None:
        if (not isinstance(node.target, nodes.Name) or node.else_ or node.recursive):
            raise self.refuse(node, "a for loop other than `for NAME in LIST [if TEST]`")
        items = self.fresh("items")
        self.emit(depth, "do")
        self.emit(depth + 1, f"local {items} = J.list({self.expr(node.iter)})")
        var = node.target.name
        if node.test is not None:
            kept = self.fresh("kept")
            self.emit(depth + 1, f"local {kept} = {{}}")
            self.emit(depth + 1, f"for _, v_{var} in ipairs({items}) do")
            self.scopes.append({var})
            self.emit(depth + 2, f"if J.truth({self.expr(node.test)}) then "
                                 f"{kept}[#{kept} + 1] = v_{var} end")
            self.scopes.pop()
            self.emit(depth + 1, "end")
            items = kept
        index = self.fresh("i")
        self.emit(depth + 1, f"for {index}, v_{var} in ipairs({items}) do")
        self.scopes.append({var})
        uses_loop = any(name.name == "loop" for child in node.body
                        for name in child.find_all(nodes.Name))
        if uses_loop:
            self.scopes[-1].add("loop")
            self.emit(depth + 2, f"local v_loop = {{index = {index}, length = #{items}}}")
        self.body(node.body, depth + 2)
        self.scopes.pop()
        self.emit(depth + 1, "end")
        self.emit(depth, "end")

    def condition(self, node: nodes.If, depth: int) -> None:
        branches = [*node.body, *node.else_, *(s for e in node.elif_ for s in e.body)]
        for child in branches:
            if isinstance(child, nodes.Assign):  # Lua's local would end with the branch
                raise self.refuse(child, "{% set %} directly inside {% if %}")
        self.emit(depth, f"if J.truth({self.expr(node.test)}) then")
        self.body(node.body, depth + 1)
        for branch in node.elif_:
            self.emit(depth, f"elseif J.truth({self.expr(branch.test)}) then")
            self.body(branch.body, depth + 1)
        if node.else_:
            self.emit(depth, "else")
            self.body(node.else_, depth + 1)
        self.emit(depth, "end")

    # -- expressions -----------------------------------------------------------------------

    def expr(self, node: nodes.Node) -> str:
        if isinstance(node, nodes.Const):
            value = node.value
            if isinstance(value, str):
                return _lua(value)
            if isinstance(value, int) and not isinstance(value, bool):
                return str(value)
            raise self.refuse(node, f"the constant {value!r}")
        if isinstance(node, nodes.Name):
            if self.local(node.name):
                return f"v_{node.name}"
            return f"J.get(ctx, {_lua(node.name)})"
        if isinstance(node, nodes.Getattr):
            return f"J.attr({self.expr(node.node)}, {_lua(node.attr)})"
        if isinstance(node, nodes.Getitem):
            return f"J.item({self.expr(node.node)}, {self.expr(node.arg)})"
        if isinstance(node, nodes.Concat):
            return "J.concat(" + ", ".join(self.expr(n) for n in node.nodes) + ")"
        if isinstance(node, nodes.Not):
            return f"(not J.truth({self.expr(node.node)}))"
        if isinstance(node, nodes.CondExpr):
            if node.expr2 is None:
                raise self.refuse(node, "an `if` expression without `else`")
            return (f"J.choose(J.truth({self.expr(node.test)}), function() return "
                    f"{self.expr(node.expr1)} end, function() return {self.expr(node.expr2)} end)")
        if isinstance(node, nodes.Compare):
            if len(node.ops) != 1 or node.ops[0].op not in _COMPARE:
                raise self.refuse(node, "this comparison")
            operand = node.ops[0]
            return f"{_COMPARE[operand.op]}({self.expr(node.expr)}, {self.expr(operand.expr)})"
        if isinstance(node, nodes.Test):  # `is defined` & co.: the context gives every value
            raise self.refuse(node, f"the test `is {node.name}`")
        if isinstance(node, nodes.Filter):
            return self.filter(node)
        if isinstance(node, nodes.Call):
            if (not isinstance(node.node, nodes.Getattr) or node.node.attr not in _METHODS
                    or node.kwargs or node.dyn_args or node.dyn_kwargs):
                raise self.refuse(node, "this call")
            arguments = [self.expr(node.node.node), *(self.expr(a) for a in node.args)]
            return f"{_METHODS[node.node.attr]}({', '.join(arguments)})"
        raise self.refuse(node)

    def filter(self, node: nodes.Filter) -> str:
        if node.node is None or node.kwargs or node.dyn_args or node.dyn_kwargs:
            raise self.refuse(node, f"the filter {node.name}")
        if node.name not in _FILTERS:
            raise self.refuse(node, f"the filter {node.name}")
        if (node.name in _ATTRIBUTE_FILTERS and not node.args
                and isinstance(node.node, nodes.Getattr)):
            return (f"{_ATTRIBUTE_FILTERS[node.name]}({self.expr(node.node.node)}, "
                    f"{_lua(node.node.attr)})")
        arguments = [self.expr(node.node), *(self.expr(a) for a in node.args)]
        return f"{_FILTERS[node.name]}({', '.join(arguments)})"


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
    writer = _Writer(name)
    writer.body(tree.body, 1)
    reads = sorted(meta.find_undeclared_variables(tree))
    lines = [f"T[{_lua(name)}] = function(ctx)", "  local out = {}", *writer.lines,
             "  return table.concat(out)", "end"]
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
        "-- The shipped stanzas as Lua functions of the template context (see stanzas.py).\n",
        "local P = pyconfig\nlocal J = P.jinja\nlocal T = {}\nP.templates = T\n"
        "P.template_reads = {}\n",
        _data(),
    ]
    for name in STANZAS:
        function, reads = _translate(name)
        parts.append(function)
        parts.append(f"P.template_reads[{_lua(name)}] = {{"
                     + ", ".join(f"[{_lua(r)}] = true" for r in reads) + "}\n")
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
