"""Fellegi-Sunter match weights: the trained model, as data that round-trips to JSON.

For comparison k at level l, the match weight is ``log2(m[k][l] / u[k][l])`` where m is the
probability of that level among true matches and u among non-matches. Level 0 ("missing") has
weight 0. A pair's total weight adds the prior ``log2(λ / (1 - λ))`` and, for the exact level of
term-frequency adjusted comparisons, ``log2(u_exact / tf(value))``: agreeing on "wojciechowski"
counts more than agreeing on "smith". The match probability is ``2^W / (1 + 2^W)``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["ComparisonWeights", "Model", "probability", "DETERMINISTIC_WEIGHT"]

#: weight given to a pair that agrees on a strong identifier (or that conflicts: the negative)
DETERMINISTIC_WEIGHT = 30.0
#: term-frequency adjustments are clamped to this many bits either way
TF_CLAMP = 10.0
#: floor for a value's relative frequency (a value seen once in a small dataset)
TF_MIN = 1e-7


@dataclass
class ComparisonWeights:
    name: str
    kind: str
    column: str
    labels: list[str]
    m: list[float]
    u: list[float]
    tf_adjust: bool = False
    tf_level: int = 1
    keep_apart: bool = False

    def weights(self) -> np.ndarray:
        m = np.asarray(self.m, dtype=np.float64)
        u = np.asarray(self.u, dtype=np.float64)
        w = np.log2(np.maximum(m, 1e-12) / np.maximum(u, 1e-12))
        w[0] = 0.0
        return w


@dataclass
class Model:
    prior: float  # λ: probability that a random candidate... record pair is a match
    comparisons: list[ComparisonWeights]
    trained_on_pairs: int = 0
    em_iterations: int = 0
    converged: bool = False
    #: (comparison name, level label) outcomes after which household evidence stops counting
    vetoes: list[list[str]] = field(default_factory=list)
    #: comparisons household members share (their positive weight is dropped when vetoed)
    household: list[str] = field(default_factory=list)
    #: the measured share of same-address pairs that are clearly different people
    household_signal: float = 0.0
    #: rules of (comparison, level label) conditions; meeting all of one rule forces a match
    deterministic: list[list[list[str]]] = field(default_factory=list)
    #: explained disagreements: [outcome, *conditions], each a (comparison, level label); when
    #: every condition holds, the outcome's negative weight is dropped (a woman's birth name
    #: against her married name, at the same dwelling under the same given name)
    explained: list[list[list[str]]] = field(default_factory=list)
    #: what the training run learned from the data besides weights, frozen with them so that a
    #: replay and an incremental update score every pair as that run would have (ADR 0026):
    #: ``placeholders`` (column -> values that stopped counting as evidence) and ``tf_floor``
    #: (column -> the relative frequency of a value the training data held once, given to a value
    #: it did not hold at all). Empty for a model trained before this existed.
    context: dict[str, dict] = field(default_factory=dict)
    #: rules of (comparison, level label) conditions; meeting all of one rule is keep-apart
    #: evidence, as a strong-identifier conflict is (dates of birth generations apart)
    keep_apart: list[list[list[str]]] = field(default_factory=list)

    @property
    def prior_weight(self) -> float:
        lam = min(max(self.prior, 1e-12), 1 - 1e-12)
        return float(np.log2(lam / (1 - lam)))

    def level_weights(self) -> list[np.ndarray]:
        return [c.weights() for c in self.comparisons]

    def score(
        self,
        levels: np.ndarray,
        tf_adjustments: np.ndarray | None = None,
    ) -> np.ndarray:
        """Total match weight of each pair (float32) from its (n, k) level matrix.

        ``tf_adjustments``: an (n, k) matrix of term-frequency adjustments (bits).
        """
        agree = self.deterministic_match(levels)
        contrib = self.contributions(levels, tf_adjustments, agree)
        conflict = self.conflicts(levels)
        w = self.prior_weight + contrib.sum(axis=1)
        w = np.where(agree & ~conflict, np.maximum(w, DETERMINISTIC_WEIGHT), w)
        w = np.where(conflict, np.minimum(w, -DETERMINISTIC_WEIGHT), w)
        return w.astype(np.float32)

    def contributions(
        self, levels: np.ndarray, tf_adjustments: np.ndarray | None = None, agree: np.ndarray | None = None
    ) -> np.ndarray:
        """The (n, k) weight (bits) each comparison adds to each pair: its level's weight plus
        its term-frequency adjustment, after the explained disagreements and household vetoes
        (``score`` adds the prior, then applies the deterministic and keep-apart rules)."""
        # column by column, so each comparison's weights go into contiguous memory (Fortran
        # order): a row-major matrix made every gather and adjustment a strided walk
        by_col = np.asfortranarray(levels)
        contrib = np.empty(levels.shape, dtype=np.float64, order="F")
        for k, lw in enumerate(self.level_weights()):
            # mode="wrap": numpy buffers ``out`` under the default mode="raise" (3x slower); a
            # level is always one of the comparison's (0 <= level < len(lw)), which wrap leaves as is
            np.take(lw, by_col[:, k], out=contrib[:, k], mode="wrap")
        if tf_adjustments is not None:
            contrib += tf_adjustments
        if agree is None:  # ``score`` passes the deterministic matches it computed already
            agree = self.deterministic_match(levels)
        for outcome, *conditions in self.explained:
            hit = self._level_mask(outcome[0], outcome[1], levels)
            if hit is None:
                continue
            for name, label in conditions:
                m = self._level_mask(name, label, levels)
                hit = hit & m if m is not None else np.zeros(len(levels), dtype=bool)
            if hit.any():
                k = [c.name for c in self.comparisons].index(outcome[0])
                contrib[hit, k] = np.maximum(contrib[hit, k], 0.0)
        vetoed = self.vetoed(levels) & ~agree
        if vetoed.any():
            names = [c.name for c in self.comparisons]
            for name in self.household:
                if name in names:
                    k = names.index(name)
                    contrib[vetoed, k] = np.minimum(contrib[vetoed, k], 0.0)
        return contrib

    def _level_mask(self, name: str, label: str, levels: np.ndarray) -> np.ndarray | None:
        names = [c.name for c in self.comparisons]
        if name not in names:
            return None
        k = names.index(name)
        labels = self.comparisons[k].labels
        if label not in labels:
            return None
        return levels[:, k] == labels.index(label)

    def deterministic_match(self, levels: np.ndarray) -> np.ndarray:
        """Pairs meeting every condition of at least one deterministic rule."""
        return self._rules_met(self.deterministic, levels)

    def _rules_met(self, rules: list[list[list[str]]], levels: np.ndarray) -> np.ndarray:
        """Pairs meeting every condition of at least one rule (a rule naming a comparison or
        level this data lacks never fires)."""
        out = np.zeros(len(levels), dtype=bool)
        for rule in rules:
            hit = np.ones(len(levels), dtype=bool)
            for name, label in rule:
                m = self._level_mask(name, label, levels)
                if m is None:  # a comparison this data lacks: the rule cannot fire
                    hit[:] = False
                    break
                hit &= m
            out |= hit
        return out

    def vetoed(self, levels: np.ndarray) -> np.ndarray:
        out = np.zeros(len(levels), dtype=bool)
        names = [c.name for c in self.comparisons]
        for name, label in self.vetoes:
            if name in names:
                k = names.index(name)
                labels = self.comparisons[k].labels
                if label in labels:
                    out |= levels[:, k] == labels.index(label)
        return out

    def conflicts(self, levels: np.ndarray) -> np.ndarray:
        """Pairs that disagree on a strong identifier, or meet a keep-apart rule: keep-apart
        evidence for clustering."""
        out = self._rules_met(self.keep_apart, levels)
        for k, c in enumerate(self.comparisons):
            if c.keep_apart:
                out |= levels[:, k] == len(c.labels) - 1
        return out

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: dict) -> Model:
        comps = [ComparisonWeights(**c) for c in d["comparisons"]]
        return cls(
            prior=float(d["prior"]),
            comparisons=comps,
            trained_on_pairs=int(d.get("trained_on_pairs", 0)),
            em_iterations=int(d.get("em_iterations", 0)),
            converged=bool(d.get("converged", False)),
            vetoes=[list(v) for v in d.get("vetoes", [])],
            household=list(d.get("household", [])),
            household_signal=float(d.get("household_signal", 0.0)),
            deterministic=[[list(c) for c in r] for r in d.get("deterministic", [])],
            explained=[[list(c) for c in r] for r in d.get("explained", [])],
            context=dict(d.get("context", {})),
            keep_apart=[[list(c) for c in r] for r in d.get("keep_apart", [])],
        )

    @classmethod
    def from_json(cls, text: str) -> Model:
        return cls.from_dict(json.loads(text))


def probability(weight: np.ndarray | float) -> np.ndarray:
    """Match probability from match weight (bits)."""
    w = np.clip(np.asarray(weight, dtype=np.float64), -60, 60)
    return 1.0 / (1.0 + np.exp2(-w))


def weight_for_probability(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return float(np.log2(p / (1 - p)))
