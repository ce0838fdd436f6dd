"""Recording reviewers' decisions (ADR 0024).

A decision is recorded at once, in the store; the people change at the next resolve, recluster
or update, which honour every current decision (``cluster.decisions``). ``apply`` runs a
recluster straight away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..cluster.decisions import KINDS, contradictions
from ..errors import IdentityGraphError
from ..store.contract import Decision, Store

__all__ = ["DecisionError", "DecisionReport", "record", "PENDING_NOTE"]

PENDING_NOTE = (
    "recorded; people change at the next resolve, recluster or update "
    "(or decide with --apply to recluster now)"
)


class DecisionError(IdentityGraphError):
    """A decision cannot be recorded as asked (unknown kind, no reason, one record twice)."""

    exit_code = 2


@dataclass
class DecisionReport:
    """What a decision (or a review accept/reject, which may record several) did."""

    #: the decisions recorded: decision_id, kind, record_a, record_b, actor, decided_at, reason,
    #: replaces (the pair's previous decision_id, or None)
    recorded: list[dict[str, Any]] = field(default_factory=list)
    #: every contradiction among the current decisions after recording (same-person refused by
    #: a keep-apart, directly or through other same-person decisions)
    contradictions: list[dict[str, Any]] = field(default_factory=list)
    #: the recluster's report when applied at once, else None
    applied: dict[str, Any] | None = None
    note: str = PENDING_NOTE

    def to_dict(self) -> dict[str, Any]:
        return {
            "recorded": self.recorded,
            "contradictions": self.contradictions,
            "applied": self.applied,
            "note": self.note,
        }


def _checked(kind: str, record_a: str, record_b: str, reason: str, actor: str) -> Decision:
    if kind not in KINDS:
        raise DecisionError(f"unknown decision {kind!r}: use one of {', '.join(KINDS)}")
    if not reason or not reason.strip():
        raise DecisionError("a decision needs a reason: say why (--reason TEXT)")
    if not actor or not actor.strip():
        raise DecisionError("a decision needs an actor: who decided")
    a, b = str(record_a).strip(), str(record_b).strip()
    if a == b:
        raise DecisionError(f"both records are {a!r}: a decision is about two different records")
    a, b = min(a, b), max(a, b)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return Decision(kind=kind, record_a=a, record_b=b, actor=actor.strip(), decided_at=now, reason=reason.strip())


def record(
    store: Store, pairs: list[tuple[str, str, str]], *, reason: str, actor: str
) -> DecisionReport:
    """Record decisions ``(kind, record_a, record_b)``, each in its own transaction, all checked
    before any is written. Returns what was recorded and the contradictions now standing."""
    checked = [_checked(k, a, b, reason, actor) for k, a, b in pairs]
    current = store.decisions()
    previous = {(a, b): int(i) for a, b, i in zip(current["record_a"], current["record_b"], current["decision_id"],
                                                   strict=True)}
    rep = DecisionReport()
    for d in checked:
        decision_id = store.record_decision(d)
        rep.recorded.append({
            "decision_id": decision_id, "kind": d.kind, "record_a": d.record_a, "record_b": d.record_b,
            "actor": d.actor, "decided_at": d.decided_at, "reason": d.reason,
            "replaces": previous.get((d.record_a, d.record_b)),
        })
        previous[(d.record_a, d.record_b)] = decision_id
    rep.contradictions = contradictions(store.decisions())
    return rep
