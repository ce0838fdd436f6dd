"""The resolve pipeline over a canonical record frame: block → compare → score → cluster → people.

Pure computation: it reads a frame and returns a ``Resolution`` for a store to persist. Memory is
dominated by one int32/float32 triple per candidate pair; comparisons run chunk by chunk.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from ._memory import trim_heap
from ._threads import chunk_threads, map_chunks
from .block.pairs import Blocker
from .cluster.components import cluster_records, record_evidence, review_reasons
from .cluster.decisions import decisions_from_frame, describe_constraints
from .cluster.stable_ids import assign_stable_ids
from .compare.levels_text import levels_to_text
from .compare.library import (
    CompareContext,
    Comparison,
    FrozenTF,
    build_comparisons,
    comparison_levels,
)
from .people.golden import ADDRESS_FIELDS, GOLDEN_FIELDS, golden_records
from .people.history import address_history
from .progress import UNKNOWN, Progress, noop
from .score.model import Model, probability
from .score.training import (
    build_model,
    estimate_m_sessions,
    estimate_prior,
    estimate_u,
    rule_comparisons,
    tf_adjustments,
)
from .settings import BlockingRule, ComparisonSpec, Settings
from .standardise.nicknames import canonical_given
from .standardise.phonetic import phonetic_key
from .standardise.placeholders import find_placeholders
from .store.contract import Resolution
from .types import DOB_UNPARSED

__all__ = ["prepare_frame", "run_pipeline", "PipelineResult", "Progress", "name_vocabulary", "training_context"]


#: columns checked for placeholder values, with the owner key that makes sharing implausible
PLACEHOLDER_COLUMNS = {
    "dob": ("given_name", "family_name"),
    "phones": ("given_name", "family_name", "dob"),
    "emails": ("given_name", "family_name", "dob"),
    "address_key": ("given_name", "family_name", "dob"),
}
PLACEHOLDER_LIMITS = {"dob": 40, "phones": 12, "emails": 8, "address_key": 40}
PLACEHOLDER_KINDS = {"dob": "dob", "phones": "phone", "emails": "email"}


def _owner(frame: pd.DataFrame, cols: tuple[str, ...]) -> pd.Series:
    """An owner number per row, equal for rows equal on ``cols``; missing where all are.
    (Codes of a grouping, not joined strings: no new string per row.)"""
    missing = np.ones(len(frame), dtype=bool)
    key = np.zeros(len(frame), dtype=np.int64)
    for c in cols:  # numbered in order of first appearance, as a groupby's ngroup numbers them
        code = pd.factorize(frame[c].to_numpy(dtype=object), use_na_sentinel=True)[0]
        missing &= code < 0
        key = pd.factorize(key * (int(code.max(initial=-1)) + 2) + (code + 1))[0]
    out = key.astype(float)
    out[missing] = np.nan
    return pd.Series(out, index=frame.index)


def _nones(values: np.ndarray) -> np.ndarray:
    """An object array with every missing value (NaN, NA, NaT) as None (in place)."""
    values = np.asarray(values, dtype=object)
    missing = pd.isna(values)
    if missing.any():
        values[missing] = None
    return values


def _objects(values: np.ndarray, index: pd.Index) -> pd.Series:
    """An object column (pandas would infer its ``str`` dtype, whose missing value is NaN)."""
    return pd.Series(values, index=index, dtype=object)


def _isin(values: np.ndarray, members: set[str]) -> np.ndarray:
    """Elementwise ``value in members`` (a hash table for many values, lookups for a few)."""
    if len(values) > 10_000:
        return pd.Series(values, dtype=object).isin(members).to_numpy()
    return np.fromiter((v in members for v in values.tolist()), dtype=bool, count=len(values))


def _holding(values: np.ndarray, texts: set[str]) -> np.ndarray:
    """Indices of the values (str or missing) that contain any of ``texts``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowException, TypeError):  # a value that is not text: every one is a candidate
        return np.arange(len(values))
    hit = np.zeros(len(values), dtype=bool)
    for t in sorted(texts):
        hit |= pc.match_substring(arr, t).fill_null(False).to_numpy(zero_copy_only=False)
    return np.flatnonzero(hit)


_EMAIL_NAME = re.compile(r"^([a-z]{2,})[._-]([a-z]{2,})[0-9]*$")


def name_vocabulary(frame: pd.DataFrame) -> tuple[set[str], set[str]]:
    """The given and family names a record frame holds: what a glued email is split by."""
    givens = {str(v) for v in pd.unique(frame["given_name"].dropna().to_numpy(dtype=object))}
    families = {str(v) for v in pd.unique(frame["family_name"].dropna().to_numpy(dtype=object))}
    return givens, families


def _names_from_email(frame: pd.DataFrame, vocab: tuple[set[str], set[str]] | None = None) -> None:
    """In place: a record with no name but an email "firstname.lastname@..." (or
    "firstnamelastname@...", split where both halves are names this index holds) compares, and is
    blocked, under that name. Working frame only; the stored record and its golden record never
    see it. Web sign-ups often hold nothing else: an email and a postcode."""
    if "emails" not in frame.columns:
        return
    nameless = (pd.isna(frame["given_name"].to_numpy(dtype=object)) & pd.isna(frame["family_name"].to_numpy(dtype=object))
                & ~pd.isna(frame["emails"].to_numpy(dtype=object)))
    if not nameless.any():
        return
    local = frame.loc[nameless, "emails"].astype(str).str.split("|").str[0].str.split("@").str[0]
    parts = local.str.extract(_EMAIL_NAME)
    # "rebeccahollcroft578": the one split into a given and a family name this index knows
    glued = parts[0].isna() & local.str.fullmatch(r"[a-z]{4,}[0-9]*")
    if glued.any():
        givens, families = vocab if vocab is not None else name_vocabulary(frame)

        def split(text: str) -> tuple[str | None, str | None]:
            word = text.rstrip("0123456789")
            found = [(word[:i], word[i:]) for i in range(2, len(word) - 1)
                     if word[:i] in givens and word[i:] in families]
            return found[0] if len(found) == 1 else (None, None)

        guessed = local[glued].map(split)
        parts.loc[glued, 0] = guessed.str[0]
        parts.loc[glued, 1] = guessed.str[1]
    ok = parts[0].notna() & parts[1].notna()
    if not ok.any():
        return
    idx = parts.index[ok]
    given, family = parts.loc[ok, 0].astype(object), parts.loc[ok, 1].astype(object)
    frame.loc[idx, "given_name"] = given
    frame.loc[idx, "family_name"] = family
    frame.loc[idx, "given_canonical"] = canonical_given(given).to_numpy(dtype=object)
    frame.loc[idx, "given_phonetic"] = phonetic_key(given).to_numpy(dtype=object)
    frame.loc[idx, "family_phonetic"] = phonetic_key(family).to_numpy(dtype=object)


def prepare_frame(
    records: pd.DataFrame,
    compare_methods: dict[str, str],
    *,
    placeholders: dict[str, list[str]] | None = None,
    vocab: tuple[set[str], set[str]] | None = None,
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Working copy of the records: extra ``[compare]`` fields as ``x_`` columns, placeholder
    values removed. Returns (frame, placeholders found per column).

    ``placeholders``: a stored model's placeholder values, removed instead of detecting them in
    these records (a replay, an update, a query: every record prepared on its own, as the
    training run would have). ``vocab``: the (given, family) names glued emails are split by;
    by default the names these records hold."""
    # a shallow copy (copy-on-write): columns added or replaced here never reach ``records``
    frame = records.copy(deep=False) if records["record_id"].is_monotonic_increasing else (
        records.sort_values("record_id", ignore_index=True)
    )
    # each distinct ``extra`` JSON parsed once (a few percent of the records hold one)
    xcode, xtext = pd.factorize(frame["extra"].to_numpy(dtype=object), use_na_sentinel=True)
    parsed = [json.loads(t) if t else {} for t in xtext] + [{}]  # code -1: no extra

    def extra_field(key: str) -> np.ndarray:
        return _nones(np.array([d.get(key) for d in parsed], dtype=object)[xcode])

    # (numpy arrays in and out, not Series methods: the same work, without pandas' fixed cost
    # per call, which is most of the time for a match query's or an update's few rows)
    for name in sorted(compare_methods):
        frame[f"x_{name}"] = _objects(extra_field(name), frame.index)
    _names_from_email(frame, vocab)
    # the dob as compared digit by digit: the real date, else a well-formed impossible one
    dob = frame["dob"].to_numpy(dtype=object)
    frame["dob_text"] = _objects(_nones(np.where(pd.isna(dob), extra_field(DOB_UNPARSED), dob)), frame.index)
    found: dict[str, list[str]] = {}
    for col, owner_cols in PLACEHOLDER_COLUMNS.items():
        if col not in frame.columns:
            continue
        values = frame[col].to_numpy(dtype=object)
        if pd.isna(values).all():
            continue
        if placeholders is not None:
            ph = set(placeholders.get(col, ()))
        else:
            ph = find_placeholders(
                frame[col], _owner(frame, owner_cols), max_owners=PLACEHOLDER_LIMITS[col],
                kind=PLACEHOLDER_KINDS.get(col), multi=col in ("phones", "emails"),
            )
        if ph:
            found[col] = sorted(ph)
            if col in ("phones", "emails"):
                def strip(v: object, ph: set[str] = ph) -> object:
                    if v is None:
                        return None
                    kept = [x for x in str(v).split("|") if x not in ph]
                    return "|".join(kept) if kept else None

                # only a value holding a placeholder as text can change (any other is its own
                # parts joined again): found by Arrow in C, and only those split in Python
                out = values.copy()
                hit = _holding(values, ph)
                out[hit] = [strip(v) for v in values[hit].tolist()]
            else:
                out = values.copy()
                out[_isin(values, ph)] = None
            frame[col] = _objects(out, frame.index)
    if len(frame) >= 100_000:  # the temporaries of the placeholder counts, freed, go back to the OS
        trim_heap()  # (not for a query or an update's few rows: a trim walks the whole heap)
    return frame, found


def effective_settings(settings: Settings, compare_methods: dict[str, str]) -> Settings:
    """Add one comparison per extra field, and blocking rules for exact extra fields.

    An exact extra field is an attribute many people share (a birthplace, an occupation, a
    state): its agreement is weighted by how rare the value is (term frequencies), and it blocks
    with a name (family name or, for a record without one, its given name; given name), with
    the year of birth, and with each other exact extra field, so that a record holding little
    more than a first name and a birthplace still meets its person's other records (ADR 0014).
    """
    comps = list(settings.comparisons)
    rules = list(settings.blocking_rules)
    have = {c.name for c in comps}
    exact = [f"x_{name}" for name, method in sorted(compare_methods.items()) if method != "fuzzy"]
    for name, method in sorted(compare_methods.items()):
        cname = f"x_{name}"
        if cname in have:
            continue
        fuzzy = method == "fuzzy"
        comps.append(ComparisonSpec(cname, "fuzzy" if fuzzy else "exact", cname, tf_adjust=not fuzzy))
        if not fuzzy:
            rules.append(BlockingRule(cname, (cname,), max_block=50))
            rules.append(BlockingRule(f"{cname}+family_phonetic", (cname, "family_phonetic")))
            rules.append(BlockingRule(f"{cname}+given_canonical", (cname, "given_canonical")))
            rules.append(BlockingRule(f"{cname}+family_or_given", (cname, "family_or_given")))
            rules.append(BlockingRule(f"{cname}+dob_year", (cname, "dob_year")))
    for i, x in enumerate(exact):
        for y in exact[i + 1 :]:
            if x not in have and y not in have:
                rules.append(BlockingRule(f"{x}+{y}", (x, y)))
    return replace(settings, comparisons=comps, blocking_rules=rules)


@dataclass
class PipelineResult:
    resolution: Resolution
    report: dict[str, Any] = field(default_factory=dict)


def _sample_indices(n: int, k: int, seed: int) -> np.ndarray:
    if n <= k:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=k, replace=False))


#: (share, pairs): the household signal's prior, worth this many same-address pairs
HOUSEHOLD_SIGNAL_PRIOR = (0.5, 20)


def household_signal(comps: list[Comparison], levels: np.ndarray) -> float:
    """Share of candidate pairs at one address (same dwelling or postcode) that disagree on both
    given name and date of birth: different people living together. Council data (households)
    scores high; person-only datasets such as FEBRL score near zero, and there household
    evidence needs no veto."""
    names = [c.name for c in comps]
    if not {"address", "given_name", "dob"} <= set(names):
        return 0.0
    ad, gn, db = (levels[:, names.index(n)] for n in ("address", "given_name", "dob"))
    addr = comps[names.index("address")].labels
    at_home = np.isin(ad, [addr.index("same dwelling"), addr.index("same postcode")])
    both = at_home & (gn > 0) & (db > 0)
    g_else = len(comps[names.index("given_name")].labels) - 1
    d_else = len(comps[names.index("dob")].labels) - 1
    # few pairs to measure (a small store): the share leans to the default model's assumption,
    # council records with households, rather than to none (ADR 0022)
    share, weight = HOUSEHOLD_SIGNAL_PRIOR
    return float((((gn == g_else) & (db == d_else) & both).sum() + share * weight) / (both.sum() + weight))


def _compare_and_score(
    comps: list[Comparison], model: Model, a: np.ndarray, b: np.ndarray, s: int, e: int
) -> tuple[int, int, np.ndarray, np.ndarray]:
    """Levels and weights of candidate pairs ``s:e`` (one chunk of the score stage)."""
    ia, ib = a[s:e], b[s:e]
    lv = comparison_levels(comps, ia, ib)
    return s, e, lv, model.score(lv, tf_adjustments(comps, model, ia, ib, lv))


def train(
    comps: list[Comparison],
    n_records: int,
    blocker: Blocker,
    a: np.ndarray,
    b: np.ndarray,
    settings: Settings,
    progress: Progress = noop,
) -> Model:
    """u from random pairs; m by one EM session per blocking rule; λ over all candidates.
    ``progress`` gets stage ``train`` in steps: u, each rule's sample, EM, the prior."""
    chosen = set(settings.training_rules)
    steps = 3 + sum(1 for r in settings.blocking_rules if r.name in chosen)
    step = 0
    progress("train", step, steps)
    names = [c.name for c in comps]
    per_rule = max(settings.em_sample_pairs // max(len(settings.training_rules), 1), 20_000)
    rules = [(i, r) for i, r in enumerate(settings.blocking_rules) if r.name in chosen]
    # the training rules' samples (DuckDB, which releases the GIL) and the candidate sample's
    # indices are drawn on a second thread while u is estimated: the comparisons' first use
    # builds their coded columns on this one, a stretch that otherwise leaves a core idle
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="idgraph-train") as pool:
        drawn = pool.submit(lambda: [blocker.rule_sample(i, per_rule, settings.seed + i) for i, _ in rules])
        sampled = pool.submit(_sample_indices, len(a), settings.em_sample_pairs, settings.seed)
        u = estimate_u(comps, n_records, settings.u_sample_pairs, settings.seed)
        step += 1
        progress("train", step, steps)
        samples = drawn.result()
        idx = sampled.result()
    sessions = []
    for (_, r), (sa, sb) in zip(rules, samples, strict=True):
        if len(sa):
            sessions.append((comparison_levels(comps, sa, sb, threads=chunk_threads()), rule_comparisons(r.keys, names)))
        step += 1
        progress("train", step, steps)
    del samples
    m, iters, conv = estimate_m_sessions(sessions, u, max_iterations=settings.em_max_iterations)
    step += 1
    progress("train", step, steps)
    sample = comparison_levels(comps, a[idx], b[idx], threads=chunk_threads())
    lam = estimate_prior(sample, m, u, n_candidates=len(a), n_records=n_records)
    progress("train", steps, steps)
    signal = household_signal(comps, sample)
    vetoes = [v.split(":", 1) for v in settings.vetoes] if signal >= settings.household_signal_min else []
    return build_model(
        comps,
        u,
        m,
        lam,
        trained_on_pairs=int(sum(len(s[0]) for s in sessions)),
        em_iterations=iters,
        converged=conv,
        vetoes=vetoes,
        household=list(settings.household),
        household_signal=signal,
        deterministic=[[c.split(":", 1) for c in rule] for rule in settings.deterministic],
        explained=[[c.split(":", 1) for c in rule] for rule in settings.explained]
        if signal >= settings.household_signal_min else [],
        keep_apart=[[c.split(":", 1) for c in rule] for rule in settings.keep_apart]
        if signal >= settings.household_signal_min else [],
    )


#: records per slice of people in the people stage: its grouped sorts and JSON hold a few
#: copies of their input, so slices keep the stage's peak near a slice's worth, not the index's
PEOPLE_SLICE = 100_000


def _histories_and_golden(
    recs: pd.DataFrame, person: np.ndarray, progress: Progress = noop
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Address histories and golden records of ``recs`` (in record id order), ``person``: each
    record's person number (people numbered in id order). Computed over slices of whole people
    in person order (each person's records in one slice), so the result is that of one pass over
    all of them; person_id in the results is the person's number. ``progress``: stage
    ``people``, records done."""
    if recs.empty:
        part = recs.assign(person_id=person)
        hist = address_history(part)
        return hist, golden_records(part, hist[["person_id", "address", "postcode", "address_key"]])
    order = np.argsort(person, kind="stable")
    codes = person[order]
    hists, goldens = [], []
    start = 0
    while start < len(order):
        stop = min(start + PEOPLE_SLICE, len(order))
        while stop < len(order) and codes[stop] == codes[stop - 1]:  # never split a person
            stop += 1
        part = recs.take(order[start:stop]).assign(person_id=codes[start:stop])
        hist = address_history(part)
        current = hist[hist["is_current"].astype(bool)][["person_id", "address", "postcode", "address_key"]]
        hists.append(hist)
        goldens.append(golden_records(part, current))
        del part, hist, current
        if len(order) > PEOPLE_SLICE:  # (a trim walks the whole heap: not for an update's few people)
            trim_heap()  # a slice's temporaries, freed, go back before the next slice makes its own
        start = stop
        progress("people", stop, len(order))
    return pd.concat(hists, ignore_index=True), pd.concat(goldens, ignore_index=True)


def build_people(
    records: pd.DataFrame,
    labels: np.ndarray,
    review: np.ndarray,
    previous: pd.DataFrame,
    persons_meta: pd.DataFrame,
    taken: set[str] | None = None,
    progress: Progress = noop,
    on_links: Callable[[pd.DataFrame], None] | None = None,
) -> tuple[Any, pd.DataFrame, pd.DataFrame]:
    """Stable ids, golden records and address histories from cluster labels and review flags
    (one per record, aligned with ``records``). Returns (StableIds, persons, address history).
    ``taken``: every person id ever issued, when ``persons_meta`` holds only some of them.
    ``progress``: stage ``people``, in records. ``on_links(assignment)`` is called once the
    stable ids are known, before the golden records and histories are built."""
    progress("people", 0, len(records))
    order = None if records["record_id"].is_monotonic_increasing else records["record_id"].argsort(kind="stable")
    # only the columns people are made of: a narrow frame, not a copy of every record column
    cols = list(dict.fromkeys(["record_id", "source", "trust", "record_date", *GOLDEN_FIELDS, *ADDRESS_FIELDS]))
    # views of the caller's columns, not a copy of them (a column list selection copies ~100 MB
    # of cell pointers at 650k records)
    narrow = pd.DataFrame({c: records[c] for c in cols}, copy=False)
    recs = narrow if order is None else narrow.take(order).reset_index(drop=True)
    if order is not None:
        labels, review = labels[order], review[order]
    ids = assign_stable_ids(recs["record_id"], pd.Series(labels), previous, persons_meta, taken=taken)
    if on_links is not None:
        on_links(ids.assignment)
    # people grouped by number, not by id text: numbers in id order (so every sort by person is
    # the same), from the clusters' ids (one per person, not one per record)
    rank, pids = pd.factorize(ids.people, sort=True)
    pids = np.asarray(pids, dtype=object)
    person = rank[ids.codes]
    hist, golden = _histories_and_golden(recs, person, progress)
    who = golden["person_id"].to_numpy(dtype=np.int64)
    for out in (hist, golden):
        out["person_id"] = pd.Series(pids[out["person_id"].to_numpy(dtype=np.int64)], index=out.index, dtype=object)
    sizes = np.bincount(person, minlength=len(pids))
    flagged = np.bincount(person, weights=np.asarray(review, dtype=bool), minlength=len(pids)) > 0
    persons = golden.assign(
        size=sizes[who].astype(int),
        review=flagged[who],
        created_run=golden["person_id"].map(ids.created_run),
    )
    return ids, persons, hist


def run_pipeline(
    records: pd.DataFrame,
    *,
    settings: Settings,
    compare_methods: dict[str, str],
    previous: pd.DataFrame,
    persons_meta: pd.DataFrame,
    progress: Progress = noop,
    model: Model | None = None,
    unique_sources: frozenset[str] = frozenset(),
    frozen_tf: dict[str, FrozenTF] | None = None,
    decisions: pd.DataFrame | None = None,
    on_edges: Callable[[pd.DataFrame, pd.DataFrame | None], None] | None = None,
    on_links: Callable[[pd.DataFrame], None] | None = None,
) -> PipelineResult:
    """Block, compare, score and cluster ``records``; with ``model`` (a replay), score with it
    and, when the model carries its training context (ADR 0026), with its placeholders and the
    term frequencies ``frozen_tf`` instead of those of these records. ``decisions``: reviewers'
    current decisions (``Store.decisions()``), honoured by the clustering (ADR 0024).
    ``on_edges(edges, term_frequencies)`` is called as soon as both are known, before the people
    stage, and ``on_links(assignment)`` once the stable ids are (``build_people``): a store can
    start writing them while the people are built (ADR 0043)."""
    t0 = time.perf_counter()
    started = pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")
    timings: dict[str, float] = {}
    frozen = model is not None and bool(model.context)
    progress("prepare", 0, len(records))
    frame, placeholders = prepare_frame(
        records, compare_methods, placeholders=model.context.get("placeholders", {}) if frozen else None
    )
    settings = effective_settings(settings, compare_methods)
    n = len(frame)
    progress("prepare", n, n)
    timings["prepare"] = time.perf_counter() - t0

    # block ------------------------------------------------------------------------------------
    t = time.perf_counter()
    progress("block", 0, UNKNOWN)
    blocker = Blocker(frame, settings.blocking_rules, settings.max_pairs_per_rule)
    diags = blocker.prepare()
    total = blocker.total_possible()  # pairs the rules make, before those two rules share go
    progress("block", 0, total)
    # sorted by (a, b): training samples, and so the weights and people, never depend on the
    # order DuckDB's threads produced the pairs in
    a, b = blocker.sorted_pairs(settings.chunk_pairs, lambda made: progress("block", min(made, total), total))
    progress("block", len(a), len(a))  # the candidate pairs, each once
    timings["block"] = time.perf_counter() - t

    # train ------------------------------------------------------------------------------------
    t = time.perf_counter()
    ctx = CompareContext(frame, frozen_tf=frozen_tf if frozen else None)
    comps = build_comparisons(settings.comparisons, ctx)
    if model is None:
        model = train(comps, n, blocker, a, b, settings, progress)
        model.context = training_context(comps, placeholders)
    else:  # replaying a saved model: keep the comparisons it knows, in its order
        by_name = {c.name: c for c in comps}
        comps = [by_name[c.name] for c in model.comparisons if c.name in by_name]
    blocker.close()
    timings["train"] = time.perf_counter() - t

    # score ------------------------------------------------------------------------------------
    t = time.perf_counter()
    weight = np.empty(len(a), dtype=np.float32)
    conflict = np.zeros(len(a), dtype=bool)
    keep_mask = np.zeros(len(a), dtype=bool)
    keep_levels: list[np.ndarray] = []
    related = np.zeros(len(a), dtype=bool)
    names = [c.name for c in comps]
    addr_k = names.index("address") if "address" in names else None
    phone_k = names.index("phone") if "phone" in names else None
    p_floor = settings.possible_threshold
    # chunks on every core (threads: the work is numpy and rapidfuzz); as many pairs in flight
    # as one chunk of ``chunk_pairs`` held before, so the stage's peak is unchanged
    step = max(1, settings.chunk_pairs // chunk_threads())
    progress("score", 0, len(a))
    scored = 0
    for s, e, lv, w in map_chunks(partial(_compare_and_score, comps, model, a, b), len(a), step):
        weight[s:e] = w
        conflict[s:e] = model.conflicts(lv)
        p = probability(w)
        rel = np.zeros(e - s, dtype=bool)
        if addr_k is not None:
            rel |= lv[:, addr_k] == 1
        if phone_k is not None:
            rel |= lv[:, phone_k] == 1
        rel &= p < p_floor
        keep = (p >= p_floor) | rel
        related[s:e] = rel
        keep_mask[s:e] = keep
        keep_levels.append(lv[keep])
        scored += e - s
        progress("score", scored, len(a))
    timings["score"] = time.perf_counter() - t

    # cluster ----------------------------------------------------------------------------------
    t = time.perf_counter()
    progress("cluster", 0, n)
    prob = probability(weight).astype(np.float32)
    decided, same_ids, apart_ids = decisions_from_frame(decisions, frame["record_id"].to_numpy(dtype=object))
    cl = cluster_records(
        n,
        a,
        b,
        prob,
        conflict,
        match_threshold=settings.match_threshold,
        possible_threshold=settings.possible_threshold,
        link_threshold=settings.cluster_link_threshold,
        evidence=record_evidence(
            frame,
            attach_unique_names=settings.attach_unique_names,
            unique_sources=unique_sources,
            attach_singletons=settings.attach_singletons,
            pair_lone_records=settings.pair_lone_records,
        ),
        weak_floor=settings.cluster_weak_floor,
        decisions=decided,
        splitter=settings.splitter,
    )
    progress("cluster", n, n)
    timings["cluster"] = time.perf_counter() - t

    # edges ------------------------------------------------------------------------------------
    t = time.perf_counter()
    pairs = len(a)
    progress("edges", 0, pairs)
    # kept: matches, possibles, related (household) pairs, and "distinct" pairs: compared inside
    # one match component and found to be different people (the evidence that split it). With
    # them, every pair inside every component is stored, so a recluster from the store alone
    # reproduces this run's clustering exactly.
    rid = frame["record_id"].to_numpy(dtype=object)
    distinct = (cl.comp[a] == cl.comp[b]) & ~keep_mask
    if cl.support is not None:  # what the singleton attach read: a lone record against a cluster
        distinct |= cl.support & ~keep_mask
    lv_keep = np.concatenate(keep_levels) if keep_levels else np.zeros((0, len(comps)), np.int8)
    lv_distinct = comparison_levels(comps, a[distinct], b[distinct], threads=chunk_threads())
    sel = np.concatenate([np.flatnonzero(keep_mask), np.flatnonzero(distinct)])
    lv_all = np.concatenate([lv_keep, lv_distinct])
    order = np.argsort(sel, kind="stable")
    sel, lv_all = sel[order], lv_all[order]
    tier_names = np.array(["match", "possible", "related", "distinct"], dtype=object)
    tier_code = np.where(related[sel], 2, np.where(prob[sel] >= settings.match_threshold, 0, 1))
    tier_code[distinct[sel]] = 3
    edges = pd.DataFrame(
        {  # object columns: the record ids are the frame's own strings, not converted copies
            "record_a": pd.Series(rid[a[sel]], dtype=object),
            "record_b": pd.Series(rid[b[sel]], dtype=object),
            "weight": weight[sel].astype(float),
            "probability": prob[sel].astype(float),
            "tier": pd.Series(tier_names[tier_code], dtype=object),
            "levels": pd.Series(levels_to_text(lv_all), dtype=object),
        }
    )
    tf_rows = []
    for c in comps if not frozen else []:  # a replay keeps the stored (frozen) frequencies
        col = c.tf_column()
        if col is not None:
            tf_rows.append(pd.DataFrame({"column": c.spec.column, "value": col.values, "tf": col.tf()}))
    tfs = pd.concat(tf_rows, ignore_index=True) if tf_rows else pd.DataFrame(columns=["column", "value", "tf"])
    if frozen:
        tfs = None
    counts = {
        "records": n,
        "candidate_pairs": int(len(a)),
        "match_edges": int((tier_code == 0).sum()),
        "possible_edges": int((tier_code == 1).sum()),
        "related_edges": int((tier_code == 2).sum()),
        "distinct_edges": int((tier_code == 3).sum()),
    }
    # the matcher's working state is done with: freed before the people stage, so the two
    # stages' peaks do not stack (650k records: the working frame, coded columns and ~10M pairs)
    del frame, blocker, ctx, comps, a, b, weight, prob, conflict, keep_mask, related, keep_levels
    del lv_keep, lv_distinct, lv_all, sel, order, distinct, tier_code, rid
    trim_heap()  # its many small blocks (coded columns, key tables) back to the OS, not kept
    progress("edges", pairs, pairs)
    timings["edges"] = time.perf_counter() - t
    if on_edges is not None:
        on_edges(edges, tfs)

    # people -----------------------------------------------------------------------------------
    t = time.perf_counter()
    ids, persons, hist = build_people(records, cl.labels, cl.review, previous, persons_meta, progress=progress,
                                      on_links=on_links)
    timings["people"] = time.perf_counter() - t

    counts = {
        **counts,
        "people": int(len(persons)),
        "components": cl.components,
        "suspicious_components": cl.suspicious,
        "split_components": cl.split,
        "attached_unique_names": cl.attached,
        "flagged_for_review": int(persons["review"].sum()),
        "events": ids.events["event"].value_counts().to_dict(),
        "decisions": describe_constraints(cl.constraints, decisions, same_ids, apart_ids),
        "review_reasons": review_reasons(ids.assignment["person_id"].to_numpy(dtype=object), cl.reasons)
        if cl.reasons is not None else {},
    }
    report = {
        "started": started,
        **counts,
        "blocking": [d.to_dict() for d in diags],
        "placeholders": {k: len(v) for k, v in placeholders.items()},
        "placeholder_values": placeholders,
        "model": {"prior": model.prior, "em_iterations": model.em_iterations, "converged": model.converged, "household_signal": round(model.household_signal, 4), "vetoes": model.vetoes},
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "seconds": round(time.perf_counter() - t0, 3),
    }
    res = Resolution(
        settings_json=settings.to_json(),
        model_json=model.to_json(),
        report=report,
        assignment=ids.assignment,
        persons=persons,
        retired=ids.retired,
        events=ids.events,
        edges=edges,
        address_history=hist,
        term_frequencies=tfs,
    )
    return PipelineResult(res, report)


def training_context(comps: list[Comparison], placeholders: dict[str, list[str]]) -> dict[str, dict]:
    """What a training run learned from its records besides weights (``Model.context``)."""
    floors = {}
    for c in comps:
        col = c.tf_column()
        if col is not None:
            floors[c.spec.column] = 1.0 / max(col.nonnull, 1)
    return {"placeholders": {k: list(v) for k, v in placeholders.items()}, "tf_floor": floors}
