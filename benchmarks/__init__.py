"""Benchmarks of the durable-workflow SDK and its embedded dev server (``python -m benchmarks``).

They print tables and ratios; they are never run as timed tests. See benchmarks/README.md.
"""
