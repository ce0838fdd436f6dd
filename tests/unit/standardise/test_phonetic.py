import pandas as pd

from identity_graph.standardise.phonetic import initial, phonetic_key


def test_phonetic_key_ignores_hyphens_and_spaces():
    out = phonetic_key(pd.Series(["smith-jones", "smithjones", "smith jones", None]))
    assert out.tolist() == ["SM0JNS", "SM0JNS", "SM0JNS", None]


def test_similar_sounding_names_share_a_key():
    out = phonetic_key(pd.Series(["smith", "smyth"]))
    assert out[0] == out[1]


def test_initial_is_first_letter_or_none():
    assert initial(pd.Series(["john", "", None], index=[3, 2, 1])).tolist() == ["j", None, None]
