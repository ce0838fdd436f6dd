"""Benchmark harness: accuracy, time and memory of the engine on the same runs (see BENCHMARKS.md)."""
