"""The collector's durable core, free of MQTT: messages are appended as JSON lines to an open file in a
local spool folder; a batch is flushed and fsynced (group commit) before its messages are acknowledged;
a file is closed and published into `landing/iot/received_date=YYYY-MM-DD/` by atomic rename (or a
confirmed upload) when it is big or old enough. Time is passed in, so tests drive every branch."""

from __future__ import annotations

import base64
import errno
import functools
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

LANDING_SUBDIR = "landing/iot"
PART_GLOB = "received_date=*/part-*.jsonl"
WRITE_BUFFER_BYTES = 1 << 20


class Received(NamedTuple):
    """One message as it came off the wire, with the token that acknowledges it (a NamedTuple: one is
    made per message, on the hot path)."""

    topic: str
    payload: bytes
    qos: int
    retain: bool
    dup: bool
    received_at: float  # epoch seconds (the collector's wall clock)
    ack_token: Any = None


@dataclass(frozen=True)
class CommitPolicy:
    """When a batch is committed (fsync, then ack) and when a file is published."""

    commit_messages: int = 1000
    commit_ms: float = 200
    rotate_bytes: int = 64 << 20
    rotate_s: float = 5


def utc_iso_ms(epoch_s: float) -> str:
    """`2026-06-21T10:15:30.250Z`."""
    second, millisecond = divmod(round(epoch_s * 1000), 1000)
    return f"{_utc_second(second)}.{millisecond:03d}Z"


@functools.lru_cache(maxsize=8)
def _utc_second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


# json.dumps(str, ensure_ascii=False) without building an encoder per call: C code, a quoted JSON string.
_json_string = json.encoder.encode_basestring


def landing_line(message: Received) -> bytes:
    """The JSON line of a message (README "Landing files"): topic, payload (the bytes as text when they
    are valid UTF-8, else base64 with payload_encoding "base64"), qos, retain, dup, received_at. Built
    by hand around json.dumps of the two strings: this runs once per message."""
    try:
        payload = _json_string(message.payload.decode("utf-8"))
        encoding = ""
    except UnicodeDecodeError:
        payload = '"' + base64.b64encode(message.payload).decode("ascii") + '"'
        encoding = ',"payload_encoding":"base64"'
    return (
        f'{{"topic":{_json_string(message.topic)},"payload":{payload}{encoding},'
        f'"qos":{message.qos},"retain":{"true" if message.retain else "false"},'
        f'"dup":{"true" if message.dup else "false"},"received_at":"{utc_iso_ms(message.received_at)}"}}\n'
    ).encode()


def payload_of(line: bytes | str) -> bytes:
    """The payload bytes of a landing line, exactly as received."""
    record = json.loads(line)
    if record.get("payload_encoding") == "base64":
        return base64.b64decode(record["payload"])
    return record["payload"].encode("utf-8")


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LandingPublisher:
    """Moves closed spool files into the landing folder, which may be local or any fsspec URL
    (`abfss://…` through adlfs). A reader never sees part of a file: locally the file is renamed into
    place (copied to a hidden `.…tmp` name first when spool and landing are on different devices); a
    blob store commits an uploaded blob whole. The spool copy goes only once the landing copy is
    confirmed."""

    def __init__(self, landing_root: str, storage_options: dict[str, Any] | None = None) -> None:
        self.landing_root = landing_root.rstrip("/")
        self.is_remote = "://" in landing_root and not landing_root.startswith("file://")
        self._fs = None
        if self.is_remote:
            import fsspec  # only a remote landing root needs it

            protocol = landing_root.split("://", 1)[0]
            self._fs = fsspec.filesystem(protocol, **(storage_options or {}))

    def publish(self, local: Path, relative: str) -> str:
        """Publish `local` as `{landing_root}/{relative}`; returns where it landed."""
        if self._fs is not None:
            return self._upload(local, relative)
        target = Path(self.landing_root.removeprefix("file://")) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(local, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            hidden = target.with_name(f".{target.name}.tmp")
            with local.open("rb") as source, hidden.open("wb") as copy:
                shutil.copyfileobj(source, copy, WRITE_BUFFER_BYTES)
                copy.flush()
                os.fsync(copy.fileno())
            os.replace(hidden, target)
            fsync_dir(target.parent)
            local.unlink()
        else:
            fsync_dir(target.parent)
        fsync_dir(local.parent)
        return str(target)

    def _upload(self, local: Path, relative: str) -> str:
        target = f"{self.landing_root}/{relative}"
        self._fs.put_file(str(local), target)
        landed = self._fs.info(target)["size"]
        if landed != local.stat().st_size:
            raise OSError(
                f"upload of {local} to {target} is incomplete: {landed} of {local.stat().st_size} bytes"
            )
        local.unlink()
        fsync_dir(local.parent)
        return target


class Spool:
    """The open spool file and its un-committed batch (see the module docstring).

    `ack` is called with the ack tokens of a batch once the batch is on disk. Counters say how far each
    stage has come, for the progress log and the tests."""

    def __init__(
        self,
        spool_dir: Path,
        publisher: LandingPublisher,
        policy: CommitPolicy,
        ack: Callable[[Sequence[Any]], None],
    ) -> None:
        self.spool_dir = Path(spool_dir)
        self.publisher = publisher
        self.policy = policy
        self.ack = ack
        self._file: BinaryIO | None = None
        self._path: Path | None = None
        self._relative = ""
        self._date = ""
        self._opened_at = 0.0
        self._size = 0
        self._pending: list[Any] = []
        self._batch_started = 0.0
        self.received = self.committed = self.acknowledged = self.files_published = 0

    # --- the state machine ---------------------------------------------------------------------------

    def receive(self, message: Received, now: float) -> None:
        """Append a message (monotonic time `now`); commits when the batch is full."""
        date = utc_iso_ms(message.received_at)[:10]
        if self._file is not None and date != self._date:
            self.rotate()  # a file never spans two UTC dates
        if self._file is None:
            self._open(date, message.received_at, now)
        line = landing_line(message)
        self._file.write(line)
        self._size += len(line)
        if not self._pending:
            self._batch_started = now
        self._pending.append(message.ack_token)
        self.received += 1
        if len(self._pending) >= self.policy.commit_messages:
            self.commit()
        if self._size >= self.policy.rotate_bytes:
            self.rotate()

    def tick(self, now: float) -> None:
        """Commit a batch that is old enough, publish a file that is old enough."""
        if self._pending and now >= self._batch_started + self.policy.commit_ms / 1000:
            self.commit()
        if self._file is not None and now >= self._opened_at + self.policy.rotate_s:
            self.rotate()

    def next_deadline(self, now: float) -> float | None:
        """The monotonic time at which tick() has something to do (None: nothing open)."""
        deadlines = []
        if self._pending:
            deadlines.append(self._batch_started + self.policy.commit_ms / 1000)
        if self._file is not None:
            deadlines.append(self._opened_at + self.policy.rotate_s)
        return min(deadlines) if deadlines else None

    def commit(self, acknowledge: bool = True) -> None:
        """Flush and fsync the open file, then acknowledge the batch. With acknowledge=False (the
        connection the messages came on is gone) the broker redelivers them instead."""
        if self._file is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        batch, self._pending = self._pending, []
        self.committed += len(batch)
        if acknowledge and batch:
            self.ack(batch)
            self.acknowledged += len(batch)

    def rotate(self) -> None:
        """Commit, close and publish the open file."""
        if self._file is None:
            return
        self.commit()
        self._file.close()
        self._file = None
        self.publisher.publish(self._path, self._relative)
        self.files_published += 1

    def oldest_unacknowledged_s(self, now: float) -> float:
        return now - self._batch_started if self._pending else 0.0

    def _open(self, date: str, received_at: float, now: float) -> None:
        stamp = datetime.fromtimestamp(received_at, timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        self._relative = f"received_date={date}/part-{stamp}-{uuid.uuid4().hex}.jsonl"
        self._path = self.spool_dir / self._relative
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self._path.open("xb", buffering=WRITE_BUFFER_BYTES)
        fsync_dir(self._path.parent)
        self._date, self._opened_at, self._size = date, now, 0

    # --- start-up --------------------------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Publish the files a crashed run left in the spool, each cut after its last complete line (a
        torn line was never acknowledged, so the broker redelivers it). Empty files are removed."""
        published = []
        for path in sorted(self.spool_dir.glob(PART_GLOB)):
            if cut_torn_tail(path) == 0:
                path.unlink()
                continue
            published.append(self.publisher.publish(path, str(path.relative_to(self.spool_dir))))
            self.files_published += 1
        return published


def cut_torn_tail(path: Path) -> int:
    """Truncate `path` after its last newline; returns the size kept."""
    with path.open("r+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        keep = size
        while keep > 0:
            step = min(keep, 65536)
            handle.seek(keep - step)
            chunk = handle.read(step)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                keep = keep - step + newline + 1
                break
            keep -= step
        if keep != size:
            handle.truncate(keep)
            handle.flush()
            os.fsync(handle.fileno())
    return keep


def landing_lines(landing_dir: Path) -> Iterator[bytes]:
    """Every line of every published landing file below `landing_dir` (tests, benchmark)."""
    for path in sorted(Path(landing_dir).glob(PART_GLOB)):
        yield from path.read_bytes().splitlines()
