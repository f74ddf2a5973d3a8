"""A decision tree rolled back by formulas: one row per branch, its probability, the probability of reaching
it (the product of the probabilities on its path) and its one-off payoffs; expected values = sum of reach x
payoff (``atmpcli/model/tree.py``). Test-and-treat and cell-therapy pathways arrive here as ordinary trees."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from atmpcli.model.decision_model import Branch, Payoff, Tree
from atmpcli.model.expressions import Expression
from atmpcli.model.tree_inputs import path_values
from atmpcli.report.excel_twin.book import DECIMAL, MONEY, PROBABILITY, cell, column_range, quoted
from atmpcli.report.excel_twin.cells import ExpressionWriter
from atmpcli.report.excel_twin.plan import START, Where

METRICS = ("charged", "infused")  # the accounting the twin needs: who pays for a product, who is infused


@dataclass
class TreeCells:
    """References (on the tree's sheet) of the expected values, and the reach of the leaves entering states."""

    costs: dict[str, str] = field(default_factory=dict)
    qalys: str | None = None
    life_years: str | None = None
    responders: str | None = None
    metrics: dict[str, str] = field(default_factory=dict)
    enters: dict[int, list[str]] = field(default_factory=dict)  # state -> qualified reach cells of its leaves
    next_row: int = 0


@dataclass
class _Node:
    name: str
    depth: int
    parent: int | None
    payoff: Payoff
    metrics: dict[str, Any]
    branch: Branch | None
    responding: bool
    values: dict[str, Expression]  # the path values it sets
    siblings: list[int] = field(default_factory=list)
    path: dict[str, Any] = field(default_factory=dict)  # the engine's path values on this node (base case)


def _flatten(tree: Tree) -> list[_Node]:
    nodes = [_Node("(everyone)", 0, None, tree.payoff, tree.metrics, None, False, tree.values)]

    def visit(branches: list[Branch], parent: int, depth: int, responding: bool) -> None:
        ids = []
        for b in branches:
            ids.append(len(nodes))
            responds = responding or b.response
            nodes.append(_Node(b.label or b.name, depth, parent, b.payoff, b.metrics, b, responds, b.values))
            visit(b.children, ids[-1], depth + 1, responds)
        for i in ids:
            nodes[i].siblings = [j for j in ids if j != i]

    visit(tree.branches, 0, 1, False)
    return nodes


def _path_values(nodes: list[_Node], writer: ExpressionWriter) -> list[str]:
    """The tree's path value names (one column each), with the engine's values on every node."""
    names = list(dict.fromkeys(n for node in nodes for n in node.values))
    if names:
        params = writer.engine()
        for node in nodes:
            above = nodes[node.parent].path if node.parent is not None else {}
            node.path = path_values(node.values, params, above)
    return names


def write_tree(ws: Any, sheet: str, row: int, writer: ExpressionWriter, tree: Tree, title: str) -> TreeCells:
    """Write ``tree`` from ``row`` down; return where its expected values are."""
    book, model = writer.plan.book, writer.plan.model
    nodes = _flatten(tree)
    comps = [c for c in model.cost_components if any(c in n.payoff.costs for n in nodes)]
    has_q = any(n.payoff.qalys is not None for n in nodes)
    has_ly = any(n.payoff.life_years is not None for n in nodes)
    metrics = [m for m in METRICS if any(m in n.metrics for n in nodes)]
    cols = ["branch", "p", "reach", *(f"cost_{c}" for c in comps), *(["qalys"] if has_q else [])]
    cols += [*(["life_years"] if has_ly else []), "enters state", "responder", *metrics]
    path_names = _path_values(nodes, writer)
    summed = cols[3:]
    cols += [f"{n} (path value)" for n in path_names]
    col = {k: j for j, k in enumerate(cols)}
    path_cols = {n: col[f"{n} (path value)"] for n in path_names}
    ws.write(row, 0, title, book.fmt("heading"))
    expected, header, first = row + 1, row + 2, row + 3
    last = first + len(nodes) - 1
    ws.write(expected, 0, "Expected per person (sum of reach x value)", book.fmt("total"))
    for j, k in enumerate(cols):
        ws.write(header, j, k, book.fmt("header"))
    ws.set_row(header, 30)
    writer.plan.path_columns[sheet] = path_cols
    for k, node in enumerate(nodes):
        _write_node(ws, first, k, node, nodes, col, comps, metrics, writer, sheet)
        _write_path_values(ws, first, k, node, nodes, path_cols, writer, sheet)
    del writer.plan.path_columns[sheet]
    out = TreeCells(next_row=last + 2)
    reach = column_range(col["reach"], first, last)
    for key in summed:
        if key in ("enters state",):
            continue
        fmt = book.fmt("total", MONEY if key.startswith("cost") else DECIMAL)
        ws.write_formula(expected, col[key], f"=SUMPRODUCT({reach},{column_range(col[key], first, last)})", fmt)
        ref = cell(expected, col[key])
        if key.startswith("cost_"):
            out.costs[key[5:]] = ref
        elif key in ("qalys", "life_years"):
            setattr(out, key, ref)
        elif key == "responder":
            out.responders = ref
        else:
            out.metrics[key] = ref
    for k, node in enumerate(nodes):
        if node.branch is not None and not node.branch.children and node.branch.state is not None:
            out.enters.setdefault(node.branch.state, []).append(f"{quoted(sheet)}!{cell(first + k, col['reach'])}")
    return out


def _write_node(
    ws: Any,
    first: int,
    k: int,
    node: _Node,
    nodes: list[_Node],
    col: dict[str, int],
    comps: list[str],
    metrics: list[str],
    writer: ExpressionWriter,
    sheet: str,
) -> None:
    """A node's row; its probability sees the path values on its parent's row, its payoffs those on its own."""
    book, r = writer.plan.book, first + k
    ws.write(r, col["branch"], "    " * node.depth + node.name)
    where = Where(sheet, START, r)
    b = node.branch
    if b is None:
        ws.write_number(r, col["reach"], 1, book.fmt("text", PROBABILITY))
    else:
        if b.p is None:  # p: rest, the complement of its siblings
            others = [cell(first + j, col["p"], absolute=False) for j in node.siblings]
            rest = "1-" + (f"({'+'.join(others)})" if len(others) > 1 else (others[0] if others else "0"))
            ws.write_formula(r, col["p"], f"=MAX(0,MIN(1,{rest}))", book.fmt("text", PROBABILITY))
        else:
            parent_row = first + node.parent  # type: ignore[operator]
            above = nodes[node.parent].path  # type: ignore[index]
            writer.write(ws, r, col["p"], b.p, Where(sheet, START, parent_row), PROBABILITY, above)
        parent = cell(first + node.parent, col["reach"], absolute=False)  # type: ignore[operator]
        ws.write_formula(
            r, col["reach"], f"={parent}*{cell(r, col['p'], absolute=False)}", book.fmt("text", PROBABILITY)
        )
        leaf = not b.children
        if leaf and b.state is not None:
            ws.write(r, col["enters state"], writer.plan.model.states[b.state].name)
        if leaf:
            ws.write_number(r, col["responder"], 1 if node.responding else 0)
    for c in comps:
        if c in node.payoff.costs:
            writer.write(ws, r, col[f"cost_{c}"], node.payoff.costs[c], where, MONEY, node.path)
    for key in ("qalys", "life_years"):
        e = getattr(node.payoff, key)
        if e is not None:
            writer.write(ws, r, col[key], e, where, DECIMAL, node.path)
    for m in metrics:
        if m in node.metrics:
            writer.write(ws, r, col[m], node.metrics[m], where, None, node.path)


def _write_path_values(
    ws: Any,
    first: int,
    k: int,
    node: _Node,
    nodes: list[_Node],
    columns: dict[str, int],
    writer: ExpressionWriter,
    sheet: str,
) -> None:
    """A node's path values: its own ``set:`` (a formula on its parent's row), or its parent's cell."""
    r = first + k
    parent_row = first + node.parent if node.parent is not None else r  # the root's values see no others
    above = nodes[node.parent].path if node.parent is not None else {}
    for name, j in columns.items():
        if name in node.values:
            writer.write(ws, r, j, node.values[name], Where(sheet, START, parent_row), DECIMAL, above)
        elif name in above:
            ws.write_formula(r, j, f"={cell(parent_row, j, absolute=False)}", writer.plan.book.fmt("text"))
