"""ADLS Gen2 access for the sessions this code builds: the `hadoop-azure` package matching Spark's Hadoop
and the `fs.azure.*` settings for a service principal or an account key, read from the environment.
On Databricks the cluster's (Unity Catalog's) access is used and nothing is set. Secret values are
wrapped in `Secret`, so no string form of the settings shows them."""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.config import Config, ConfigError

DFS_SUFFIX = ".dfs.core.windows.net"
ABFS_ROOT = re.compile(
    r"^(?P<scheme>abfss?)://(?P<container>[^@/]+)@(?P<account>[a-z0-9]+)\.dfs\.core\.windows\.net"
    r"(?P<path>/.*)?$"
)

SERVICE_PRINCIPAL = "service_principal"
ACCOUNT_KEY = "account_key"
CLUSTER = "cluster"
AUTO = "auto"
AUTH_MODES = (AUTO, SERVICE_PRINCIPAL, ACCOUNT_KEY, CLUSTER)

# Environment variables holding the credentials of each mode (never conf/, never the repo).
CREDENTIAL_VARIABLES: dict[str, tuple[str, ...]] = {
    SERVICE_PRINCIPAL: ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET"),
    ACCOUNT_KEY: ("AZURE_STORAGE_KEY",),
}
SECRET_VARIABLES = frozenset({"AZURE_CLIENT_SECRET", "AZURE_STORAGE_KEY"})

CLIENT_CREDS_PROVIDER = "org.apache.hadoop.fs.azurebfs.oauth2.ClientCredsTokenProvider"
# Spark's default pattern (secret|password|token|access key) plus the ABFS account key, whose name
# ("fs.azure.account.key.<host>") the default misses. Spark masks matching keys and values in the UI,
# event logs and `spark-submit --verbose`.
REDACTION_REGEX = r"(?i)secret|password|token|access[.]?key|fs\.azure\.account\.key"


class MissingCredentialError(ConfigError):
    """An ADLS credential the configured auth mode needs is not in the environment."""


class Secret:
    """A secret value that shows as *** in every string form; `reveal()` gives the value to Spark."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, format_spec: str) -> str:
        return format("***", format_spec)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self):
        raise TypeError("a Secret is not pickled")


@dataclass(frozen=True)
class AdlsLocation:
    """An `abfss://<container>@<account>.dfs.core.windows.net/<path>` URI taken apart."""

    scheme: str
    container: str
    account: str
    path: str

    @property
    def host(self) -> str:
        return f"{self.account}{DFS_SUFFIX}"

    @classmethod
    def parse(cls, uri: str) -> AdlsLocation | None:
        """The location of an abfs(s) URI; None for any other root (local path, file:, …)."""
        if not uri.startswith(("abfss://", "abfs://")):
            return None
        match = ABFS_ROOT.match(uri)
        if not match:
            raise ConfigError(
                f"lakehouse_root {uri!r} is not an ADLS Gen2 URI of the form "
                f"abfss://<container>@<account>{DFS_SUFFIX}/<prefix>"
            )
        return cls(match["scheme"], match["container"], match["account"], match["path"] or "/")


@dataclass(frozen=True)
class StorageSettings:
    """What a session needs for the lakehouse root: Maven packages to add at launch and Spark settings.

    `auth` is `local` (not on ADLS), `databricks` (the cluster's access), `cluster` (credentials come
    from the Hadoop configuration already in place), `service_principal` or `account_key`."""

    auth: str
    packages: tuple[str, ...] = ()
    conf: Mapping[str, str | Secret] = field(default_factory=dict)

    def spark_conf(self) -> dict[str, str]:
        """The settings with secret values revealed: only for handing to the session builder."""
        return {
            key: value.reveal() if isinstance(value, Secret) else value for key, value in self.conf.items()
        }

    def redacted(self) -> dict[str, str]:
        return {key: str(value) for key, value in self.conf.items()}

    def __repr__(self) -> str:
        return f"StorageSettings(auth={self.auth!r}, packages={self.packages!r}, conf={self.redacted()!r})"

    __str__ = __repr__


def hadoop_version(spark_home: str | os.PathLike[str] | None = None) -> str:
    """The Hadoop version Spark is built with, from its `hadoop-client-api-<version>.jar`."""
    jars = _spark_jars_dir(spark_home)
    found = sorted(jars.glob("hadoop-client-api-*.jar")) if jars else []
    if not found:
        raise ConfigError(f"cannot tell Spark's Hadoop version: no hadoop-client-api-*.jar in {jars}")
    return found[-1].name.removeprefix("hadoop-client-api-").removesuffix(".jar")


def hadoop_azure_package(spark_home: str | os.PathLike[str] | None = None) -> str:
    """The Maven coordinate of hadoop-azure for Spark's Hadoop, e.g. org.apache.hadoop:hadoop-azure:3.4.2."""
    return f"org.apache.hadoop:hadoop-azure:{hadoop_version(spark_home)}"


def _spark_jars_dir(spark_home: str | os.PathLike[str] | None) -> Path | None:
    if spark_home is None:
        spark_home = os.environ.get("SPARK_HOME")
    if spark_home is None:
        spec = importlib.util.find_spec("pyspark")
        if spec is None or spec.origin is None:
            return None
        spark_home = Path(spec.origin).parent
    return Path(spark_home) / "jars"


def on_databricks(environ: Mapping[str, str]) -> bool:
    return "DATABRICKS_RUNTIME_VERSION" in environ


def required_packages(config: Config, environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Maven packages the lakehouse root needs at JVM launch (hadoop-azure for ADLS, off Databricks)."""
    environ = os.environ if environ is None else environ
    location = AdlsLocation.parse(config.lakehouse_root)
    if location is None or on_databricks(environ):
        return ()
    return (hadoop_azure_package(),)


def storage_settings(config: Config, environ: Mapping[str, str] | None = None) -> StorageSettings:
    """The packages and Spark settings that give a session built here access to the lakehouse root.

    The auth mode is `adls.auth` (env LAKEHOUSE_ADLS_AUTH): `service_principal` (OAuth client
    credentials: AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET), `account_key`
    (AZURE_STORAGE_KEY), `cluster` (set nothing) or `auto` (the default: whichever credentials the
    environment holds, a service principal first). Raises MissingCredentialError naming the variables.
    """
    environ = os.environ if environ is None else environ
    location = AdlsLocation.parse(config.lakehouse_root)
    if location is None:
        return StorageSettings(auth="local")
    if on_databricks(environ):
        return StorageSettings(auth="databricks")
    packages = required_packages(config, environ)
    mode = _auth_mode(config, environ, location)
    if mode == CLUSTER:
        return StorageSettings(auth=CLUSTER, packages=packages)
    values = _credentials(mode, environ, location)
    host = location.host
    if mode == SERVICE_PRINCIPAL:
        conf: dict[str, str | Secret] = {
            f"fs.azure.account.auth.type.{host}": "OAuth",
            f"fs.azure.account.oauth.provider.type.{host}": CLIENT_CREDS_PROVIDER,
            f"fs.azure.account.oauth2.client.id.{host}": values["AZURE_CLIENT_ID"],
            f"fs.azure.account.oauth2.client.secret.{host}": values["AZURE_CLIENT_SECRET"],
            f"fs.azure.account.oauth2.client.endpoint.{host}": (
                f"https://login.microsoftonline.com/{values['AZURE_TENANT_ID']}/oauth2/token"
            ),
        }
    else:
        conf = {
            f"fs.azure.account.auth.type.{host}": "SharedKey",
            f"fs.azure.account.key.{host}": values["AZURE_STORAGE_KEY"],
        }
    spark_conf: dict[str, str | Secret] = {f"spark.hadoop.{key}": value for key, value in conf.items()}
    spark_conf["spark.redaction.regex"] = REDACTION_REGEX
    return StorageSettings(auth=mode, packages=packages, conf=spark_conf)


def fsspec_storage_options(config: Config, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """adlfs storage options for the lakehouse root, with the same auth mode and credentials as the Spark
    jobs (for plain Python processes such as the MQTT collector); {} for a root that is not on ADLS.
    Secret values are plain strings here: hand them to fsspec, never log them."""
    environ = os.environ if environ is None else environ
    location = AdlsLocation.parse(config.lakehouse_root)
    if location is None:
        return {}
    mode = _auth_mode(config, environ, location)
    if mode == CLUSTER or on_databricks(environ):
        return {"account_name": location.account, "anon": False}  # azure-identity's default chain
    values = {
        k: v.reveal() if isinstance(v, Secret) else v
        for k, v in _credentials(mode, environ, location).items()
    }
    if mode == SERVICE_PRINCIPAL:
        return {
            "account_name": location.account,
            "tenant_id": values["AZURE_TENANT_ID"],
            "client_id": values["AZURE_CLIENT_ID"],
            "client_secret": values["AZURE_CLIENT_SECRET"],
        }
    return {"account_name": location.account, "account_key": values["AZURE_STORAGE_KEY"]}


def delta_rs_storage_options(config: Config, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """delta-rs (object_store) storage options for the lakehouse root: adlfs's keys are object_store's
    Azure keys too (account_name, account_key, tenant_id, client_id, client_secret); with the cluster's
    identity only the account is named. Secret values are plain strings here: never log them."""
    options = fsspec_storage_options(config, environ)
    options.pop("anon", None)
    return options


def _auth_mode(config: Config, environ: Mapping[str, str], location: AdlsLocation) -> str:
    mode = str(config.get("adls.auth") or AUTO)
    if mode not in AUTH_MODES:
        raise ConfigError(f"config '{config.env}': adls.auth is {mode!r}; expected one of {list(AUTH_MODES)}")
    return _detect_mode(environ, location) if mode == AUTO else mode


def _detect_mode(environ: Mapping[str, str], location: AdlsLocation) -> str:
    for mode in (SERVICE_PRINCIPAL, ACCOUNT_KEY):
        if any(environ.get(name) for name in CREDENTIAL_VARIABLES[mode]):
            return mode
    raise MissingCredentialError(
        f"the lakehouse root is on ADLS ({location.scheme}://{location.container}@{location.host}) and no "
        f"credentials are set: set {', '.join(CREDENTIAL_VARIABLES[SERVICE_PRINCIPAL])} (service principal) "
        f"or {CREDENTIAL_VARIABLES[ACCOUNT_KEY][0]} (account key), or adls.auth: cluster"
    )


def _credentials(mode: str, environ: Mapping[str, str], location: AdlsLocation) -> dict[str, Any]:
    names = CREDENTIAL_VARIABLES[mode]
    missing = [name for name in names if not environ.get(name)]
    if missing:
        raise MissingCredentialError(
            f"ADLS auth '{mode}' for {location.host} needs {', '.join(names)}; not set: {', '.join(missing)}"
        )
    return {name: Secret(environ[name]) if name in SECRET_VARIABLES else environ[name] for name in names}
