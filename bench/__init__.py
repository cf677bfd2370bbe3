"""Benchmarks of the template: generation, time to a green project, and generated-app throughput.

Run ``uv run python -m bench`` (full, writes ``docs/benchmarks.md``) or ``uv run python -m bench --quick``.
"""
