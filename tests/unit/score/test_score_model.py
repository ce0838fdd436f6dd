"""Fellegi-Sunter scoring: prior + level weights (+ TF), with deterministic rules, strong-id
conflicts and household vetoes layered on top; the model round-trips through JSON."""

from __future__ import annotations

import numpy as np

from identity_graph.score.model import (
    DETERMINISTIC_WEIGHT,
    ComparisonWeights,
    Model,
    probability,
)


def cw(name, labels, m, u, **kw) -> ComparisonWeights:
    return ComparisonWeights(name=name, kind=name, column=name, labels=labels, m=m, u=u, **kw)


def model(**kw) -> Model:
    comps = [
        cw(
            "given_name",
            ["missing", "exact", "else"],
            [0, 0.9, 0.1],
            [0, 0.05, 0.95],
            tf_adjust=True,
        ),
        cw("dob", ["missing", "exact", "else"], [0, 0.95, 0.05], [0, 0.001, 0.999]),
        cw("address", ["missing", "same dwelling", "else"], [0, 0.7, 0.3], [0, 0.01, 0.99]),
        cw(
            "nhs_number",
            ["missing", "exact", "else"],
            [0, 0.99, 0.01],
            [0, 1e-6, 1 - 1e-6],
            keep_apart=True,
        ),
    ]
    return Model(prior=0.001, comparisons=comps, **kw)


def expected_weight(mdl: Model, levels: np.ndarray) -> np.ndarray:
    w = np.full(len(levels), np.log2(mdl.prior / (1 - mdl.prior)))
    for k, c in enumerate(mdl.comparisons):
        for i, lv in enumerate(levels[:, k]):
            if lv:
                w[i] += np.log2(c.m[lv] / c.u[lv])
    return w


LEVELS = np.array(
    [[0, 0, 0, 0], [1, 1, 1, 0], [2, 2, 2, 0], [1, 2, 1, 0], [2, 1, 0, 0], [0, 1, 2, 0]],
    dtype=np.int8,
)


def test_score_is_prior_plus_the_sum_of_level_weights():
    mdl = model()
    np.testing.assert_allclose(mdl.score(LEVELS), expected_weight(mdl, LEVELS), rtol=1e-5)


def test_missing_levels_weigh_nothing():
    mdl = model()
    got = mdl.score(np.zeros((1, 4), dtype=np.int8))
    np.testing.assert_allclose(got, [mdl.prior_weight], rtol=1e-6)


def test_tf_adjustments_are_added_to_the_score():
    mdl = model()
    tf = np.zeros(LEVELS.shape)
    tf[:, 0] = np.linspace(-3, 3, len(LEVELS))
    np.testing.assert_allclose(
        mdl.score(LEVELS, tf), expected_weight(mdl, LEVELS) + tf[:, 0], rtol=1e-5
    )


def test_a_deterministic_rule_forces_at_least_the_deterministic_weight():
    mdl = model(deterministic=[[["nhs_number", "exact"]]])
    levels = np.array([[2, 2, 2, 1], [1, 1, 1, 1], [2, 2, 2, 0]], dtype=np.int8)
    w = mdl.score(levels)
    assert w[0] >= DETERMINISTIC_WEIGHT
    assert w[1] >= DETERMINISTIC_WEIGHT and w[1] == np.float32(expected_weight(mdl, levels)[1])
    assert w[2] < 0


def test_a_deterministic_rule_needs_every_condition():
    mdl = model(deterministic=[[["given_name", "exact"], ["dob", "exact"]]])
    w = mdl.score(np.array([[1, 1, 2, 0], [1, 2, 2, 0]], dtype=np.int8))
    assert w[0] >= DETERMINISTIC_WEIGHT
    assert w[1] < DETERMINISTIC_WEIGHT


def test_a_deterministic_rule_on_a_comparison_the_data_lacks_never_fires():
    mdl = model(deterministic=[[["uprn", "exact"], ["dob", "exact"]]])
    assert not mdl.deterministic_match(np.array([[1, 1, 1, 1]], dtype=np.int8)).any()


def test_a_strong_identifier_conflict_forces_at_most_minus_the_deterministic_weight():
    mdl = model(deterministic=[[["given_name", "exact"], ["dob", "exact"]]])
    levels = np.array([[1, 1, 1, 2], [0, 0, 0, 2]], dtype=np.int8)
    w = mdl.score(levels)
    assert (w <= -DETERMINISTIC_WEIGHT).all()
    assert mdl.conflicts(levels).all()
    assert probability(w).max() < 1e-8


def test_vetoes_drop_only_positive_household_weight():
    vet = model(vetoes=[["given_name", "else"]], household=["address", "dob"])
    plain = model()
    levels = np.array(
        [
            [2, 1, 1, 0],  # vetoed: household dob and address agreement stop counting
            [2, 2, 2, 0],  # vetoed, but household disagreement keeps its negative weight
            [1, 1, 1, 0],  # not vetoed
        ],
        dtype=np.int8,
    )
    base = expected_weight(plain, levels)
    got = vet.score(levels)
    g_else = np.log2(0.1 / 0.95)
    np.testing.assert_allclose(got[0], plain.prior_weight + g_else, rtol=1e-5)
    np.testing.assert_allclose(got[1], base[1], rtol=1e-5)
    np.testing.assert_allclose(got[2], base[2], rtol=1e-5)


def test_vetoes_do_not_touch_comparisons_outside_the_household():
    vet = model(vetoes=[["dob", "else"]], household=["address"])
    levels = np.array([[1, 2, 1, 1]], dtype=np.int8)
    w = vet.score(levels)
    expected = expected_weight(model(), levels) - np.log2(0.7 / 0.01)
    np.testing.assert_allclose(w, expected, rtol=1e-5)


def test_a_deterministic_match_is_not_vetoed():
    vet = model(
        vetoes=[["given_name", "else"]],
        household=["address", "dob"],
        deterministic=[[["nhs_number", "exact"]]],
    )
    plain = model()
    for mdl in (vet, plain):  # an NHS number agreement strong enough to clear the floor
        mdl.comparisons[3].u = [0, 1e-9, 1 - 1e-9]
    levels = np.array([[2, 1, 1, 1]], dtype=np.int8)
    unvetoed = expected_weight(plain, levels)
    assert unvetoed[0] > DETERMINISTIC_WEIGHT + 1
    np.testing.assert_allclose(vet.score(levels), unvetoed, rtol=1e-5)


def test_model_round_trips_through_json():
    mdl = model(
        vetoes=[["given_name", "else"]],
        household=["address"],
        household_signal=0.25,
        deterministic=[[["nhs_number", "exact"]], [["given_name", "exact"], ["dob", "exact"]]],
        trained_on_pairs=123,
        em_iterations=7,
        converged=True,
    )
    back = Model.from_json(mdl.to_json())
    assert back == mdl
    assert np.array_equal(back.score(LEVELS), mdl.score(LEVELS))


def test_probability_is_the_logistic_of_the_weight_in_bits():
    np.testing.assert_allclose(probability(np.array([0.0, 1.0, -1.0])), [0.5, 2 / 3, 1 / 3])
    assert probability(1000.0) == 1.0 and probability(-1000.0) > 0


def test_default_settings_veto_household_evidence_for_given_names_alike_only_in_their_beginning():
    from identity_graph.settings import default_settings

    vetoes = default_settings().vetoes
    # "mary" / "marek" at one dwelling: the address and surname must not carry the pair
    assert "given_name:jw>=0.80" in vetoes
    # "ian" / "jack", both listed under "john": household evidence must not carry them either
    assert "given_name:nickname via another name" in vetoes
    assert "given_name:nickname" not in vetoes
    # a single typing slip ("srah" / "sarah") is still the same person's name
    assert "given_name:one edit" not in vetoes and "given_name:jw>=0.92" not in vetoes


def test_default_settings_keep_a_junior_and_a_senior_apart():
    from identity_graph.settings import default_settings

    suffix = [c for c in default_settings().comparisons if c.name == "suffix"]
    assert len(suffix) == 1 and suffix[0].column == "suffix"
    # "jr" against "sr": a disagreement is keep-apart evidence, as for NHS numbers
    assert suffix[0].keep_apart
    mdl = model()
    mdl.comparisons.append(
        cw("suffix", ["missing", "exact", "else"], [0, 0.9, 0.1], [0, 0.5, 0.5], keep_apart=True)
    )
    levels = np.array([[1, 1, 1, 0, 2], [1, 1, 1, 0, 0]], dtype=np.int8)
    assert mdl.conflicts(levels).tolist() == [True, False]


def test_an_explained_disagreement_loses_only_its_negative_weight():
    # a birth name against a married name: the given-name disagreement here stands in for the
    # family name; at the same dwelling it is no evidence against the pair
    exp = model(explained=[[["given_name", "else"], ["address", "same dwelling"]]])
    plain = model()
    levels = np.array(
        [
            [2, 0, 1, 0],  # explained: the disagreement's negative weight is dropped
            [2, 0, 2, 0],  # another address: the disagreement still counts
            [1, 0, 1, 0],  # agreement: untouched
        ],
        dtype=np.int8,
    )
    base = expected_weight(plain, levels)
    got = exp.score(levels)
    np.testing.assert_allclose(got[0], base[0] - np.log2(0.1 / 0.95), rtol=1e-5)
    np.testing.assert_allclose(got[1:], base[1:], rtol=1e-5)


def test_explained_disagreements_round_trip_and_a_missing_comparison_never_fires():
    exp = model(explained=[[["given_name", "else"], ["phone", "exact"]]])
    assert Model.from_json(exp.to_json()).explained == exp.explained
    levels = np.array([[2, 0, 1, 0]], dtype=np.int8)
    np.testing.assert_allclose(exp.score(levels), expected_weight(model(), levels), rtol=1e-5)


def test_default_settings_explain_a_family_name_change_at_one_dwelling():
    from identity_graph.settings import Settings, default_settings

    s = default_settings()
    assert ["family_name:else", "address:same dwelling", "given_name:exact"] in s.explained
    assert Settings.from_json(s.to_json()).explained == s.explained


def test_a_keep_apart_rule_is_a_conflict_when_every_condition_holds():
    # a dob and a given name that both disagree: two people, as an NHS-number conflict is
    mdl = model(keep_apart=[[["dob", "else"], ["given_name", "else"]]])
    levels = np.array(
        [
            [2, 2, 1, 0],  # both disagree: keep apart
            [1, 2, 1, 0],  # the given name agrees: only the dob's weight counts against
            [2, 0, 1, 0],  # no dob to compare: the rule cannot fire
        ],
        dtype=np.int8,
    )
    assert mdl.conflicts(levels).tolist() == [True, False, False]
    score = mdl.score(levels)
    assert score[0] <= -DETERMINISTIC_WEIGHT
    np.testing.assert_allclose(score[1:], expected_weight(model(), levels[1:]), rtol=1e-5)


def test_keep_apart_rules_round_trip_and_a_missing_comparison_never_fires():
    mdl = model(keep_apart=[[["generations", "generations apart"]], [["dob", "else"]]])
    back = Model.from_json(mdl.to_json())
    assert back.keep_apart == mdl.keep_apart
    # "generations" is not a comparison of this model: only the second rule can fire
    levels = np.array([[1, 2, 1, 0], [1, 1, 1, 0]], dtype=np.int8)
    assert back.conflicts(levels).tolist() == [True, False]
    # a model stored before keep-apart rules existed reads as having none
    old = mdl.to_dict()
    del old["keep_apart"]
    assert Model.from_dict(old).keep_apart == []


def test_default_settings_keep_generations_apart_and_veto_namesakes():
    from identity_graph.settings import Settings, default_settings

    s = default_settings()
    assert ["generations:generations apart"] in s.keep_apart
    assert ["dob:else", "given_name:else"] in s.keep_apart
    # a dob that disagrees alone is not decisive: a mistyped date is still the person's
    assert ["dob:else"] not in s.keep_apart
    assert "namesakes:another person of this name here" in s.vetoes
    assert Settings.from_json(s.to_json()).keep_apart == s.keep_apart
    kinds = {c.name: c.kind for c in s.comparisons}
    assert kinds["generations"] == "age_gap" and kinds["namesakes"] == "namesake"
