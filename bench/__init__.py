"""Benchmarks for Walk-Run Coach: `make bench` (see bench/README.md)."""
