"""The MQTT collector: lands every sensor message the broker accepted, raw, in landing/iot (README "IoT
telemetry over MQTT"). A long-running Python process, not a Spark job:

    python -m jobs.collect.iot_mqtt [--env local]      # make collect ENV=local

Broker and credentials: MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD, MQTT_CA_FILE; where files go:
LAKEHOUSE_ROOT, IOT_SPOOL_DIR; scale-out: IOT_CLIENT_ID, IOT_SHARE_GROUP. SIGTERM/SIGINT: commit,
acknowledge, publish the open file, exit 0. A refused start is one line on stderr and exit 1."""

from __future__ import annotations

import argparse
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common.azure import fsspec_storage_options
from common.config import Config, ConfigError, load_config
from common.iot_registry import load_registry
from common.log import get_logger
from jobs.collect.collector import Collector, CollectorError, CollectorSettings
from jobs.collect.spool import LANDING_SUBDIR, LandingPublisher, Spool

log = get_logger("collect.iot_mqtt")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m jobs.collect.iot_mqtt", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--env", help="conf/<env> (default: $LAKEHOUSE_ENV, else local)")
    # Overrides of iot.collector.* for one run (the benchmark compares settings with these).
    parser.add_argument("--commit-messages", type=int)
    parser.add_argument("--commit-ms", type=float)
    parser.add_argument("--rotate-bytes", type=int)
    parser.add_argument("--rotate-s", type=float)
    parser.add_argument("--log-every-s", type=float)
    return parser.parse_args(argv)


def spool_dir_of(config: Config) -> Path:
    """The spool folder; refused inside landing/, where a reader could see an open file."""
    spool = Path(str(config.require("iot.collector.spool_dir"))).resolve()
    root = config.lakehouse_root
    if "://" not in root and spool.is_relative_to(Path(root).resolve() / "landing"):
        raise ConfigError(f"iot.collector.spool_dir {spool} is inside landing/: readers would see open files")
    return spool


@contextmanager
def spool_lock(spool_dir: Path) -> Iterator[None]:
    """One collector per spool folder: a second one would publish the first one's open file."""
    spool_dir.mkdir(parents=True, exist_ok=True)
    with (spool_dir / ".lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CollectorError(
                f"spool folder {spool_dir} is in use by another collector (give each its own IOT_SPOOL_DIR)"
            ) from None
        yield


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    overrides = {
        "commit_messages": args.commit_messages, "commit_ms": args.commit_ms,
        "rotate_bytes": args.rotate_bytes, "rotate_s": args.rotate_s, "log_every_s": args.log_every_s,
    }  # fmt: skip
    try:
        config = load_config(args.env)
        settings = CollectorSettings.from_config(config, os.environ, overrides)
        registry = load_registry(config)
        spool_dir = spool_dir_of(config)
        publisher = LandingPublisher(
            f"{config.lakehouse_root}/{LANDING_SUBDIR}", fsspec_storage_options(config)
        )
        with spool_lock(spool_dir):
            spool = Spool(spool_dir, publisher, settings.policy, ack=lambda batch: None)
            for landed in spool.recover():
                log.info("recovered a spool file left by an earlier run: %s", landed)
            collector = Collector(settings, spool, log)
            collector.install_signal_handlers()
            log.info(
                "collector %s: broker %s, topic %s, %d sensors registered, spool %s, landing %s",
                settings.client_id, settings.broker.url, settings.topic, len(registry.sensors), spool_dir,
                publisher.landing_root,
            )  # fmt: skip
            collector.connect()
            collector.run()
    except (ConfigError, CollectorError) as exc:
        log.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
