"""A local Mosquitto for tests, the benchmark and the demo: a copy of a shipped configuration
(conf/mosquitto/) with a free loopback port, a private persistence folder and the given paths, run as a
child process that is started, restarted and stopped (or killed) by its process id."""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from common.config import conf_dir

REPO = Path(__file__).resolve().parent.parent
REQUIRE_DEBIAN_PACKAGES = REPO / "scripts" / "require-debian-packages"
# command -> Debian package, for scripts/require-debian-packages.
DEBIAN_PACKAGES = {
    "mosquitto": "mosquitto",
    "mosquitto_pub": "mosquitto-clients",
    "mosquitto_passwd": "mosquitto",
    "openssl": "openssl",
}


def require_mosquitto() -> None:
    """Install the Debian packages of Mosquitto, its clients and openssl when one is missing."""
    pairs = [f"{command}={package}" for command, package in DEBIAN_PACKAGES.items()]
    subprocess.run([str(REQUIRE_DEBIAN_PACKAGES), *pairs], check=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render_config(template: str, port: int, settings: Mapping[str, str]) -> str:
    """The template with its `listener` on `port` (loopback) and each directive of `settings` set."""
    lines, seen = [], set()
    for line in template.splitlines():
        directive = line.split(maxsplit=1)[0] if line.strip() and not line.startswith("#") else ""
        if directive == "listener":
            line = f"listener {port} 127.0.0.1"
        elif directive in settings:
            line = f"{directive} {settings[directive]}"
            seen.add(directive)
        lines.append(line)
    lines += [f"{directive} {value}" for directive, value in settings.items() if directive not in seen]
    return "\n".join(lines) + "\n"


class Mosquitto:
    """One broker: `conf/mosquitto/<config>` copied into `workdir` with its own port and persistence.

    `settings` sets further directives (paths of certificates, the password file, …)."""

    def __init__(
        self,
        workdir: Path,
        config: str = "mosquitto.conf",
        port: int | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.config_path = self.workdir / "mosquitto.conf"
        self.log_path = self.workdir / "mosquitto.log"
        data = self.workdir / "mosquitto-data"
        data.mkdir(parents=True, exist_ok=True)
        # Run as root, Mosquitto drops to the `mosquitto` user, who could not write our folder.
        defaults = {"persistence_location": f"{data}/", "user": getpass.getuser()}
        template = (conf_dir() / "mosquitto" / config).read_text(encoding="utf-8")
        self.config_path.write_text(render_config(template, self.port, {**defaults, **(settings or {})}))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def url(self, scheme: str = "mqtt") -> str:
        return f"{scheme}://{self.host}:{self.port}"

    def start(self, timeout_s: float = 10.0) -> Mosquitto:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                ["mosquitto", "-c", str(self.config_path)], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited with {self.process.returncode}: {self.log_tail()}")
            try:
                socket.create_connection((self.host, self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"mosquitto did not accept connections on {self.port}: {self.log_tail()}")

    def stop(self, timeout_s: float = 20.0) -> None:
        """SIGTERM: Mosquitto saves its persistence database and exits."""
        self._signal(signal.SIGTERM, timeout_s)

    def kill(self) -> None:
        self._signal(signal.SIGKILL, 10.0)

    def restart(self) -> None:
        self.stop()
        self.start()

    def _signal(self, signum: int, timeout_s: float) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signum)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_tail(self, lines: int = 20) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """`make broker`: a local Mosquitto in the foreground until Ctrl-C."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m simulator.mosquitto", description=main.__doc__)
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument(
        "--dir", type=Path, default=Path("mosquitto-local"), help="config copy and persistence"
    )
    args = parser.parse_args(argv)
    require_mosquitto()
    broker = Mosquitto(args.dir, port=args.port).start()
    print(f"{broker.url()} (persistence in {args.dir}/mosquitto-data, log {broker.log_path})", flush=True)
    try:
        broker.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
