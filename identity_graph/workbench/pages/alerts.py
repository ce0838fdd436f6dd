"""Alerts for investigators: each rule shown as a rule a person can read (its description in
plain words and its parameters), its hits listed and explained, what it set apart (placeholders,
switchboards) shown as such; each hit links to its people's pages and, for an address, to the
address page of the household (a POST form: an address never enters a URL).

Alerts read the whole index (``investigate.alerts``, ADR 0035): seconds at 650k records. So they
are computed on a background thread, once per state of the store: ``(records_version,
next_run_id)`` changes with every record written or removed and every run or update that writes
to the change feed, and a page seeing a state its alerts were not computed on starts a new
computation. Until one is ready the page says "computing…" and polls ``/alerts/status`` with
htmx (without script: a link to check again); a newer computation replaces the shown alerts
only when asked. "Run again" (a POST, CSRF-checked) recomputes at once, with the council's
switchboard numbers if given. Each time hits are shown, the people they name are audited as
read, the detail saying which alert (ADR 0037).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from ...investigate.alerts import RULES, AlertResult, run_alerts
from ...investigate.neighbourhood import readable_address
from ...serve.service import Service
from ...store.contract import Store
from ..guard import Investigator, Visit
from ..render import render

__all__ = ["router", "AlertsCache", "alerts_cache", "state_of", "SHOWN", "SHOWN_ONE_RULE", "SWITCHBOARDS_ENV"]

logger = logging.getLogger(__name__)
router = APIRouter()

#: hits shown per rule on the page of every rule, and on the page of one rule
SHOWN = 25
SHOWN_ONE_RULE = 1000
#: a computation that ends this soon after the page asked for it is shown at once (no "computing…")
FIRST_WAIT = 0.5
#: the council's own switchboard numbers, comma-separated: set apart by the rules that take them
SWITCHBOARDS_ENV = "IDGRAPH_WORKBENCH_SWITCHBOARDS"
#: the rules that take ``known_switchboards``
_SWITCHBOARD_RULES = [name for name, (rule, _) in RULES.items() if "known_switchboards" in rule.parameters]


def state_of(store: Store) -> tuple[int, int]:
    """The state of the store alerts are computed on: ``(records_version, next_run_id)``."""
    return store.records_version(), store.next_run_id()


def _switchboards(text: str) -> tuple[str, ...]:
    return tuple(sorted({p.strip() for p in re.split(r"[,;\n]", text) if p.strip()}))


@dataclass
class Computed:
    """One computation: its number, the store state it read, the switchboards given, and its
    results (or that it failed: the error is in the service's log)."""

    number: int
    state: tuple[int, int] | None = None
    switchboards: tuple[str, ...] = ()
    results: list[AlertResult] | None = None
    failed: bool = False
    started: str = ""
    seconds: float = 0.0
    done: threading.Event = field(default_factory=threading.Event, repr=False)


class AlertsCache:
    """The alerts of one service: the latest finished computation and the one running (at most
    one at a time), on a background thread that reads its own consistent snapshot."""

    def __init__(self, service: Service):
        self._service = weakref.ref(service)
        self._lock = threading.Lock()
        self.latest: Computed | None = None
        self.running: Computed | None = None
        self.switchboards: tuple[str, ...] = _switchboards(os.environ.get(SWITCHBOARDS_ENV, ""))
        self._count = 0

    def current(self, state: tuple[int, int], *, force: bool = False,
                switchboards: tuple[str, ...] | None = None) -> tuple[Computed | None, Computed | None]:
        """(latest finished, running) for a page that saw ``state``: starts a computation when
        none is running and the latest was not made on this state with these switchboards (or
        when ``force``d)."""
        with self._lock:
            if switchboards is not None:
                self.switchboards = switchboards
            latest = self.latest
            stale = latest is None or latest.state != state or latest.switchboards != self.switchboards
            if self.running is None and (stale or force):
                self._count += 1
                job = Computed(self._count, switchboards=self.switchboards,
                               started=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))
                self.running = job
                threading.Thread(target=self._compute, args=(job,), name=f"alerts-{job.number}", daemon=True).start()
            return self.latest, self.running

    def wait(self, job: Computed | None, seconds: float) -> tuple[Computed | None, Computed | None]:
        """Wait up to ``seconds`` for ``job`` to finish; then (latest finished, running)."""
        if job is not None:
            job.done.wait(seconds)
        with self._lock:
            return self.latest, self.running

    def snapshot(self) -> tuple[Computed | None, Computed | None]:
        with self._lock:
            return self.latest, self.running

    def _compute(self, job: Computed) -> None:
        began = time.perf_counter()
        try:
            service = self._service()
            if service is None:
                raise RuntimeError("the service has closed")
            overrides = {name: {"known_switchboards": list(job.switchboards)} for name in _SWITCHBOARD_RULES}
            with service.reading() as store:
                job.state = state_of(store)
                job.results = run_alerts(store, parameters=overrides if job.switchboards else None)
        except Exception as exc:  # noqa: BLE001 - a page says so; the log names the error's type only
            job.failed = True
            logger.error("computing the alerts failed: %s", type(exc).__name__)
        job.seconds = time.perf_counter() - began
        with self._lock:
            self.latest, self.running = job, None
        job.done.set()


_CACHES: weakref.WeakKeyDictionary[Service, AlertsCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def alerts_cache(service: Service) -> AlertsCache:
    """The service's alerts (made on first use)."""
    with _CACHES_LOCK:
        cache = _CACHES.get(service)
        if cache is None:
            cache = _CACHES[service] = AlertsCache(service)
        return cache


def _words(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}: {x}" for k, x in v.items()) or "none"
    if isinstance(v, list | tuple):
        return ", ".join(str(x) for x in v) or "none"
    return str(v)


def _addresses(hit: dict[str, Any]) -> list[tuple[str, str]]:
    """(address key, address in words) a hit's address page links go to."""
    if hit["kind"] == "address":
        return [(str(hit["value"]), readable_address(None, None, str(hit["value"])))]
    if hit["rule"] == "address-churn":
        return [(str(k), readable_address(None, None, str(k))) for k in hit["detail"].get("addresses", [])]
    return []


def _why_excluded(hit: dict[str, Any]) -> str:
    if hit["detail"].get("switchboard"):
        return "a known switchboard number (given to this rule)"
    return "a placeholder: a filler value, or one the model found shared by implausibly many people"


def _view(result: AlertResult, limit: int) -> dict[str, Any]:
    """A rule's result as the template shows it: at most ``limit`` hits."""
    rule = RULES[result["rule"]][0]
    hits = [{**h, "addresses": _addresses(dict(h))} for h in result["hits"][:limit]]
    excluded = [{"subject": h["subject"], "holders": len(h["people"]), "why": _why_excluded(dict(h))}
                for h in result["excluded"]]
    params = [(k, _words(v), k in rule.parameters and rule.parameters[k] != v)
              for k, v in result["parameters"].items()]
    return {"rule": result["rule"], "title": result["title"], "description": result["description"],
            "parameters": params, "hits": hits, "total": len(result["hits"]), "excluded": excluded}


def _shown(visit: Visit, job: Computed, rule: str | None) -> dict[str, Any]:
    """The results of a finished computation, for the page; the people they name audited."""
    results = [r for r in job.results or [] if rule is None or r["rule"] == rule]
    views = [_view(r, SHOWN if rule is None else SHOWN_ONE_RULE) for r in results]
    for v in views:
        reads: list[tuple[str | None, str | None]] = []
        for h in v["hits"]:
            reads += [(p["person_id"], None) for p in h["people"]]
            holder = h["detail"].get("holder")
            if holder:
                reads.append((str(holder), None))
        visit.audit(reads, detail=f"alert {v['rule']}: {len(v['hits'])} of {v['total']} hits shown")
    return {"number": job.number, "rules": views, "failed": job.failed, "started": job.started,
            "seconds": job.seconds, "state": job.state, "switchboards": list(job.switchboards)}


def _rule(rule: str | None) -> str | None:
    if rule in (None, ""):
        return None
    if rule not in RULES:
        from ...errors import NotFoundError

        raise NotFoundError(f"no alert rule {rule!r}; the rules are {', '.join(RULES)}")
    return rule


RuleQuery = Annotated[str | None, Query(max_length=100)]


@router.get("/alerts", summary="Alerts for investigators")
def alerts_page(request: Request, visit: Investigator, rule: RuleQuery = None) -> Response:
    only = _rule(rule)
    cache = alerts_cache(visit.service)
    with visit.service.reading() as store:
        state = state_of(store)
    latest, running = cache.current(state)
    if latest is None or latest.state != state:  # a quick index answers at once
        latest, running = cache.wait(running, FIRST_WAIT)
    return render(request, "alerts.html", {
        "title": "Alerts", "only": only, "rules_all": list(RULES),
        "shown": None if latest is None else _shown(visit, latest, only),
        "computing": running is not None, "switchboards": ", ".join(cache.switchboards),
        "fresh": latest is not None and latest.state == state,
    }, visit=visit)


@router.get("/alerts/status", summary="Whether the alerts are ready")
def alerts_status(request: Request, visit: Investigator, rule: RuleQuery = None,
                  shown: Annotated[int | None, Query(ge=0)] = None) -> Response:
    """For htmx polling: without ``shown``, the results once ready (else "computing…" again);
    with ``shown`` (the number of the computation on the page), whether a newer one is ready."""
    only = _rule(rule)
    cache = alerts_cache(visit.service)
    latest, running = cache.snapshot()
    if latest is None and running is None:  # a service restarted under an open page: start again
        with visit.service.reading() as store:
            latest, running = cache.current(state_of(store))
    ready = latest is not None and running is None
    context: dict[str, Any] = {"only": only, "computing": not ready, "shown": None}
    if shown is not None:
        newer = ready and latest is not None and latest.number != shown
        return render(request, "_alerts_newer.html", {**context, "shown_number": shown, "newer": newer},
                      visit=visit)
    if ready and latest is not None:
        context["shown"] = _shown(visit, latest, only)
    return render(request, "_alerts.html", {**context, "fresh": True}, visit=visit)


@router.post("/alerts/run", summary="Compute the alerts again")
def alerts_run(request: Request, visit: Investigator,
               switchboards: Annotated[str, Form(max_length=2000)] = "",
               rule: Annotated[str, Form(max_length=100)] = "") -> Response:
    only = _rule(rule or None)
    with visit.service.reading() as store:
        state = state_of(store)
    alerts_cache(visit.service).current(state, force=True, switchboards=_switchboards(switchboards))
    from ..app import PREFIX

    return RedirectResponse(f"{PREFIX}/alerts" + (f"?rule={only}" if only else ""), status_code=303)
