"""Benchmarks of speech-action (not part of CI): `python bench/run.py`, see BENCHMARKS.md."""
