"""``pipeline.household_signal``: the share of same-address candidate pairs that are clearly
different people (disagree on given name and dob) — high for households, ~0 for duplicates.
With few pairs to measure, the share leans to one half (the default model's assumption:
council records with households), worth ``HOUSEHOLD_SIGNAL_PRIOR`` pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from identity_graph.compare.library import CompareContext, build_comparisons, comparison_levels
from identity_graph.pipeline import HOUSEHOLD_SIGNAL_PRIOR, household_signal
from identity_graph.settings import ComparisonSpec

SPECS = [
    ComparisonSpec("given_name", "given_name", "given_name"),
    ComparisonSpec("dob", "dob", "dob"),
    ComparisonSpec("address", "address", "address_key"),
]


def address(i: int) -> dict:
    pc = f"AB{i % 9 + 1} {i % 7}CD"
    return {
        "house_number": str(i),
        "street": "high street",
        "postcode": pc,
        "flat": None,
        "postcode_sector": pc[:-2],
        "postcode_district": pc.split(" ")[0],
        "address_key": f"|{i}|high street|{pc}",
    }


def signal(pairs: list[tuple[dict, dict]], specs=SPECS) -> float:
    rows = [r for p in pairs for r in p]
    frame = pd.DataFrame(rows, dtype=object)
    frame["given_canonical"] = frame["given_name"]
    frame["family_name"] = None
    comps = build_comparisons(specs, CompareContext(frame, workers=1))
    ia = np.arange(0, len(rows), 2, dtype=np.int32)
    return household_signal(comps, comparison_levels(comps, ia, ia + 1))


def household(i: int) -> tuple[dict, dict]:
    return (
        {"given_name": "mohammed", "dob": "1950-01-01", **address(i)},
        {"given_name": "gwendolyn", "dob": "1987-06-23", **address(i)},
    )


def duplicate(i: int) -> tuple[dict, dict]:
    return (
        {"given_name": "mohammed", "dob": "1950-01-01", **address(i)},
        {"given_name": "mohammed", "dob": "1950-01-02", **address(i)},
    )


def expected(different: int, pairs: int) -> float:
    share, weight = HOUSEHOLD_SIGNAL_PRIOR
    return (different + share * weight) / (pairs + weight)


def test_signal_is_high_when_people_at_one_address_differ_on_given_name_and_dob():
    assert signal([household(i) for i in range(60)]) == pytest.approx(expected(60, 60))
    assert signal([household(i) for i in range(60)]) > 0.85


def test_signal_is_near_zero_for_duplicates_of_one_person():
    assert signal([duplicate(i) for i in range(400)]) == pytest.approx(expected(0, 400))
    assert signal([duplicate(i) for i in range(400)]) < 0.03


def test_signal_is_the_share_of_same_address_pairs_that_are_different_people():
    pairs = [household(i) for i in range(30)] + [duplicate(i) for i in range(30, 120)]
    assert signal(pairs) == pytest.approx(expected(30, 120))


def test_pairs_at_different_addresses_do_not_count():
    moved = [
        ({**a, **address(i)}, {**b, **address(i + 500)})
        for i, (a, b) in enumerate(household(i) for i in range(60))
    ]
    assert signal(moved + [duplicate(i) for i in range(60, 120)]) == pytest.approx(expected(0, 60))


def test_a_small_store_leans_to_households():
    """A new index of a few dozen records is council data until it shows otherwise: its
    household rules are on (signal >= ``Settings.household_signal_min``, 0.10)."""
    assert signal([household(i) for i in range(3)] + [duplicate(i) for i in range(3, 6)]) > 0.10
    apart = [({**a, **address(i)}, {**b, **address(i + 500)}) for i, (a, b) in enumerate(
        household(i) for i in range(5)
    )]
    assert signal(apart) == pytest.approx(0.5)  # no same-address pair to measure
    assert signal([duplicate(i) for i in range(200)]) < 0.10


def test_signal_is_zero_without_the_address_given_name_and_dob_comparisons():
    assert signal([household(i) for i in range(60)], SPECS[:2]) == 0.0
