"""Training without labels: EM recovers the m probabilities and λ of a known two-class model,
the prior fixed point recovers λ over random pairs, and term frequencies make a rare value's
exact agreement weigh more than a common one's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from identity_graph.compare.library import KINDS, CompareContext
from identity_graph.score.model import ComparisonWeights, Model
from identity_graph.score.training import estimate_m_em, estimate_prior, tf_adjustments
from identity_graph.settings import ComparisonSpec

#: a known model: per comparison, level probabilities among matches (m) and non-matches (u).
#: Level 0 (missing) is handled separately: it happens at random, whatever the class.
TRUE_M = [
    np.array([0, 0.85, 0.10, 0.05]),
    np.array([0, 0.90, 0.10]),
    np.array([0, 0.70, 0.20, 0.05, 0.05]),
    np.array([0, 0.80, 0.20]),
]
TRUE_U = [
    np.array([0, 0.02, 0.08, 0.90]),
    np.array([0, 0.05, 0.95]),
    np.array([0, 0.01, 0.04, 0.15, 0.80]),
    np.array([0, 0.10, 0.90]),
]


def simulate(n: int, lam: float, seed: int, missing: float = 0.1):
    """(levels, is_match) for n pairs drawn from the two-class model."""
    rng = np.random.default_rng(seed)
    is_match = rng.random(n) < lam
    levels = np.zeros((n, len(TRUE_M)), dtype=np.int8)
    for j, (m, u) in enumerate(zip(TRUE_M, TRUE_U, strict=True)):
        levels[is_match, j] = rng.choice(len(m), size=is_match.sum(), p=m)
        levels[~is_match, j] = rng.choice(len(u), size=(~is_match).sum(), p=u)
        levels[rng.random(n) < missing, j] = 0
    return levels, is_match


def test_em_recovers_known_m_and_lambda_from_simulated_levels():
    levels, _ = simulate(40_000, lam=0.2, seed=1)
    m, lam, iterations, converged = estimate_m_em(
        levels, TRUE_U, prior=0.05, max_iterations=200, tol=1e-7
    )
    assert converged and iterations < 200
    assert abs(lam - 0.2) < 0.01
    for got, true in zip(m, TRUE_M, strict=True):
        assert got[0] == 0.0
        np.testing.assert_allclose(got, true, atol=0.02)


def test_em_is_deterministic():
    levels, _ = simulate(5_000, lam=0.3, seed=2)
    first = estimate_m_em(levels, TRUE_U)
    second = estimate_m_em(levels, TRUE_U)
    assert first[1] == second[1]
    assert all(np.array_equal(a, b) for a, b in zip(first[0], second[0], strict=True))


def test_em_keeps_fixed_m_fixed():
    levels, _ = simulate(5_000, lam=0.3, seed=3)
    fixed = np.array([0, 0.5, 0.5])
    m, *_ = estimate_m_em(levels, TRUE_U, fixed_m={1: fixed})
    assert np.array_equal(m[1], fixed)


def test_em_on_no_pairs_returns_the_starting_point_unconverged():
    m, lam, iterations, converged = estimate_m_em(np.zeros((0, 2), np.int8), TRUE_U[:2], prior=0.07)
    assert (lam, iterations, converged) == (0.07, 0, False)
    assert [len(x) for x in m] == [4, 3]


def test_estimate_prior_recovers_lambda_over_random_record_pairs():
    n_records = 20_000
    all_pairs = n_records * (n_records - 1) // 2
    n_matches, n_candidates = 4_000, 40_000
    true_lam = n_matches / all_pairs
    # strong comparisons, as blocking-era models are: matches carry ~40 bits, so r ≈ 1
    m = [np.array([0, 0.95, 0.05])] * 6
    u = [np.array([0, 0.002, 0.998])] * 6
    rng = np.random.default_rng(4)
    match_lv = np.where(rng.random((n_matches, 6)) < 0.95, 1, 2)
    other_lv = np.where(rng.random((n_candidates - n_matches, 6)) < 0.002, 1, 2)
    levels = np.vstack([match_lv, other_lv]).astype(np.int8)
    lam = estimate_prior(levels, m, u, n_candidates=n_candidates, n_records=n_records)
    assert abs(lam - true_lam) / true_lam < 0.05


def test_estimate_prior_on_a_sample_scales_to_all_candidates():
    n_records = 20_000
    m = [np.array([0, 0.95, 0.05])] * 6
    u = [np.array([0, 0.002, 0.998])] * 6
    full = np.vstack([np.ones((100, 6)), np.full((900, 6), 2)]).astype(np.int8)
    half = full[::2]
    lam_full = estimate_prior(full, m, u, n_candidates=1000, n_records=n_records)
    lam_half = estimate_prior(half, m, u, n_candidates=1000, n_records=n_records)
    assert abs(lam_full - lam_half) / lam_full < 0.01


def test_rare_exact_agreement_weighs_more_than_a_common_one():
    names = ["smith"] * 50 + ["wojciechowski"] * 2 + [f"name{i}" for i in range(48)]
    frame = pd.DataFrame({"family_name": names, "given_name": [None] * len(names)}, dtype=object)
    ctx = CompareContext(frame, workers=1)
    spec = ComparisonSpec("family_name", "family_name", "family_name", tf_adjust=True)
    comp = KINDS["family_name"](spec, ctx)
    u_exact = 0.05
    mdl = Model(
        prior=0.01,
        comparisons=[
            ComparisonWeights(
                "family_name",
                "family_name",
                "family_name",
                list(comp.labels),
                [0, 0.9, 0.04, 0.03, 0.02, 0.01],
                [0, u_exact, 0.05, 0.05, 0.05, 0.8],
                tf_adjust=True,
            )
        ],
    )
    ia = np.array([0, 50, 0], dtype=np.int32)  # smith–smith, wojciechowski–wojciechowski, smith–x
    ib = np.array([1, 51, 60], dtype=np.int32)
    levels = comp.levels(ia, ib)[:, None]
    assert levels[:, 0].tolist() == [1, 1, len(comp.labels) - 1]
    adj = tf_adjustments([comp], mdl, ia, ib, levels)[:, 0]
    np.testing.assert_allclose(adj[:2], [np.log2(u_exact / 0.5), np.log2(u_exact / 0.02)])
    assert adj[1] > 0 > adj[0]
    assert adj[2] == 0.0
    w = mdl.score(levels, tf_adjustments([comp], mdl, ia, ib, levels))
    assert w[1] > w[0]


def test_tf_adjustments_are_zero_for_comparisons_without_tf_adjust():
    frame = pd.DataFrame(
        {"family_name": ["smith", "smith"], "given_name": [None, None]}, dtype=object
    )
    ctx = CompareContext(frame, workers=1)
    comp = KINDS["family_name"](ComparisonSpec("family_name", "family_name", "family_name"), ctx)
    mdl = Model(
        prior=0.01,
        comparisons=[
            ComparisonWeights(
                "family_name",
                "family_name",
                "family_name",
                list(comp.labels),
                [0, 0.9, 0.04, 0.03, 0.02, 0.01],
                [0, 0.05, 0.05, 0.05, 0.05, 0.8],
            )
        ],
    )
    ia, ib = np.array([0], np.int32), np.array([1], np.int32)
    assert tf_adjustments([comp], mdl, ia, ib, comp.levels(ia, ib)[:, None]).tolist() == [[0.0]]
