"""Compiling partitioned survival models: the states read off curves, each strategy's curves, and the checks
that need the rest of the scenario (no transitions; trees entering partitions at their first state; one-off
payoffs only at death)."""

from __future__ import annotations

from atmpcli.model.decision_model import Branch, Strategy, TransitionReward, Tree
from atmpcli.model.survival_model import Partition
from atmpcli.scenario.compiler import Compiler
from atmpcli.scenario.schema_survival import PartitionSpec
from atmpcli.scenario.yamlfile import Loc


def compile_partitions(
    c: Compiler, strategies: list[Strategy], tree: Tree | None, rewards: list[TransitionReward]
) -> list[Partition]:
    spec = c.spec
    if not spec.partitioned_survival:
        return []
    if not spec.states:
        c.fail(("partitioned_survival",), "partitioned survival needs states (their costs and utilities)")
        return []
    if spec.transitions:
        c.fail(
            ("transitions",), "a partitioned survival model reads occupancy off curves: remove transitions", key=True
        )
    names = [s.name for s in strategies]
    out, entries = [], {}
    for name, p in spec.partitioned_survival.items():
        loc: Loc = ("partitioned_survival", name)
        part = _partition(c, name, p, loc, names)
        if part is None:
            continue
        first = spec_state_name(c, part.entry)
        if first in entries:
            c.fail(
                (*loc, "states", 0), f"partition {entries[first]} starts in '{first}' too; each starts in its own state"
            )
        entries[first] = name
        out.append(part)
    if out:
        _check_rewards(c, rewards)
        for t in [tree] + [x for s in strategies for x in (s.tree, s.infused_tree)]:
            if t is not None:
                _check_leaves(c, t.branches, set(entries))
    return out


def spec_state_name(c: Compiler, index: int) -> str:
    return list(c.spec.states)[index]


def _partition(c: Compiler, name: str, p: PartitionSpec, loc: Loc, strategies: list[str]) -> Partition | None:
    idx = [c.state_ref(s, (*loc, "states", k)) for k, s in enumerate(p.states)]
    if any(i is None for i in idx):
        return None
    states = [list(c.spec.states.values())[i] for i in idx]  # type: ignore[index]
    ok = True
    for k, (sname, st) in enumerate(zip(p.states, states, strict=True)):
        last = k == len(states) - 1
        if st.alive == last:
            c.fail(
                (*loc, "states", k),
                f"'{sname}' must be {'a dead (alive: false)' if last else 'an alive'} state: the states are {'progression-free, progressed, dead' if len(states) == 3 else 'alive, dead'}",
            )
            ok = False
        if st.tunnel_cycles:
            c.fail(
                (*loc, "states", k), f"'{sname}' is a tunnel state; a partitioned survival model has no time in state"
            )
            ok = False
    if len(set(p.states)) != len(p.states):
        c.fail((*loc, "states"), "a state appears twice")
        ok = False
    os = _by_strategy(c, p.os, (*loc, "os"), strategies)
    pfs = _by_strategy(c, p.pfs, (*loc, "pfs"), strategies) if p.pfs is not None else {}
    if not ok or os is None or pfs is None:
        return None
    return Partition(name, tuple(idx), pfs, os, loc)  # type: ignore[arg-type]


def _by_strategy(c: Compiler, value: str | dict[str, str], loc: Loc, strategies: list[str]) -> dict[str, str] | None:
    """One curve for every strategy, or each strategy's own curve (every strategy named once)."""
    known = c.curves.known() if c.curves is not None else []
    mapping = dict.fromkeys(strategies, value) if isinstance(value, str) else dict(value)
    ok = True
    for strategy, curve in mapping.items():
        where = loc if isinstance(value, str) else (*loc, strategy)
        if strategy not in strategies:
            c.unknown((*loc, strategy), strategy, strategies, "strategy")
            ok = False
        elif curve not in known:
            if curve not in c.spec.survival:  # one that failed to compile is reported already
                c.unknown(where, curve, known, "survival curve")
            ok = False
    missing = [s for s in strategies if s not in mapping]
    if missing:
        c.fail(loc, f"no curve for strategy {', '.join(missing)} (give one curve, or one per strategy)")
        ok = False
    return mapping if ok else None


def _check_rewards(c: Compiler, rewards: list[TransitionReward]) -> None:
    everyone = frozenset(range(len(c.spec.states)))
    states = list(c.spec.states.values())
    for r in rewards:
        if r.sources != everyone or any(states[j].alive for j in r.targets):
            c.fail(
                r.origin,
                "a partitioned survival model knows when people die, not from which state or when they "
                "progress: a transition reward needs `to:` dead states and no `from:`",
            )


def _check_leaves(c: Compiler, branches: list[Branch], entries: set[str]) -> None:
    states = list(c.spec.states.items())
    for b in branches:
        if b.state is not None:
            name, st = states[b.state]
            if st.alive and name not in entries:
                c.fail(
                    b.origin,
                    f"enters '{name}', where no partition starts (partitions start in: {', '.join(sorted(entries))})",
                )
        _check_leaves(c, b.children, entries)
