"""Logging set up once for jobs: one line per event, UTC timestamps, to stderr."""

from __future__ import annotations

import logging
import time

_FORMAT = "%(asctime)sZ %(levelname)s %(name)s: %(message)s"


def get_logger(name: str) -> logging.Logger:
    root = logging.getLogger("lakehouse")
    if not root.handlers:
        handler = logging.StreamHandler()
        formatter = logging.Formatter(_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S")
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False
        # py4j logs every gateway call at INFO.
        logging.getLogger("py4j").setLevel(logging.WARNING)
    return root.getChild(name)
