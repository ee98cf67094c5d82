"""Serve the Energy-Charts simulator until killed:

    python -m simulator --host 127.0.0.1 --port 8765 [--now 2026-11-24T12:00Z]

It prints its base URL on one line once it accepts requests."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from simulator.energy_charts import EnergyChartsSimulator


def parse_now(value: str) -> datetime:
    """An ISO instant; "Z" or no offset means UTC."""
    instant = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value)
    return (
        instant.replace(tzinfo=timezone.utc) if instant.tzinfo is None else instant.astimezone(timezone.utc)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--now", type=parse_now, help="publication edge (default: the wall clock)")
    args = parser.parse_args(argv)
    simulator = EnergyChartsSimulator(args.host, args.port, now=args.now)
    print(simulator.base_url, flush=True)
    try:
        simulator.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()


if __name__ == "__main__":
    main()
