"""Training the Fellegi-Sunter model from the data, with no labels.

* **u** (level frequencies among non-matches) from uniformly random record pairs: almost every
  random pair is a non-match.
* **m** and the prior λ by expectation-maximisation over a seeded sample of candidate pairs,
  with u held fixed. EM runs on the distinct level patterns (with counts), so its cost does
  not grow with the number of pairs.
"""

from __future__ import annotations

import numpy as np

from .._threads import chunk_threads
from ..compare.library import Comparison, comparison_levels
from .model import TF_CLAMP, TF_MIN, ComparisonWeights, Model

__all__ = ["estimate_u", "estimate_m_em", "tf_adjustments", "initial_m"]


def _smooth(counts: np.ndarray, alpha: float = 0.1) -> np.ndarray:
    c = counts.astype(np.float64).copy()
    c[0] = 0.0
    c[1:] += alpha
    total = c[1:].sum()
    out = c / total if total > 0 else np.full_like(c, 1.0 / max(len(c) - 1, 1))
    out[0] = 0.0
    return out


def estimate_u(
    comps: list[Comparison], n_records: int, n_pairs: int, seed: int, chunk: int = 1_000_000
) -> list[np.ndarray]:
    """u probabilities from ``n_pairs`` uniformly random distinct record pairs."""
    rng = np.random.default_rng(seed)
    counts = [np.zeros(c.n_levels, dtype=np.int64) for c in comps]
    if n_records < 2:
        return [_smooth(c) for c in counts]
    n_pairs = int(min(n_pairs, n_records * (n_records - 1) // 2))
    done = 0
    while done < n_pairs:
        k = min(chunk, n_pairs - done)
        a = rng.integers(0, n_records, size=k, dtype=np.int64)
        b = rng.integers(0, n_records - 1, size=k, dtype=np.int64)
        b = np.where(b >= a, b + 1, b)  # distinct from a
        lv = comparison_levels(comps, a.astype(np.int32), b.astype(np.int32), threads=chunk_threads())
        for j, c in enumerate(counts):
            c += np.bincount(lv[:, j], minlength=len(c))
        done += k
    return [_smooth(c) for c in counts]


def initial_m(n_levels: int) -> np.ndarray:
    """A starting m: most matches agree exactly, fewer at each weaker level."""
    m = np.zeros(n_levels)
    if n_levels <= 1:
        return m
    inner = n_levels - 2  # levels between exact and else
    m[1] = 0.85
    if inner > 0:
        share = 0.12 * (0.5 ** np.arange(inner))
        m[2 : 2 + inner] = share / share.sum() * 0.12
    m[-1] = 0.03 if n_levels > 2 else 0.15
    m[1:] /= m[1:].sum()
    return m


def estimate_m_em(
    levels: np.ndarray,
    u: list[np.ndarray],
    *,
    prior: float = 0.05,
    max_iterations: int = 40,
    tol: float = 1e-5,
    fixed_m: dict[int, np.ndarray] | None = None,
) -> tuple[list[np.ndarray], float, int, bool]:
    """EM for m and λ on a level matrix (pairs × comparisons), u fixed.

    Returns (m per comparison, prior, iterations, converged).
    """
    n, k = levels.shape
    if n == 0:
        return [initial_m(len(x)) for x in u], prior, 0, False
    radix = [len(x) for x in u]
    key = np.zeros(n, dtype=np.int64)
    for j in range(k):
        key = key * radix[j] + levels[:, j].astype(np.int64)
    uniq, first, counts = np.unique(key, return_index=True, return_counts=True)
    pat = levels[first]  # distinct patterns
    w_count = counts.astype(np.float64)
    m = [initial_m(len(x)) for x in u]
    fixed_m = fixed_m or {}
    for j, mj in fixed_m.items():
        m[j] = mj
    lam = prior
    converged = False
    it = 0
    for it in range(1, max_iterations + 1):
        logw = np.full(len(pat), np.log2(lam / (1 - lam)))
        for j in range(k):
            lw = np.log2(np.maximum(m[j], 1e-12) / np.maximum(u[j], 1e-12))
            lw[0] = 0.0
            logw += lw[pat[:, j]]
        r = 1.0 / (1.0 + np.exp2(-np.clip(logw, -60, 60)))
        rw = r * w_count
        new_lam = float(rw.sum() / w_count.sum())
        new_lam = min(max(new_lam, 1e-6), 1 - 1e-6)
        delta = abs(new_lam - lam)
        new_m = []
        for j in range(k):
            if j in fixed_m:
                new_m.append(m[j])
                continue
            c = np.bincount(pat[:, j], weights=rw, minlength=radix[j])
            mj = _smooth(c, alpha=1e-4 * max(rw.sum(), 1.0))
            delta = max(delta, float(np.abs(mj - m[j]).max()))
            new_m.append(mj)
        m, lam = new_m, new_lam
        if delta < tol:
            converged = True
            break
    return m, lam, it, converged


def tf_adjustments(
    comps: list[Comparison], model: Model, ia: np.ndarray, ib: np.ndarray, levels: np.ndarray
) -> np.ndarray:
    """(pairs, comparisons) matrix of term-frequency adjustments (bits) on exact agreements."""
    out = np.zeros((len(ia), len(comps)), dtype=np.float64, order="F")  # filled column by column
    for k, (c, cw) in enumerate(zip(comps, model.comparisons, strict=True)):
        col = c.tf_column() if cw.tf_adjust else None
        if col is None:
            continue
        at = levels[:, k] == cw.tf_level
        if not at.any():
            continue
        codes = col.codes[ia[at]]
        codes = np.where(codes >= 0, codes, col.codes[ib[at]])  # one side's value was shifted
        tf = np.where(codes >= 0, col.tf()[np.maximum(codes, 0)], np.nan)
        u_exact = max(cw.u[cw.tf_level], TF_MIN)
        adj = np.log2(u_exact / np.maximum(np.nan_to_num(tf, nan=u_exact), TF_MIN))
        out[at, k] = np.clip(adj, -TF_CLAMP, TF_CLAMP)
    return out


def build_model(
    comps: list[Comparison], u: list[np.ndarray], m: list[np.ndarray], prior: float, **meta
) -> Model:
    return Model(
        prior=prior,
        comparisons=[
            ComparisonWeights(
                name=c.name,
                kind=c.spec.kind,
                column=c.spec.column,
                labels=list(c.labels),
                m=[float(x) for x in m[j]],
                u=[float(x) for x in u[j]],
                tf_adjust=c.spec.tf_adjust,
                tf_level=c.tf_level,
                keep_apart=c.spec.keep_apart,
            )
            for j, c in enumerate(comps)
        ],
        **meta,
    )


#: which comparison a blocking key constrains (a pair blocked on the key is biased on it)
KEY_COMPARISON = {
    "given_name": "given_name", "given_initial": "given_name", "given_canonical": "given_name",
    "given_phonetic": "given_name",
    "family_name": "family_name", "family_phonetic": "family_name", "family_initial": "family_name",
    "dob": "dob", "dob_year": "dob", "dob_md": "dob",
    "postcode": "address", "postcode_sector": "address", "postcode_district": "address",
    "address_key": "address", "phone": "phone", "email": "email",
    "nhs_number": "nhs_number", "ni_number": "ni_number", "uprn": "uprn",
}


def rule_comparisons(keys: tuple[str, ...], names: list[str]) -> set[int]:
    """Indices of the comparisons a rule's keys constrain."""
    out: set[int] = set()
    for k in keys:
        target = KEY_COMPARISON.get(k, k)
        if target in names:
            out.add(names.index(target))
        if k == "address_key" and "postcode" in names:
            out.add(names.index("postcode"))
    return out


def estimate_m_sessions(
    sessions: list[tuple[np.ndarray, set[int]]],
    u: list[np.ndarray],
    *,
    max_iterations: int = 40,
    min_pairs: int = 50,
) -> tuple[list[np.ndarray], int, bool]:
    """EM per blocking rule, Splink-style: in each session the comparisons the rule blocked on
    are held out (their m fixed, their evidence ignored), so their agreement, forced by the
    blocking, cannot masquerade as evidence of a match. Each comparison's m is the
    match-weighted average over the sessions where it was free.
    """
    k = len(u)
    acc = [np.zeros(len(x)) for x in u]
    wsum = np.zeros(k)
    iters, conv_all = 0, True
    for levels, held in sessions:
        if len(levels) < min_pairs:
            continue
        free = [j for j in range(k) if j not in held]
        if not free:
            continue
        m, lam, it, conv = estimate_m_em(levels[:, free], [u[j] for j in free], max_iterations=max_iterations)
        iters = max(iters, it)
        conv_all &= conv
        weight = lam * len(levels)
        for pos, j in enumerate(free):
            acc[j] += m[pos] * weight
            wsum[j] += weight
    out = []
    for j in range(k):
        if wsum[j] > 0:
            mj = acc[j] / wsum[j]
            mj[0] = 0.0
            out.append(mj / mj[1:].sum())
        else:
            out.append(initial_m(len(u[j])))
    return out, iters, conv_all


def estimate_prior(
    levels: np.ndarray,
    m: list[np.ndarray],
    u: list[np.ndarray],
    *,
    n_candidates: int,
    n_records: int,
    iterations: int = 50,
) -> float:
    """λ, the probability that two *random records* match, by fixed-point iteration.

    u comes from random pairs, so Bayes factors are relative to random pairs and the prior they
    combine with must be the random-pair one (not the share of matches among candidates, which
    would count the blocking evidence twice). Assuming blocking finds (nearly) every match:
    λ = E[matches among candidates] / all record pairs, where the expectation uses λ itself.
    ``levels`` is a sample of the ``n_candidates`` candidate pairs.
    """
    total = max(n_records * (n_records - 1) / 2, 1.0)
    if len(levels) == 0:
        return 1.0 / total
    logbf = np.zeros(len(levels))
    for j in range(levels.shape[1]):
        lw = np.log2(np.maximum(m[j], 1e-12) / np.maximum(u[j], 1e-12))
        lw[0] = 0.0
        logbf += lw[levels[:, j]]
    scale = n_candidates / len(levels)
    lam = min(n_candidates / total * 0.1, 0.5)
    for _ in range(iterations):
        r = 1.0 / (1.0 + np.exp2(-np.clip(np.log2(lam / (1 - lam)) + logbf, -60, 60)))
        new = float(min(max(r.sum() * scale / total, 1e-12), 0.5))
        if abs(new - lam) <= 1e-9 * max(new, 1e-12) * 1e3:
            lam = new
            break
        lam = new
    return lam
