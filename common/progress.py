"""Progress of a long fetch (a staging job's backfill over many windows): windows done / total, rows,
elapsed and ETA. On a terminal a live tqdm bar; otherwise (a log file, Databricks, CI) plain log lines,
rendered by tqdm's own meter so both say the same, at most one every `every_s` seconds plus the last."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import IO

from tqdm import tqdm

from common.log import get_logger


class FetchProgress:
    """Count windows and rows as they arrive; `label` names the job (e.g. staging.public_power)."""

    def __init__(
        self,
        label: str,
        *,
        stream: IO[str] | None = None,
        logger: logging.Logger | None = None,
        every_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.label = label
        self.stream = stream or sys.stderr
        self.log = logger or get_logger("progress")
        self.every_s = every_s
        self._clock = clock
        self.total = 0
        self.windows = 0
        self.rows = 0
        self._bar: tqdm | None = None
        self._started = self._last_line = 0.0

    @property
    def live(self) -> bool:
        """A terminal gets the bar; anything else gets log lines."""
        return bool(getattr(self.stream, "isatty", lambda: False)())

    def start(self, total: int) -> None:
        self.total, self.windows, self.rows = total, 0, 0
        self._started = self._last_line = self._clock()
        if self.live:
            self._bar = tqdm(
                total=total, desc=self.label, unit="window", file=self.stream, dynamic_ncols=True
            )
            self._bar.set_postfix(rows=0)
        else:
            self.log.info("%s: fetching %d window(s)", self.label, total)

    def advance(self, rows: int) -> None:
        """One window done with `rows` values."""
        self.windows += 1
        self.rows += rows
        if self._bar is not None:
            self._bar.set_postfix(rows=self.rows, refresh=False)
            self._bar.update(1)
            if self.windows == self.total:
                self.close()
            return
        now = self._clock()
        if self.windows == self.total or now - self._last_line >= self.every_s:
            self._last_line = now
            self.log.info("%s: %s", self.label, self.line(now - self._started))

    def line(self, elapsed_s: float) -> str:
        """windows done/total, percentage, elapsed<ETA, rate and rows, as tqdm renders its bar."""
        meter = tqdm.format_meter(
            self.windows, self.total, elapsed_s, ncols=0, unit="window", postfix=f"rows={self.rows}"
        )
        return meter.strip()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
