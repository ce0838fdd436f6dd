"""``idgraph review …`` and ``idgraph decide``: the review queue and reviewers' decisions
(ADR 0024). A decision is recorded at once; people change at the next resolve, recluster or
update, or at once with ``--apply``."""

from __future__ import annotations

import getpass
from typing import Any

import click

from ._lazy import LazyModule
from .render import print_json, print_table

api: Any = LazyModule("identity_graph.api")

__all__ = ["review", "decide", "print_decision_report"]


def _actor() -> str:
    """Who decides, from the command line: ``cli:<os user>``."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a bare container)
        user = "unknown"
    return f"cli:{user}"


def _name(golden: dict[str, Any]) -> str:
    name = " ".join(str(golden[k]) for k in ("given_name", "family_name") if golden.get(k)).title()
    return f"{name or '?'} ({golden.get('dob') or 'no dob'})"


def print_decision_report(rep: Any) -> None:
    """Text for a ``DecisionReport``: what was recorded, contradictions, when people change."""
    for d in rep.recorded:
        replaces = f", replaces decision {d['replaces']}" if d["replaces"] else ""
        click.echo(f"decision {d['decision_id']}: {d['kind']} {d['record_a']} / {d['record_b']} "
                   f"(by {d['actor']}{replaces})")
    for c in rep.contradictions:
        by = c.get("kept_apart_by")
        against = f"keep-apart decision {by['decision_id']} ({by['record_a']} / {by['record_b']})" if by else "a keep-apart"
        click.echo(f"warning: same-person decision {c['decision_id']} ({c['record_a']} / {c['record_b']}) "
                   f"is not applied: it contradicts {against}", err=True)
    if rep.applied:
        ev = rep.applied.get("events") or "none"
        click.echo(f"applied: run {rep.applied['run_id']}, {rep.applied['people']:,} people (events {ev})")
    else:
        click.echo(rep.note)


@click.command()
@click.argument("kind", type=click.Choice(["same-person", "keep-apart"]))
@click.argument("record_a")
@click.argument("record_b")
@click.option("--reason", required=True, help="Why (required; kept with the decision).")
@click.option("--apply", "apply_now", is_flag=True, help="Recluster now, so people change at once.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def decide(obj: Any, kind: str, record_a: str, record_b: str, reason: str, apply_now: bool, as_json: bool) -> None:
    """Record a decision about two records: same-person (always join them) or keep-apart (never
    in one person, even through a chain). A later decision on the pair replaces this one.

    People change at the next resolve, recluster or update (or now, with --apply).

    Example: idgraph decide keep-apart council_tax:CT000123 housing:H004567 --reason "father and son"
    """
    from .main import run_or_exit

    rep = run_or_exit(api.decide, obj.store, kind, record_a, record_b, reason=reason, actor=_actor(), apply=apply_now)
    if as_json:
        print_json(rep.to_dict())
        return
    print_decision_report(rep)


@click.group()
def review() -> None:
    """The review queue: flagged people and possible matches between two people, worst first.

    Example: idgraph review list --limit 20
    """


@review.command("list")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def review_list(obj: Any, limit: int, as_json: bool) -> None:
    """List the queue, worst first: the items nearest the match threshold (smallest margin, in
    bits of match weight) come first. ITEM is a person id or RECORD_A~RECORD_B.

    Example: idgraph review list --json
    """
    from .main import run_or_exit

    items = run_or_exit(api.review_queue, obj.store, limit)
    obj.audit("idgraph review list", [(p, None) for it in items for p in it.person_ids])
    if as_json:
        print_json([it.to_dict() for it in items])
        return
    if not items:
        click.echo("the review queue is empty")
        return
    import pandas as pd

    rows = pd.DataFrame([
        {
            "rank": i,
            "item": it.item,
            "kind": it.kind,
            "margin": f"{it.margin:.2f}",
            "p": f"{it.probability:.3f}" if it.probability is not None else "",
            "who": " / ".join(_name(it.golden.get(p, {})) for p in it.person_ids[:2]),
            "why": "; ".join(it.why),
        }
        for i, it in enumerate(items, 1)
    ])
    print_table(rows, list(rows.columns), max_width=70)
    click.echo("next: idgraph review show ITEM; idgraph review accept|reject ITEM --reason TEXT")


@review.command("show")
@click.argument("item")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def review_show(obj: Any, item: str, as_json: bool) -> None:
    """One item: why it is listed, its people and records, and the evidence on its deciding pair.

    Example: idgraph review show P1a2b3c4d5e6f
    """
    from .main import run_or_exit

    it = run_or_exit(api.review_item, obj.store, item)
    exp = run_or_exit(api.explain, obj.store, *it.pair) if it.pair else None
    obj.audit("idgraph review show", [(p, None) for p in it.person_ids] + [(None, r) for r in it.records])
    if as_json:
        print_json({**it.to_dict(), "explain": exp.to_dict() if exp else None})
        return
    click.echo(f"{it.item}  ({it.kind}; margin {it.margin:.2f} bits from the match threshold)")
    for why in it.why:
        click.echo(f"  why: {why}")
    for pid in it.person_ids:
        click.echo(f"  person {pid}: {_name(it.golden.get(pid, {}))}")
    click.echo(f"  records: {', '.join(it.records)}")
    if exp is not None and it.pair:
        where = "holds the person together" if it.side == "inside" else "joins two people"
        click.echo(f"\ndeciding pair ({where}): {it.pair[0]}  vs  {it.pair[1]}  "
                   f"p = {exp.probability:.4f}, edge {exp.tier or 'none'}")
        import pandas as pd

        print_table(pd.DataFrame(exp.rows), ["comparison", "value_a", "value_b", "level", "weight", "tf_adjustment"])
    click.echo("\nnext: idgraph review accept|reject ITEM --reason TEXT")


def _act(obj: Any, fn: str, item: str, reason: str, apply_now: bool, as_json: bool) -> None:
    from .main import run_or_exit

    rep = run_or_exit(getattr(api, fn), obj.store, item, reason=reason, actor=_actor(), apply=apply_now)
    if as_json:
        print_json(rep.to_dict())
        return
    print_decision_report(rep)


@review.command("accept")
@click.argument("item")
@click.option("--reason", required=True, help="Why (required; kept with each decision).")
@click.option("--apply", "apply_now", is_flag=True, help="Recluster now, so people change at once.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def review_accept(obj: Any, item: str, reason: str, apply_now: bool, as_json: bool) -> None:
    """The item is right: a pair is one person (same-person); a flagged person stays as it is
    (same-person along it, keep-apart from the people it was cut from).

    Example: idgraph review accept P1a2b3c4d5e6f --reason "same NI number on paper file"
    """
    _act(obj, "review_accept", item, reason, apply_now, as_json)


@review.command("reject")
@click.argument("item")
@click.option("--reason", required=True, help="Why (required; kept with the decision).")
@click.option("--apply", "apply_now", is_flag=True, help="Recluster now, so people change at once.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def review_reject(obj: Any, item: str, reason: str, apply_now: bool, as_json: bool) -> None:
    """The item is wrong: a pair is two people (keep-apart); a flagged person is split at its
    weakest link (keep-apart).

    Example: idgraph review reject council_tax:CT000123~housing:H004567 --reason "twins"
    """
    _act(obj, "review_reject", item, reason, apply_now, as_json)
