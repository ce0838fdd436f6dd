"""Extra ``[compare]`` fields in the model: exact attributes are weighted by rarity and block with
names, the year of birth and each other (ADR 0014)."""

from __future__ import annotations

from identity_graph.pipeline import effective_settings
from identity_graph.settings import ComparisonSpec, default_settings


def test_an_exact_attribute_is_term_frequency_adjusted_and_a_fuzzy_one_is_not():
    s = effective_settings(default_settings(), {"birth_place": "exact", "vehicle_reg": "fuzzy"})
    comps = {c.name: c for c in s.comparisons}
    assert comps["x_birth_place"].kind == "exact" and comps["x_birth_place"].tf_adjust
    assert comps["x_vehicle_reg"].kind == "fuzzy" and not comps["x_vehicle_reg"].tf_adjust


def test_exact_attributes_block_with_names_birth_year_and_each_other():
    s = effective_settings(default_settings(), {"birth_place": "exact", "occupation": "exact", "vehicle_reg": "fuzzy"})
    keys = {r.keys for r in s.blocking_rules}
    for x in ("x_birth_place", "x_occupation"):
        assert {(x,), (x, "family_phonetic"), (x, "given_canonical"), (x, "family_or_given"), (x, "dob_year")} <= keys
    assert ("x_birth_place", "x_occupation") in keys
    assert not any("x_vehicle_reg" in k for k in keys)


def test_a_comparison_the_settings_already_declare_is_left_as_declared():
    base = default_settings()
    base.comparisons.append(ComparisonSpec("x_birth_place", "exact", "x_birth_place"))
    s = effective_settings(base, {"birth_place": "exact", "occupation": "exact"})
    assert not next(c for c in s.comparisons if c.name == "x_birth_place").tf_adjust
    names = {r.name for r in s.blocking_rules}
    assert not any(n.startswith("x_birth_place") for n in names)
