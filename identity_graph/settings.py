"""Settings for a resolve run: the model as data.

Blocking rules and comparisons are plain dataclasses that round-trip to JSON, so a saved run
(``runs.settings_json`` in the store) replays exactly. ``default_settings()`` is what ``idgraph
resolve`` uses unless a settings file is given.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from .errors import ModelError, SettingsError
from .settings_schema import settings_problems

__all__ = [
    "BlockingRule",
    "ComparisonSpec",
    "Settings",
    "default_settings",
    "COMPARISON_KINDS",
]

#: The comparison kinds the compare stage knows how to compute (see compare/library.py).
COMPARISON_KINDS = (
    "given_name",
    "family_name",
    "middle_name",
    "dob",
    "postcode",
    "address",
    "phone",
    "email",
    "gender",
    "exact",  # strong or plain identifiers: nhs_number, ni_number, uprn, extra exact fields
    "fuzzy",  # extra fuzzy fields (e.g. vehicle_reg)
    "source",  # the two records' source systems: one system or two (ADR 0020)
    "age_gap",  # indicator: dates of birth generations apart (ADR 0022)
    "namesake",  # indicator: another person of the record's name lives at its postcode (ADR 0022)
)


@dataclass(frozen=True)
class BlockingRule:
    """Candidate pairs are record pairs equal on every key (all non-null).

    Keys are columns of the blocking-key frame built by ``block.keys.blocking_keys``:
    canonical columns plus derived ones (``given_initial``, ``dob_year``, ``phone``, ``email`` …).
    ``max_block`` skips key values shared by more records than that (placeholders, hostels),
    recording them in the diagnostic instead of generating n² pairs.
    """

    name: str
    keys: tuple[str, ...]
    max_block: int = 400

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BlockingRule:
        return cls(name=d["name"], keys=tuple(d["keys"]), max_block=int(d.get("max_block", 400)))


@dataclass(frozen=True)
class ComparisonSpec:
    """One field comparison: which column(s), which kind of similarity levels, TF adjustment."""

    name: str
    kind: str
    column: str
    tf_adjust: bool = False
    #: strong identifiers: a disagreement is keep-apart evidence for clustering
    keep_apart: bool = False

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ComparisonSpec:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass
class Settings:
    blocking_rules: list[BlockingRule]
    comparisons: list[ComparisonSpec]
    #: match probability at or above which a pair is a match edge
    match_threshold: float = 0.95
    #: at or above which (and below match) a pair is a possible match
    possible_threshold: float = 0.5
    #: guard: a single rule generating more pairs than this raises BlockingExplosionError
    max_pairs_per_rule: int = 60_000_000
    #: number of random record pairs used to estimate u probabilities. Halving these two
    #: samples (from 2M and 3M) left every benchmark's people as accurate (synth 100k B-cubed
    #: 0.9793 both; 650k 0.9721 -> 0.9727) and took a third off training
    u_sample_pairs: int = 1_000_000
    #: candidate pairs sampled for EM estimation of m probabilities and the prior
    em_sample_pairs: int = 1_500_000
    em_max_iterations: int = 40
    #: blocking rules whose pairs train m by EM (one session each). Rules on household keys
    #: (address, phone, postcode alone) are left out on purpose: in their pairs the strongest
    #: latent class is "same household", and EM would learn that instead of "same person".
    training_rules: list[str] = field(
        default_factory=lambda: [
            "dob+family_phonetic",
            "dob+given_canonical",
            "dob+postcode_district",
            "given_canonical+family_name",
            "given_phonetic+family_phonetic",
        ]
    )
    #: clustering: mean match probability over the observed pairs between two groups
    #: required to merge them when splitting a suspicious component (and for the lone-record
    #: attach). Below 0.5 so that one match and one non-match against a group of two, a tie
    #: (0.99 and 0.001: mean 0.4955), keeps the record with the group; one match against two
    #: non-matches (0.33) still does not (ADR 0020: synth 650k B-cubed +0.0008; every value
    #: from 0.42 to 0.49 measured alike)
    cluster_link_threshold: float = 0.45
    #: clustering: what re-clusters a suspicious component: "average-linkage"
    #: (``cluster.split``), or community detection: "louvain" (networkx; modularity over match
    #: probabilities) or "leiden" (igraph, ``pip install 'identity-graph[community]'``; the
    #: constant Potts model over match weights less the link threshold's, i.e. correlation
    #: clustering), each honouring conflicts, keep-apart and same-person decisions as average
    #: linkage does (``cluster.community``). Measured (ADR 0040): Louvain loses B-cubed and adds
    #: household false merges; Leiden ties average linkage (synth 350k B-cubed F1 0.98058
    #: against 0.98056, 1,334 household false merges against 1,337; historical_50k 0.95589
    #: against 0.95624), so average linkage stays the default
    splitter: str = "average-linkage"
    #: clustering: join the only two clusters holding a full name when a possible-match edge
    #: without conflicting evidence links them (``cluster.unique_names``; ADR 0009)
    attach_unique_names: bool = True
    #: clustering: a record left on its own joins the cluster of two or more records it has a
    #: possible-match edge to, when its mean match probability over every pair compared with
    #: that cluster is at least ``cluster_link_threshold`` (``cluster.singletons``; ADR 0014)
    attach_singletons: bool = True
    #: clustering: after the attach steps, two records each still alone join when a
    #: possible-match edge without a conflict joins them and neither has a possible match with
    #: any other record (``cluster.lone_pairs``; ADR 0020)
    pair_lone_records: bool = True
    #: clustering: in the average-linkage tests (chain-merge split, lone-record attach) a weak
    #: pair, scored from this floor up to ``cluster_link_threshold`` (an uncommon name and
    #: nothing else to compare), counts as neutral (the link threshold), not as two people; it
    #: was not found different, only found too little (``cluster.components``; ADR 0017).
    #: None: every pair counts as scored
    cluster_weak_floor: float | None = 0.05
    #: Household members share an address, a phone and a surname: Fellegi-Sunter assumes
    #: independent fields, and these are not, so their agreement would outvote a person-level
    #: disagreement. After any of these "comparison:level" outcomes, the ``household``
    #: comparisons stop adding positive weight; person-level evidence (dob, names, email,
    #: strong identifiers, extra fields) must carry the pair on its own.
    #: Two given names alike only in their beginning ("mary" / "marek", "jane" / "james": Jaro-
    #: Winkler ≥ 0.80 but more than one typing slip apart) are, at one address, mostly two
    #: members of the household (synth 100k: 42 % of such same-dwelling pairs are one person).
    #: Likewise two names only both listed as nicknames of a third ("ian" / "jack").
    #: A middle-name disagreement ("albert" / "edward") is person-level too: a father and son
    #: with one given name at one address (synth 100k B-cubed 0.98199 -> 0.98204,
    #: precision 0.99319 -> 0.99332).
    #: A record without a date of birth whose name two people hold at its postcode
    #: (``namesakes``) cannot be told from the other namesake by the address, phone and surname
    #: they share (ADR 0022).
    vetoes: list[str] = field(
        default_factory=lambda: [
            "given_name:else", "given_name:jw>=0.80", "given_name:nickname via another name", "dob:else",
            "middle_names:else", "namesakes:another person of this name here",
        ]
    )
    household: list[str] = field(default_factory=lambda: ["address", "phone", "family_name", "uprn"])
    #: vetoes apply only when the data has household structure: at least this share of
    #: candidate pairs at one address disagree on both given name and dob (see
    #: ``pipeline.household_signal``)
    household_signal_min: float = 0.10
    #: Explained disagreements: "outcome", then the conditions under which it is no evidence
    #: against the pair (its negative weight is dropped). A family name that differs at the same
    #: dwelling under the same given name is mostly a name change at marriage: older records
    #: hold the birth name (synth 650k: 72 % of such pairs without a dob are one person).
    #: Switched on with the vetoes (only where the data has household structure).
    explained: list[list[str]] = field(
        default_factory=lambda: [["family_name:else", "address:same dwelling", "given_name:exact"]]
    )
    #: Keep-apart evidence: a pair meeting every "comparison:level" of any one rule is two people,
    #: as a strong-identifier conflict is (weight forced to -30 bits, a cannot-link for the
    #: chain-merge split and the attach steps). Dates of birth generations apart; a date of birth
    #: and a given name that both disagree beyond a typo. Switched on with the vetoes (only where
    #: the data has household structure; ADR 0022).
    keep_apart: list[list[str]] = field(
        default_factory=lambda: [
            ["generations:generations apart"],
            ["dob:else", "given_name:else"],
            ["dob:else", "given_name:jw>=0.80"],
            ["dob:else", "given_name:nickname via another name"],
        ]
    )
    #: Deterministic evidence: a pair meeting every "comparison:level" of any one rule is a match
    #: (unless a strong identifier conflicts). UPRN + full name + dob names one person at one
    #: property: Jr/Sr differ on dob, twins on given name.
    deterministic: list[list[str]] = field(
        default_factory=lambda: [
            ["nhs_number:exact"],
            ["ni_number:exact"],
            ["uprn:exact", "given_name:exact", "family_name:exact", "dob:exact"],
        ]
    )
    seed: int = 42
    chunk_pairs: int = 2_000_000
    mode: Literal["dedupe"] = "dedupe"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["blocking_rules"] = [asdict(r) | {"keys": list(r.keys)} for r in self.blocking_rules]
        d["comparisons"] = [asdict(c) for c in self.comparisons]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any], where: str = "settings") -> Settings:
        """Settings from a dict shaped as ``to_dict`` makes it, checked against the schema first
        (``settings_schema``): raises :class:`SettingsError` listing every problem, each with its
        path (``blocking_rules[2].keys[0]: unknown key "nosuchcol"; known: ...``)."""
        problems = settings_problems(d)
        if problems:
            raise SettingsError(where, problems)
        rules = [BlockingRule.from_dict(r) for r in d["blocking_rules"]]
        comps = [ComparisonSpec.from_dict(c) for c in d["comparisons"]]
        rest = {k: v for k, v in d.items() if k not in ("blocking_rules", "comparisons")}
        return cls(blocking_rules=rules, comparisons=comps, **rest)

    @classmethod
    def from_json(cls, text: str, where: str = "settings") -> Settings:
        return cls.from_dict(json.loads(text), where)

    @classmethod
    def from_file(cls, path: str | Path) -> Settings:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise ModelError(f"settings file {p} not found") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelError(f"settings file {p} cannot be read as UTF-8 text: {exc}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModelError(
                f"settings file {p} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                "start from `idgraph resolve --print-settings`"
            ) from exc
        return cls.from_dict(data, f"settings file {p}")


def default_settings() -> Settings:
    """The engine's default model: UK council records.

    Comparisons whose column is empty in the loaded data are dropped at run time, and every
    ``[compare]`` field of a mapping adds one comparison (``x_<name>``).
    """
    rules = [
        BlockingRule("nhs_number", ("nhs_number",)),
        BlockingRule("ni_number", ("ni_number",)),
        BlockingRule("phone", ("phone",), max_block=60),
        BlockingRule("email", ("email",), max_block=30),
        BlockingRule("dob+family_phonetic", ("dob", "family_phonetic")),
        BlockingRule("dob+given_canonical", ("dob", "given_canonical")),
        BlockingRule("dob+postcode_district", ("dob", "postcode_district")),
        BlockingRule("postcode+given_initial", ("postcode", "given_initial")),
        BlockingRule("address_key+given_initial", ("address_key", "given_initial")),
        BlockingRule("given_canonical+family_name", ("given_canonical", "family_name"), 300),
        BlockingRule("postcode+family_phonetic", ("postcode", "family_phonetic")),
        BlockingRule("dob_year+family_name+given_initial", ("dob_year", "family_name", "given_initial")),
        BlockingRule("uprn+given_initial", ("uprn", "given_initial")),
        BlockingRule("family_name+postcode_sector+given_initial",
                     ("family_name", "postcode_sector", "given_initial")),
        BlockingRule("given_phonetic+family_phonetic+dob_md",
                     ("given_phonetic", "family_phonetic", "dob_md")),
        BlockingRule("given_phonetic+family_phonetic", ("given_phonetic", "family_phonetic"), 100),
        BlockingRule("family_name (rare)", ("family_name",), 40),
        # given and family names swapped (systems that ask "surname, forename"): the rules above
        # join on one of the two, so a swapped record would meet its twin only by dob or phone
        BlockingRule("postcode+initials_unordered", ("postcode", "initials_unordered")),
        BlockingRule("names_unordered", ("names_unordered",), 300),
        # a surname typed into the forename field, the family name left empty
        BlockingRule("dob+family_or_given", ("dob", "family_or_given")),
        BlockingRule("postcode+family_or_given", ("postcode", "family_or_given")),
        # sparse records (a first name and a postcode nearby, a surname and a birth year): the
        # exact postcode or dob rules above miss a typo'd postcode unit or a wrong day (ADR 0014).
        # Capped: uncapped, a council's sectors hold thousands of residents and these three rules
        # added 18.7M pairs to 8.7M at 655k records (compare time x3) for +0.0004 B-cubed
        BlockingRule("postcode_sector+given_canonical", ("postcode_sector", "given_canonical"), 12),
        BlockingRule("postcode_sector+family_or_given", ("postcode_sector", "family_or_given"), 12),
        BlockingRule("dob_year+family_or_given", ("dob_year", "family_or_given"), 30),
    ]
    comps = [
        ComparisonSpec("given_name", "given_name", "given_name", tf_adjust=True),
        ComparisonSpec("family_name", "family_name", "family_name", tf_adjust=True),
        # where both records hold one: rarer than the given name, and it survives a move
        ComparisonSpec("middle_names", "middle_name", "middle_names", tf_adjust=True),
        ComparisonSpec("dob", "dob", "dob", tf_adjust=True),
        ComparisonSpec("gender", "gender", "gender"),
        ComparisonSpec("address", "address", "address_key"),
        ComparisonSpec("phone", "phone", "phones"),
        ComparisonSpec("email", "email", "emails"),
        ComparisonSpec("nhs_number", "exact", "nhs_number", keep_apart=True),
        ComparisonSpec("ni_number", "exact", "ni_number", keep_apart=True),
        ComparisonSpec("uprn", "exact", "uprn"),
        # a father and son who share a full name and an address: "jr" against "sr" is two people
        # (keep-apart evidence, so the chain-merge split separates them)
        ComparisonSpec("suffix", "exact", "suffix", keep_apart=True),
        # a system mostly holds one record per person: two of its records that share a name and
        # little else are mostly two people (ADR 0020); dropped when the data has one system
        ComparisonSpec("source", "source", "source"),
        # indicators (weight 0) for the household vetoes and keep-apart rules (ADR 0022): dates
        # of birth generations apart; a record without one whose name two people hold nearby
        ComparisonSpec("generations", "age_gap", "dob"),
        ComparisonSpec("namesakes", "namesake", "given_canonical"),
    ]
    return Settings(blocking_rules=rules, comparisons=comps)
