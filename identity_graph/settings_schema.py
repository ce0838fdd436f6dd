"""The schema a settings file is checked against before a run reads it (ADR 0027).

A settings file (``idgraph resolve --settings FILE``; ``--print-settings`` prints the default) is
text a user wrote, and its names reach the blocking stage's SQL and the scoring rules. So every
key is known, every value has its type and range, every blocking key is one of the fixed list
(``block.key_names``), every comparison kind and column is known, and every "comparison:level"
names a comparison of the file and a level that comparison has. Every problem is reported
together, each with its path in the file::

    blocking_rules[2].keys[0]: unknown key "nosuchcol"; known: address, address_key, ...

>>> settings_problems({"blocking_rules": [{"name": "r", "keys": ["nosuchcol"]}], "comparisons": []})[0][:60]
'blocking_rules[0].keys[0]: unknown key "nosuchcol"; known: ad'
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable
from typing import Any

from .block.key_names import BLOCKING_KEY_NAMES, EXTRA_PREFIX, is_blocking_key
from .types import RECORD_COLUMNS

__all__ = ["COMPARISON_COLUMNS", "settings_problems"]

#: columns of the canonical record frame a comparison may read (besides ``x_<field>``); the
#: JSON columns (``extra``, ``attributes``) are not values to compare
COMPARISON_COLUMNS: tuple[str, ...] = tuple(c for c in RECORD_COLUMNS if c not in ("extra", "attributes"))

_RULE_KEYS = ("name", "keys", "max_block")
_COMPARISON_KEYS = ("name", "kind", "column", "tf_adjust", "keep_apart")
#: the comparison kinds of extra fields (``x_<field>``), which the run adds from the mappings
_EXTRA_KINDS = ("exact", "fuzzy")


def _q(value: object) -> str:
    """A value as the file spells it (JSON), cut short."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _known(value: str, names: Iterable[str]) -> str:
    names = list(names)
    close = difflib.get_close_matches(value, names, n=1, cutoff=0.75)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    return f"{hint}; known: {', '.join(names)}"


def _labels_by_kind() -> dict[str, tuple[str, ...]]:
    """Each comparison kind's level labels (compare.library, imported when first needed: it
    brings NumPy, pandas and RapidFuzz, which the CLI loads only for a command that needs them)."""
    from .compare.library import KINDS

    return {kind: tuple(cls.labels) for kind, cls in KINDS.items()}


class _Check:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def say(self, path: str, text: str) -> None:
        self.problems.append(f"{path}: {text}")

    # -- scalars --------------------------------------------------------------------------------
    def boolean(self, path: str, value: object) -> None:
        if not isinstance(value, bool):
            self.say(path, f"must be true or false, got {_q(value)}")

    def integer(self, path: str, value: object, *, least: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.say(path, f"must be a whole number, got {_q(value)} ({_type(value)})")
        elif value < least:
            self.say(path, f"must be at least {least}, got {value}")

    def share(self, path: str, value: object, *, null: bool = False) -> None:
        if value is None and null:
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            allowed = "a number from 0 to 1" + (" or null" if null else "")
            self.say(path, f"must be {allowed}, got {_q(value)} ({_type(value)})")
        elif not 0 <= value <= 1:
            self.say(path, f"must be from 0 to 1, got {value}")

    def choice(self, path: str, value: object, *, options: tuple[str, ...]) -> None:
        if value not in options:
            close = _known(value, options) if isinstance(value, str) else f"; known: {', '.join(options)}"
            self.say(path, f"must be one of the known values, got {_q(value)}{close}")

    def text(self, path: str, value: object) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.say(path, f"must be non-empty text, got {_q(value)} ({_type(value)})")
            return None
        return value

    def listed(self, path: str, value: object) -> list[Any]:
        if not isinstance(value, list):
            self.say(path, f"must be a list, got {_q(value)} ({_type(value)})")
            return []
        return value

    def unknown_keys(self, path: str, obj: dict[str, Any], known: Iterable[str]) -> None:
        known = tuple(known)
        for key in obj:
            if key not in known:
                self.say(f"{path}.{key}" if path else str(key), f"unknown setting{_known(str(key), known)}")

    # -- the parts ------------------------------------------------------------------------------
    def rules(self, value: object) -> list[str]:
        names: list[str] = []
        for i, rule in enumerate(self.listed("blocking_rules", value)):
            path = f"blocking_rules[{i}]"
            if not isinstance(rule, dict):
                self.say(path, f'must be an object {{"name": ..., "keys": [...]}}, got {_type(rule)}')
                continue
            self.unknown_keys(path, rule, _RULE_KEYS)
            name = self.text(f"{path}.name", rule.get("name"))
            if name is not None:
                if name in names:
                    self.say(f"{path}.name", f"{_q(name)} names an earlier rule too; give each rule its own name")
                names.append(name)
            keys = self.listed(f"{path}.keys", rule.get("keys"))
            if "keys" in rule and isinstance(rule["keys"], list) and not keys:
                self.say(f"{path}.keys", "is empty; a rule joins on one key or more")
            seen: set[str] = set()
            for j, key in enumerate(keys):
                kpath = f"{path}.keys[{j}]"
                if not isinstance(key, str):
                    self.say(kpath, f"must be text (a key name), got {_q(key)} ({_type(key)})")
                elif not is_blocking_key(key):
                    self.say(
                        kpath,
                        f"unknown key {_q(key)}{_known(key, BLOCKING_KEY_NAMES)} "
                        f"(or {EXTRA_PREFIX}<field> for a mapping's [compare] field)",
                    )
                elif key in seen:
                    self.say(kpath, f"{_q(key)} is already a key of this rule")
                else:
                    seen.add(key)
            if "max_block" in rule:
                self.integer(f"{path}.max_block", rule["max_block"], least=2)
        return names

    def comparisons(self, value: object) -> dict[str, str]:
        """The comparisons' names -> kinds."""
        out: dict[str, str] = {}
        labels = _labels_by_kind()
        for i, comp in enumerate(self.listed("comparisons", value)):
            path = f"comparisons[{i}]"
            if not isinstance(comp, dict):
                self.say(path, f'must be an object {{"name": ..., "kind": ..., "column": ...}}, got {_type(comp)}')
                continue
            self.unknown_keys(path, comp, _COMPARISON_KEYS)
            name = self.text(f"{path}.name", comp.get("name"))
            if name is not None and ":" in name:
                self.say(f"{path}.name", f"{_q(name)} must not hold ':' (rules name levels as \"comparison:level\")")
                name = None
            kind = comp.get("kind")
            if not isinstance(kind, str) or kind not in labels:
                shown = kind if isinstance(kind, str) else ""
                self.say(f"{path}.kind", f"unknown comparison kind {_q(kind)}{_known(shown, labels)}")
                kind = None
            column = comp.get("column")
            if not isinstance(column, str) or not (
                column in COMPARISON_COLUMNS or (column.startswith(EXTRA_PREFIX) and len(column) > len(EXTRA_PREFIX))
            ):
                shown = column if isinstance(column, str) else ""
                self.say(
                    f"{path}.column",
                    f"unknown column {_q(column)}{_known(shown, COMPARISON_COLUMNS)} "
                    f"(or {EXTRA_PREFIX}<field> for a mapping's [compare] field)",
                )
            for flag in ("tf_adjust", "keep_apart"):
                if flag in comp:
                    self.boolean(f"{path}.{flag}", comp[flag])
            if name is not None:
                if name in out:
                    self.say(f"{path}.name", f"{_q(name)} names an earlier comparison too")
                out[name] = kind or ""
        return out

    def outcome(self, path: str, value: object, comps: dict[str, str]) -> None:
        """One "comparison:level"."""
        if not isinstance(value, str) or ":" not in value:
            self.say(path, f'must be "comparison:level" text, e.g. "dob:else"; got {_q(value)}')
            return
        name, label = value.split(":", 1)
        labels = _labels_by_kind()
        if name in comps:
            allowed = labels.get(comps[name], ())
        elif name.startswith(EXTRA_PREFIX) and len(name) > len(EXTRA_PREFIX):
            allowed = tuple(dict.fromkeys(lab for kind in _EXTRA_KINDS for lab in labels[kind]))
        else:
            self.say(path, f"unknown comparison {_q(name)}{_known(name, comps)}")
            return
        if allowed and label not in allowed:
            self.say(path, f"comparison {_q(name)} has no level {_q(label)}{_known(label, allowed)}")

    def outcome_rules(self, key: str, value: object, comps: dict[str, str]) -> None:
        for i, rule in enumerate(self.listed(key, value)):
            conditions = self.listed(f"{key}[{i}]", rule)
            if isinstance(rule, list) and not conditions:
                self.say(f"{key}[{i}]", 'is empty; list one "comparison:level" or more')
            for j, cond in enumerate(conditions):
                self.outcome(f"{key}[{i}][{j}]", cond, comps)

    def names(self, key: str, value: object, known: list[str] | dict[str, str], what: str) -> None:
        for i, name in enumerate(self.listed(key, value)):
            if not isinstance(name, str):
                self.say(f"{key}[{i}]", f"must be text (a {what} name), got {_q(name)}")
            elif name not in known and not name.startswith(EXTRA_PREFIX):
                self.say(f"{key}[{i}]", f"unknown {what} {_q(name)}{_known(name, known)}")


#: the scalar settings: name -> how each is checked
_SCALARS: dict[str, tuple[str, dict[str, Any]]] = {
    "match_threshold": ("share", {}),
    "possible_threshold": ("share", {}),
    "cluster_link_threshold": ("share", {}),
    "cluster_weak_floor": ("share", {"null": True}),
    "household_signal_min": ("share", {}),
    "max_pairs_per_rule": ("integer", {"least": 1}),
    "u_sample_pairs": ("integer", {"least": 1}),
    "em_sample_pairs": ("integer", {"least": 1}),
    "em_max_iterations": ("integer", {"least": 1}),
    "chunk_pairs": ("integer", {"least": 1}),
    "seed": ("integer", {"least": 0}),
    "attach_unique_names": ("boolean", {}),
    "attach_singletons": ("boolean", {}),
    "pair_lone_records": ("boolean", {}),
    # ``cluster.community.SPLITTERS`` (spelt here: the schema loads without NumPy)
    "splitter": ("choice", {"options": ("average-linkage", "louvain", "leiden")}),
}
_REQUIRED = ("blocking_rules", "comparisons")
_ALL_KEYS = (
    *_REQUIRED, *_SCALARS, "training_rules", "vetoes", "household", "explained", "keep_apart",
    "deterministic", "mode", "extra",
)


def settings_problems(data: object) -> list[str]:
    """Every problem of a settings dict (as ``json.load`` gives it), each "path: what and the
    fix"; empty when it is valid."""
    check = _Check()
    if not isinstance(data, dict):
        check.say("(top)", f"the settings must be a JSON object, got {_type(data)}")
        return check.problems
    check.unknown_keys("", data, _ALL_KEYS)
    for key in _REQUIRED:
        if key not in data:
            check.say(key, "is required")
    rules = check.rules(data.get("blocking_rules", []))
    comps = check.comparisons(data.get("comparisons", []))
    for key, (how, kw) in _SCALARS.items():
        if key in data:
            getattr(check, how)(key, data[key], **kw)
    match, possible = data.get("match_threshold", 0.95), data.get("possible_threshold", 0.5)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (match, possible)) and possible > match:
        check.say("possible_threshold", f"({possible}) must not be above match_threshold ({match})")
    if "training_rules" in data:
        check.names("training_rules", data["training_rules"], rules, "blocking rule")
    if "household" in data:
        check.names("household", data["household"], comps, "comparison")
    if "vetoes" in data:
        for i, v in enumerate(check.listed("vetoes", data["vetoes"])):
            check.outcome(f"vetoes[{i}]", v, comps)
    for key in ("explained", "keep_apart", "deterministic"):
        if key in data:
            check.outcome_rules(key, data[key], comps)
    if "mode" in data and data["mode"] != "dedupe":
        check.say("mode", f'must be "dedupe", got {_q(data["mode"])}')
    if "extra" in data and not isinstance(data["extra"], dict):
        check.say("extra", f"must be an object, got {_type(data['extra'])}")
    return check.problems
