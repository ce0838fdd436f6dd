"""Subject access (UK GDPR article 15): everything the store holds about a resident, in one folder.

``subject_access(store, target, out)`` writes ``subject_access.json`` (all of it, machine
readable) and ``subject_access.html`` (a readable summary: self-contained, every value escaped,
no script, no external resource) for a person id, or the person holding a record id (a record no
one holds yet is exported on its own). It holds: the golden record and address history; every
record with its source values (``raw``) and its history of replaced values; the identifiers each
record carries; the similarity links (edges) touching them; reviewers' decisions naming them;
the person's events in the change feed (and those of people merged into them); and the audit
log of who read the person. The export is itself a read: it is audited before it is gathered, so
it lists its own entry. Files are created owner-only (0600, folder 0700).
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import NotFoundError
from ..store.contract import Store
from ..store.identifiers import identifier_rows

__all__ = ["SubjectAccessReport", "subject_access", "gather", "render_html"]

JSON_NAME = "subject_access.json"
HTML_NAME = "subject_access.html"
#: the most audit entries an export lists (newest first)
AUDIT_LIMIT = 100_000


@dataclass
class SubjectAccessReport:
    target: str
    person_id: str | None
    records: int
    json_path: str
    html_path: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    if df is None or not len(df):
        return []
    clean = df.astype(object).where(df.notna(), None)
    return [{k: _plain(v) for k, v in r.items()} for r in clean.to_dict(orient="records")]


def _plain(v: Any) -> Any:
    if hasattr(v, "item") and not isinstance(v, (list, dict, str)):
        return v.item()
    return v


def _parsed(text: Any) -> Any:
    if not isinstance(text, str) or not text:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def gather(store: Store, target: str) -> dict[str, Any]:
    """Everything held about ``target`` (a person id or a record id), as plain JSON values."""
    person = store.person(target)
    if person is not None and person["status"] != "active" and person.get("merged_into"):
        person = store.person(person["merged_into"]) or person
    if person is None:
        owner = store.person_of(target)
        person = store.person(owner) if owner else None
    if person is not None:
        pid: str | None = person["person_id"]
        records = store.person_records(str(pid))
    else:
        pid = None
        records = store.records([target])
        if not len(records):
            raise NotFoundError(
                f"no person or record {target!r}; person ids look like P1a2b3c4d5e6f, record ids like "
                "council_tax:CT000123 (see `idgraph search`)"
            )
    ids = sorted(records["record_id"].tolist())
    idents = identifier_rows(records) if len(records) else pd.DataFrame(columns=["record_id", "kind", "value"])
    out_records = []
    for r in _rows(records):
        rid = r["record_id"]
        history = []
        for h in _rows(store.record_history(rid)):
            h["canonical"] = _parsed(h.get("canonical"))
            h["raw"] = _parsed(h.get("raw"))
            history.append(h)
        r["raw"] = _parsed(r.get("raw"))
        sub = idents[idents["record_id"] == rid]
        r["identifiers"] = [{"kind": k, "value": v} for k, v in zip(sub["kind"], sub["value"], strict=True)]
        r["history"] = history
        out_records.append(r)
    decisions = store.decisions(history=True)
    if len(decisions):
        decisions = decisions[decisions["record_a"].isin(ids) | decisions["record_b"].isin(ids)]
    events = pd.DataFrame()
    merged_in: list[str] = []
    if pid:
        events = store.person_changes([pid])
        merged_in = sorted({p for p, e, q in zip(events["person_id"], events["event"], events["other_person_id"],
                                                 strict=True) if e == "merged" and q == pid and p and p != pid})
        if merged_in:
            events = store.person_changes([pid, *merged_in])
    event_rows = []
    for e in _rows(events):
        e["detail"] = _parsed(e.get("detail"))
        event_rows.append(e)
    audit = store.audit_log(limit=AUDIT_LIMIT, person_id=pid) if pid else pd.DataFrame()
    if not pid and ids:
        audit = store.audit_log(limit=AUDIT_LIMIT)
        audit = audit[audit["record_id"].isin(ids)]
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "subject": target,
        "person": None if person is None else {
            "person_id": pid, "status": person["status"], "review": person["review"],
            "created_run": person["created_run"], "updated_run": person["updated_run"],
            "merged_in": merged_in,
        },
        "golden": person["golden"] if person is not None else None,
        "address_history": _rows(store.person_address_history(pid)) if pid else [],
        "records": out_records,
        "links": _rows(store.edges(ids)) if ids else [],
        "decisions": _rows(decisions),
        "events": event_rows,
        "audit": _rows(audit),
    }


# -- the HTML summary ------------------------------------------------------------------------------
_CSS = """body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:70rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.note{color:#555;font-size:.9rem}"""


def _cell(v: Any) -> str:
    if isinstance(v, (dict, list)):
        v = json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)
    return html.escape("" if v is None else str(v), quote=True)


def _table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    if not rows:
        return '<p class="note">None held.</p>'
    cols = columns or list(dict.fromkeys(k for r in rows for k in r))
    head = "".join(f"<th>{_cell(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c in cols) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(data: dict[str, Any]) -> str:
    """A self-contained page: inline style only, no script, every value escaped."""
    person = data.get("person") or {}
    golden = data.get("golden") or {}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>Subject access: {_cell(data.get('subject'))}</title><style>{_CSS}</style></head><body>",
        f"<h1>Subject access export: {_cell(data.get('subject'))}</h1>",
        f'<p class="note">Generated {_cell(data.get("generated_at"))}. Everything below is also in '
        f"{JSON_NAME}, in full.</p>",
        "<h2>Person</h2>",
        _table([person]) if person else '<p class="note">No person holds this record yet.</p>',
        "<h2>Golden record (the best current value of each field)</h2>",
        _table([{"field": k, "value": v} for k, v in sorted(golden.items())], ["field", "value"]),
        "<h2>Address history</h2>",
        _table(data.get("address_history", [])),
        "<h2>Records held, by source system</h2>",
    ]
    for r in data.get("records", []):
        shown = {k: v for k, v in r.items() if k not in ("raw", "history", "identifiers") and v not in (None, "")}
        parts.append(f"<h3>{_cell(r.get('record_id'))}</h3>")
        parts.append(_table([{"field": k, "value": v} for k, v in shown.items()], ["field", "value"]))
        raw = r.get("raw") if isinstance(r.get("raw"), dict) else {}
        parts.append("<p>As the source system sent it:</p>")
        parts.append(_table([{"column": k, "value": v} for k, v in raw.items()], ["column", "value"]))
        parts.append("<p>Identifiers:</p>" + _table(r.get("identifiers", []), ["kind", "value"]))
        parts.append("<p>Earlier values (history):</p>")
        parts.append(_table(r.get("history", []), ["replaced_at", "reason", "canonical"]))
    parts += [
        "<h2>Links between records (similarity)</h2>",
        _table(data.get("links", [])),
        "<h2>Reviewers' decisions</h2>",
        _table(data.get("decisions", [])),
        "<h2>Changes to the person (change feed)</h2>",
        _table(data.get("events", [])),
        "<h2>Who has viewed this person (audit log)</h2>",
        _table(data.get("audit", []), ["at", "actor", "role", "action", "record_id", "purpose"]),
        "</body></html>",
    ]
    return "\n".join(parts)


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def subject_access(
    store: Store, target: str, out: str | os.PathLike[str], *, actor: str, purpose: str | None = None,
    role: str = "cli",
) -> SubjectAccessReport:
    """Write the export of ``target`` to folder ``out`` (created owner-only); audited as
    ``subject access`` by ``actor``."""
    from ..access import audit

    # the read is audited first: the export then lists its own entry
    pid = None
    found = store.person(target)
    if found is not None:
        pid = found.get("merged_into") if found["status"] != "active" and found.get("merged_into") else target
    else:
        pid = store.person_of(target)
    if pid is None and not len(store.records([target])):
        raise NotFoundError(
            f"no person or record {target!r}; person ids look like P1a2b3c4d5e6f, record ids like "
            "council_tax:CT000123 (see `idgraph search`)"
        )
    audit.record(store, actor, role, "subject access", [(pid, target if ":" in target else None)],
                 purpose=purpose, detail="subject access export")
    data = gather(store, target)
    folder = Path(out)
    if not folder.exists():  # a folder the user already has keeps its permissions
        folder.mkdir(parents=True, mode=0o700)
        os.chmod(folder, 0o700)
    json_path, html_path = folder / JSON_NAME, folder / HTML_NAME
    _write_private(json_path, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=str))
    _write_private(html_path, render_html(data))
    return SubjectAccessReport(target=target, person_id=data["person"]["person_id"] if data["person"] else None,
                               records=len(data["records"]), json_path=str(json_path), html_path=str(html_path))
