"""Benchmark: generated data from one school to a whole city, and the measurements on it."""
