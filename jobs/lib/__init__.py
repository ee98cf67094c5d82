"""Pure DataFrame transforms the job entry files wire together (no I/O, no clocks)."""
