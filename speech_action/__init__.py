"""Custom Speech CI/CD: benchmark, train-and-gate on WER, and deploy Azure Custom Speech models."""

__version__ = "0.1.0"
