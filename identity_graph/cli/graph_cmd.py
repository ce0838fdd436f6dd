"""``idgraph graph …``: investigator queries (table for people, ``--json`` for tools)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ..types import LINK_KINDS
from ._lazy import LazyModule
from .render import print_json, print_table
from .workbench_cmd import register_graph_commands

if TYPE_CHECKING:
    import pandas as pd

g: Any = LazyModule("identity_graph.investigate.graph")

__all__ = ["graph"]


def _out(frame: pd.DataFrame, as_json: bool, columns: list[str] | None = None) -> None:
    if as_json:
        print_json(frame.to_dict(orient="records"))
    else:
        print_table(frame, columns or list(frame.columns), max_width=60)


def _people(frame: pd.DataFrame, column: str = "person_id") -> list[tuple[str | None, str | None]]:
    """(person_id, record_id) reads of a frame's rows, for the audit log."""
    records = frame["record_id"] if "record_id" in frame.columns else [None] * len(frame)
    return [(p if isinstance(p, str) else None, r) for p, r in zip(frame[column], records, strict=True)]


def _kinds(value: str | None) -> tuple[str, ...]:
    return tuple(k.strip() for k in value.split(",")) if value else LINK_KINDS


@click.group()
def graph() -> None:
    """Explore the identity graph: shared identifiers, residents, connections.

    Example: idgraph graph shared --kinds phone,email
    """


@graph.command("person")
@click.argument("person_id")
@click.option("--depth", type=click.IntRange(1, 6), default=1, show_default=True)
@click.option("--kinds", help=f"Identifier kinds that link people (default {','.join(LINK_KINDS)}).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def person_cmd(obj: Any, person_id: str, depth: int, kinds: str | None, as_json: bool) -> None:
    """A person's neighbourhood: everyone linked through shared identifiers, to DEPTH hops.

    Example: idgraph graph person P1a2b3c4d5e6f --depth 2
    """
    from .main import run_or_exit

    nb = run_or_exit(g.neighbourhood, obj.store, person_id, depth, _kinds(kinds))
    obj.audit("idgraph graph person", [(p, None) for p in sorted(nb.people)])
    if as_json:
        print_json(nb.to_dict())
        return
    import pandas as pd

    links = pd.DataFrame([{"person_a": a, "person_b": b, "kind": k, "value": v} for a, b, k, v in nb.links],
                         columns=["person_a", "person_b", "kind", "value"])
    links = g.with_names(obj.store, g.with_names(obj.store, links, "person_a", "name_a"), "person_b", "name_b")
    centre = g.with_names(obj.store, pd.DataFrame({"person_id": [nb.person_id]}))["name"].iloc[0]
    click.echo(f"{centre} ({nb.person_id}): {len(nb.people) - 1} linked people within {depth} hop(s)")
    _out(links, False, ["person_a", "name_a", "person_b", "name_b", "kind", "value"])


@graph.command("shared")
@click.option("--identifier", help="One identifier, e.g. phone:07700900123 — who holds it.")
@click.option("--kinds", help=f"Kinds to rank (default {','.join(LINK_KINDS)}).")
@click.option("--min-people", type=click.IntRange(2), default=2, show_default=True)
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def shared_cmd(obj: Any, identifier: str | None, kinds: str | None, min_people: int, limit: int, as_json: bool) -> None:
    """Identifiers shared by more than one person, most people first (or who holds one).

    Example: idgraph graph shared --identifier phone:+447700900123
    """
    from .main import run_or_exit

    if identifier:
        found = run_or_exit(g.identifier_people, obj.store, identifier)
        obj.audit("idgraph graph shared", _people(found))
        _out(g.with_names(obj.store, found), as_json)
    else:
        df = run_or_exit(g.shared_identifiers, obj.store, kinds=_kinds(kinds), min_people=min_people, limit=limit)
        obj.audit("idgraph graph shared", [(p, None) for ids in df["person_ids"] for p in ids])
        from ..investigate.neighbourhood import golden_name

        ids = sorted({p for x in df["person_ids"] for p in x})
        goldens = obj.store.goldens(ids) if ids else {}
        df = df.assign(names=df["person_ids"].map(lambda x: [golden_name(goldens.get(p)) for p in x]))
        if not as_json:
            df = df.assign(person_ids=df["person_ids"].map(lambda x: " ".join(x)),
                           names=df["names"].map(lambda x: "; ".join(x)))
        _out(df, as_json)


@graph.command("residents")
@click.argument("address")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def residents_cmd(obj: Any, address: str, as_json: bool) -> None:
    """Everyone who lived at an address, typed as people type it, with dates.

    ADDRESS: "14 Hyde Park Road", a postcode ("LS61AB", any case), both, or an address key.

    Example: idgraph graph residents "14 Hyde Park Road"
    """
    from .main import run_or_exit

    found = run_or_exit(g.residents, obj.store, address)
    obj.audit("idgraph graph residents", _people(found))
    found = g.with_names(obj.store, found)
    _out(found, as_json, ["person_id", "name", "address", "postcode", "first_seen", "last_seen", "sources",
                          "is_current", "match"])


@graph.command("path")
@click.argument("person_a")
@click.argument("person_b")
@click.option("--max-depth", type=click.IntRange(1, 10), default=6, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def path_cmd(obj: Any, person_a: str, person_b: str, max_depth: int, as_json: bool) -> None:
    """The shortest connection between two people through shared identifiers.

    Example: idgraph graph path P1a2b3c4d5e6f P6f5e4d3c2b1a
    """
    from .main import run_or_exit

    steps = run_or_exit(g.shortest_connection, obj.store, person_a, person_b, max_depth=max_depth)
    obj.audit("idgraph graph path", [(p, None) for s in steps for p in (s.get("person_id"), s.get("next_person_id")) if p])
    import pandas as pd

    path = pd.DataFrame(steps, columns=["person_id", "kind", "value", "next_person_id"])
    path = g.with_names(obj.store, g.with_names(obj.store, path), "next_person_id", "next_name")
    _out(path, as_json, ["person_id", "name", "kind", "value", "next_person_id", "next_name"])


@graph.command("changes")
@click.option("--since", required=True, help="ISO date or time, e.g. 2026-11-01.")
@click.option("--limit", type=click.IntRange(1), default=1000, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def changes_cmd(obj: Any, since: str, limit: int, as_json: bool) -> None:
    """Records created or changed since a date, newest first, with their person.

    Example: idgraph graph changes --since 2026-11-01
    """
    from .main import run_or_exit

    found = run_or_exit(g.changed_since, obj.store, since, limit)
    obj.audit("idgraph graph changes", _people(found))
    _out(found, as_json)


register_graph_commands(graph)
