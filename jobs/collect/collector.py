"""The MQTT side of the collector: settings (config + environment), a paho-mqtt 2.x client with a
persistent session, a QoS 1 subscription and manual acknowledgement, and one loop that reads the
network, feeds the spool and commits on time. Everything runs on the caller's thread, so file writes,
fsyncs and acks never race with paho's network handling."""

from __future__ import annotations

import logging
import random
import signal
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from common.config import Config, ConfigError
from jobs.collect.spool import CommitPolicy, Received, Spool

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
# Loop wake-ups when nothing is due: keeps SIGTERM and the progress log responsive.
IDLE_WAIT_S = 0.2


class CollectorError(Exception):
    """A condition the collector cannot run with (unreachable broker, refused login): one line, exit 1."""


@dataclass(frozen=True)
class BrokerSettings:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None  # never logged: repr hides it
    ca_file: str | None

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"BrokerSettings(url={self.url!r}, username={self.username!r}, ca_file={self.ca_file!r})"

    @classmethod
    def from_environ(cls, url: str, environ: Mapping[str, str]) -> BrokerSettings:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ConfigError(f"MQTT_URL {url!r}: expected mqtt://host:port or mqtts://host:port")
        if parts.username or parts.password:
            raise ConfigError("MQTT_URL must not hold credentials: set MQTT_USERNAME and MQTT_PASSWORD")
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=parts.port or DEFAULT_PORTS[parts.scheme],
            username=environ.get("MQTT_USERNAME") or None,
            password=environ.get("MQTT_PASSWORD") or None,
            ca_file=environ.get("MQTT_CA_FILE") or None,
        )


@dataclass(frozen=True)
class CollectorSettings:
    broker: BrokerSettings
    client_id: str
    topic: str  # what is subscribed: the subscription, or $share/<group>/<subscription>
    qos: int
    session_expiry_s: int
    keepalive_s: int
    receive_maximum: int
    policy: CommitPolicy
    reconnect_min_s: float
    reconnect_max_s: float
    connect_timeout_s: float
    log_every_s: float

    @classmethod
    def from_config(
        cls, config: Config, environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None
    ) -> CollectorSettings:
        """Settings from `iot.*` (environment overrides applied by load_config), broker credentials from
        the environment, then `overrides` (command-line options) on top of `iot.collector`."""
        c = {
            **(config.get("iot.collector") or {}),
            **{k: v for k, v in (overrides or {}).items() if v is not None},
        }
        group = str(c.get("share_group") or "")
        subscription = str(c.get("subscription") or "sensors/#")
        policy = CommitPolicy(
            commit_messages=int(c.get("commit_messages", 1000)),
            commit_ms=float(c.get("commit_ms", 200)),
            rotate_bytes=int(c.get("rotate_bytes", 64 << 20)),
            rotate_s=float(c.get("rotate_s", 5)),
        )
        receive_maximum = int(c.get("receive_maximum", 10000))
        if not 1 <= policy.commit_messages <= receive_maximum <= 65535:
            raise ConfigError(
                f"config '{config.env}': iot.collector needs 1 <= commit_messages ({policy.commit_messages}) "
                f"<= receive_maximum ({receive_maximum}) <= 65535: the broker sends no more un-acknowledged "
                "messages than receive_maximum, so a larger batch would only ever commit on its timer"
            )
        return cls(
            broker=BrokerSettings.from_environ(str(config.require("iot.broker_url")), environ),
            client_id=str(c.get("client_id") or "lakehouse-collector-1"),
            topic=f"$share/{group}/{subscription}" if group else subscription,
            qos=int(c.get("qos", 1)),
            session_expiry_s=int(c.get("session_expiry_s", 604800)),
            keepalive_s=int(c.get("keepalive_s", 30)),
            receive_maximum=receive_maximum,
            policy=policy,
            reconnect_min_s=float(c.get("reconnect_min_s", 0.5)),
            reconnect_max_s=float(c.get("reconnect_max_s", 30)),
            connect_timeout_s=float(c.get("connect_timeout_s", 10)),
            log_every_s=float(c.get("log_every_s", 30)),
        )


def backoff_delays(min_s: float, max_s: float, rng: random.Random) -> Callable[[], float]:
    """Successive reconnect delays: doubling from min_s up to max_s, each with ±50 % jitter (so a fleet
    of collectors does not reconnect in step)."""
    state = {"next": min_s}

    def delay() -> float:
        base = state["next"]
        state["next"] = min(base * 2, max_s)
        return base * rng.uniform(0.5, 1.5)

    return delay


class Collector:
    """receive -> append -> (batch full or timer) flush + fsync -> ack -> rotate by atomic rename."""

    def __init__(
        self,
        settings: CollectorSettings,
        spool: Spool,
        log: logging.Logger,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.spool = spool
        self.log = log
        self.monotonic, self.wall_clock, self.sleep = monotonic, wall_clock, sleep
        self.rng = rng or random.Random()
        self.stopping = False
        self.connected = False
        self.refused: str | None = None
        self.reconnects = 0
        spool.ack = self._ack
        self.client = self._client()

    # --- paho wiring ------------------------------------------------------------------------------------

    def _client(self) -> mqtt.Client:
        s = self.settings
        client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=s.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if s.broker.username:
            client.username_pw_set(s.broker.username, s.broker.password)
        if s.broker.scheme == "mqtts":
            client.tls_set(ca_certs=s.broker.ca_file, cert_reqs=ssl.CERT_REQUIRED)
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        client.on_disconnect = self._on_disconnect
        return client

    def _connect_properties(self) -> Properties:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.settings.session_expiry_s
        properties.ReceiveMaximum = self.settings.receive_maximum
        return properties

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any):
        if reason_code.is_failure:
            self.refused = str(reason_code)
            return
        self.connected = True
        self.refused = None
        # Subscribing again is harmless when the session was resumed and needed when it had expired.
        client.subscribe(self.settings.topic, qos=self.settings.qos)
        self.log.info(
            "connected to %s as %s (session present: %s), subscribed to %s",
            self.settings.broker.url, self.settings.client_id, flags.session_present, self.settings.topic,
        )  # fmt: skip

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason_code: Any, properties: Any
    ):
        self.connected = False

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        if self.stopping:
            return  # not acknowledged: the broker keeps it for the next run
        received = Received(
            topic=message.topic,
            payload=message.payload,
            qos=message.qos,
            retain=bool(message.retain),
            dup=bool(message.dup),
            received_at=self.wall_clock(),
            ack_token=(message.mid, message.qos),
        )
        self.spool.receive(received, self.monotonic())

    def _ack(self, tokens: Sequence[tuple[int, int]]) -> None:
        for mid, qos in tokens:
            if qos > 0:
                self.client.ack(mid, qos)

    # --- the loop -----------------------------------------------------------------------------------------

    def connect(self) -> None:
        """First connection: CollectorError (one line) when the broker is unreachable or refuses us."""
        s = self.settings
        try:
            self.client.connect(
                s.broker.host, s.broker.port, keepalive=s.keepalive_s, clean_start=False,
                properties=self._connect_properties(),
            )  # fmt: skip
        except (OSError, ssl.SSLError) as exc:
            raise CollectorError(f"cannot connect to MQTT broker {s.broker.url}: {exc}") from None
        self._await_connack()

    def _await_connack(self) -> None:
        deadline = self.monotonic() + self.settings.connect_timeout_s
        while not self.connected and self.refused is None:
            if self.monotonic() > deadline:
                raise CollectorError(
                    f"MQTT broker {self.settings.broker.url} did not answer the connect in time"
                )
            rc = self.client.loop(timeout=IDLE_WAIT_S)
            if rc != mqtt.MQTT_ERR_SUCCESS and not self.connected and self.refused is None:
                raise CollectorError(
                    f"MQTT broker {self.settings.broker.url} closed the connection: {mqtt.error_string(rc)}"
                )
        if self.refused is not None:
            hint = (
                " (check MQTT_USERNAME / MQTT_PASSWORD)"
                if "user name" in self.refused.lower() or ("authori" in self.refused.lower())
                else ""
            )
            raise CollectorError(
                f"MQTT broker {self.settings.broker.url} refused the connection: {self.refused}{hint}"
            )

    def request_stop(self, *_: Any) -> None:
        self.stopping = True

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)

    def run(self) -> None:
        """Until stop is requested: read, commit and publish on time, reconnect when the link drops; then
        commit and acknowledge the open batch, publish the open file and disconnect (session kept)."""
        next_log = self.monotonic() + self.settings.log_every_s
        while not self.stopping:
            now = self.monotonic()
            deadline = self.spool.next_deadline(now)
            wait = IDLE_WAIT_S if deadline is None else min(IDLE_WAIT_S, max(0.0, deadline - now))
            rc = self.client.loop(timeout=wait)
            if rc != mqtt.MQTT_ERR_SUCCESS and not self.stopping:
                self._reconnect(mqtt.error_string(rc))
            now = self.monotonic()
            self.spool.tick(now)
            if now >= next_log:
                self.log_progress(now)
                next_log = now + self.settings.log_every_s
        self.spool.rotate()
        self.client.disconnect()
        # The acks and the DISCONNECT may still sit in paho's queue when the socket was busy.
        for _ in range(50):
            if self.client.socket() is None:
                break
            self.client.loop(timeout=0.1)
        self.log_progress(self.monotonic())
        self.log.info("stopped")

    def _reconnect(self, reason: str) -> None:
        """The link is gone: what was written is made durable but not acknowledged (those messages come
        again on the new connection); then reconnect with back-off and jitter until it works or we stop."""
        self.connected = False
        self.spool.commit(acknowledge=False)
        self.log.warning("connection to %s lost (%s); reconnecting", self.settings.broker.url, reason)
        delay = backoff_delays(self.settings.reconnect_min_s, self.settings.reconnect_max_s, self.rng)
        while not self.stopping:
            pause = delay()
            resume = self.monotonic() + pause
            while not self.stopping and self.monotonic() < resume:  # SIGTERM does not wait for the back-off
                self.sleep(min(IDLE_WAIT_S, resume - self.monotonic()))
            if self.stopping:
                return
            try:
                self.client.reconnect()
                self._await_connack()
                self.reconnects += 1
                return
            except (OSError, ssl.SSLError, CollectorError) as exc:
                self.log.warning("reconnect to %s failed (%s); next try in about %.1f s",
                                 self.settings.broker.url, exc, pause * 2)  # fmt: skip
                self.refused = None

    def log_progress(self, now: float) -> None:
        s = self.spool
        self.log.info(
            "received %d, committed %d, acknowledged %d, files published %d, oldest un-acknowledged %.1f s",
            s.received, s.committed, s.acknowledged, s.files_published, s.oldest_unacknowledged_s(now),
        )  # fmt: skip
