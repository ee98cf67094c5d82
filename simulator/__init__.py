"""Local simulators of the external APIs the jobs read, for tests, `make demo` and benchmarks."""
