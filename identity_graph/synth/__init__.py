"""The synthetic council generator: realistic, messy exports with ground truth.

>>> from identity_graph.synth import generate  # generate(people, seed, out) -> SynthSummary
"""

from identity_graph.synth.generator import GENERATOR_VERSION, SynthSummary, generate

__all__ = ["generate", "SynthSummary", "GENERATOR_VERSION"]
