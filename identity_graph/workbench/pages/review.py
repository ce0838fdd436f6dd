"""The review queue: flagged people and possible pairs, worst first, the deciding pair's two
records side by side with the fields that differ highlighted, and accept / reject / keep apart
with a reason (one keystroke each: ``a``, ``r``, ``k``; ``static/workbench.js``).

A decision takes the path ``POST /v1/decisions`` with ``apply`` takes: recorded under the live
index's write lock, then an incremental update of the live index, so the people change at once
and the change feed carries the events.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from ... import api
from ...cluster.decisions import KEEP_APART
from ...review import actions
from ...review.decide import DecisionError, record
from ...store.contract import Store
from ..guard import Reviewer, Visit
from ..render import render
from .person import LABELS, RECORD_FIELDS, _text

__all__ = ["router", "side_by_side", "apply_decision", "ACTIONS"]

router = APIRouter()
QUEUE_LENGTH = 30
#: action -> (button label, key)
ACTIONS = {"accept": ("Accept", "a"), "reject": ("Reject", "r"), "keep-apart": ("Keep apart", "k")}


def side_by_side(store: Store, pair: tuple[str, str] | None) -> dict[str, Any] | None:
    """The deciding pair's records field by field, each row marked when the two differ."""
    if pair is None:
        return None
    recs = {str(r["record_id"]): r for r in store.records(list(pair)).to_dict(orient="records")}
    a, b = recs.get(pair[0], {}), recs.get(pair[1], {})
    rows = []
    for f in RECORD_FIELDS:
        va, vb = _text(a.get(f)), _text(b.get(f))
        if va is None and vb is None:
            continue
        rows.append({"label": LABELS[f], "a": va, "b": vb, "differs": va != vb})
    return {"a": pair[0], "b": pair[1], "source_a": a.get("source"), "source_b": b.get("source"), "rows": rows}


def apply_decision(visit: Visit, item: str, action: str, reason: str) -> dict[str, Any]:
    """Record the decision and apply it to the live index (as ``POST /v1/decisions`` with ``apply``)."""
    live = visit.service.live
    live.index()
    actor = visit.session.actor
    with live.writing() as store:
        if action == "accept":
            rep = actions.accept(store, item, reason=reason, actor=actor)
        elif action == "reject":
            rep = actions.reject(store, item, reason=reason, actor=actor)
        else:
            it = api.review_item(store, item)
            if it.pair is None:
                raise DecisionError(f"{item} has no pair of records to keep apart")
            rep = record(store, [(KEEP_APART, *it.pair)], reason=reason, actor=actor)
        res = live.update(store, changed=[])
    recorded = rep.recorded
    visit.audit([(None, str(d["record_a"])) for d in recorded] + [(None, str(d["record_b"])) for d in recorded],
                detail=f"decision {action}")
    return {"run_id": res.run_id, "events": len(res.events), "decisions": len(recorded)}


@router.get("/review", summary="The review queue")
def review_page(request: Request, visit: Reviewer,
                run: Annotated[int | None, Query(ge=0)] = None,
                events: Annotated[int | None, Query(ge=0)] = None) -> Response:
    changed: list[dict[str, Any]] = []
    with visit.service.reading() as store:
        items = api.review_queue(store, QUEUE_LENGTH)
        shown = [{"item": i, "pair": side_by_side(store, i.pair)} for i in items]
        if run is not None:  # what the decision just applied changed: its run's events
            changed = [{k: _text(v) for k, v in e.items()}
                       for e in store.events(run).to_dict(orient="records")]
    visit.audit([(p, None) for i in items for p in i.person_ids if p]
                + [(e["person_id"], None) for e in changed if e.get("person_id")], detail="review queue")
    done = None if run is None else {"run_id": run, "events": events or 0, "changed": changed}
    return render(request, "review.html", {"title": "Review queue", "items": shown, "actions": ACTIONS,
                                           "done": done}, visit=visit)


@router.post("/review/decide", summary="Decide a review-queue item")
def decide(request: Request, visit: Reviewer,
           item: Annotated[str, Form(min_length=1, max_length=700)],
           action: Annotated[Literal["accept", "reject", "keep-apart"], Form()],
           reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    from ..app import PREFIX

    if not reason.strip():
        raise DecisionError("a decision needs a reason: say why in the reason box")
    done = apply_decision(visit, item, action, reason.strip())
    return RedirectResponse(f"{PREFIX}/review?run={done['run_id']}&events={done['events']}", status_code=303)
