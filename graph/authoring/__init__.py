"""Helping people write data: spreadsheet import and synthetic data for tests and benchmarks."""
