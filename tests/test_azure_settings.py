"""Config -> Spark/Hadoop settings for ADLS Gen2: both auth modes, Databricks, the abfss root of the
adls environment, clear errors for missing credentials, and secrets masked in every string form.
No Spark session: the mapping is plain data."""

from __future__ import annotations

import importlib.util
import json
import logging
import pickle
import re
from pathlib import Path

import pytest

from common import azure
from common.azure import MissingCredentialError, Secret, StorageSettings, storage_settings
from common.config import Config, ConfigError, load_config

ACCOUNT, CONTAINER = "energylakedev", "lakehouse"
HOST = f"{ACCOUNT}.dfs.core.windows.net"
ROOT = f"abfss://{CONTAINER}@{HOST}/energy"
# Obviously fake credentials; real ones live only in a deployer's environment.
FAKE_SECRET = "fake-client-secret-0000"
FAKE_KEY = "ZmFrZS1hY2NvdW50LWtleQ=="
SERVICE_PRINCIPAL_ENV = {
    "AZURE_CLIENT_ID": "00000000-0000-0000-0000-00000000c11e",
    "AZURE_TENANT_ID": "00000000-0000-0000-0000-00000007e1a7",
    "AZURE_CLIENT_SECRET": FAKE_SECRET,
}


def spark_hadoop_version() -> str:
    jars = Path(importlib.util.find_spec("pyspark").origin).parent / "jars"
    (jar,) = jars.glob("hadoop-client-api-*.jar")
    return jar.name[len("hadoop-client-api-") : -len(".jar")]


HADOOP_AZURE = f"org.apache.hadoop:hadoop-azure:{spark_hadoop_version()}"


def adls_config(auth: str | None = None, root: str = ROOT) -> Config:
    settings = {"lakehouse_root": root, "adls": {"auth": auth} if auth else {}}
    return Config(env="adls-test", settings=settings)


def test_service_principal_sets_the_oauth_client_credential_keys():
    settings = storage_settings(adls_config("service_principal"), environ=SERVICE_PRINCIPAL_ENV)

    assert settings.auth == "service_principal"
    assert settings.packages == (HADOOP_AZURE,)
    assert settings.spark_conf() == {
        f"spark.hadoop.fs.azure.account.auth.type.{HOST}": "OAuth",
        f"spark.hadoop.fs.azure.account.oauth.provider.type.{HOST}": (
            "org.apache.hadoop.fs.azurebfs.oauth2.ClientCredsTokenProvider"
        ),
        f"spark.hadoop.fs.azure.account.oauth2.client.id.{HOST}": "00000000-0000-0000-0000-00000000c11e",
        f"spark.hadoop.fs.azure.account.oauth2.client.secret.{HOST}": FAKE_SECRET,
        f"spark.hadoop.fs.azure.account.oauth2.client.endpoint.{HOST}": (
            "https://login.microsoftonline.com/00000000-0000-0000-0000-00000007e1a7/oauth2/token"
        ),
        "spark.redaction.regex": azure.REDACTION_REGEX,
    }


def test_account_key_sets_the_shared_key():
    settings = storage_settings(adls_config("account_key"), environ={"AZURE_STORAGE_KEY": FAKE_KEY})

    assert settings.auth == "account_key"
    assert settings.packages == (HADOOP_AZURE,)
    assert settings.spark_conf() == {
        f"spark.hadoop.fs.azure.account.auth.type.{HOST}": "SharedKey",
        f"spark.hadoop.fs.azure.account.key.{HOST}": FAKE_KEY,
        "spark.redaction.regex": azure.REDACTION_REGEX,
    }


def test_auto_takes_whichever_credentials_the_environment_holds_service_principal_first():
    assert storage_settings(adls_config(), environ={"AZURE_STORAGE_KEY": FAKE_KEY}).auth == "account_key"
    both = {**SERVICE_PRINCIPAL_ENV, "AZURE_STORAGE_KEY": FAKE_KEY}
    assert storage_settings(adls_config("auto"), environ=both).auth == "service_principal"


def test_on_databricks_nothing_is_set_even_with_credentials_around():
    environ = {"DATABRICKS_RUNTIME_VERSION": "17.3", **SERVICE_PRINCIPAL_ENV, "AZURE_STORAGE_KEY": FAKE_KEY}

    settings = storage_settings(adls_config("service_principal"), environ=environ)

    assert (settings.auth, settings.packages, settings.spark_conf()) == ("databricks", (), {})
    assert azure.required_packages(adls_config(), environ) == ()


def test_cluster_auth_adds_the_package_but_no_credentials():
    settings = storage_settings(adls_config("cluster"), environ=SERVICE_PRINCIPAL_ENV)

    assert (settings.auth, settings.packages, settings.spark_conf()) == ("cluster", (HADOOP_AZURE,), {})


@pytest.mark.parametrize("root", ["./lakehouse", "/data/lake", "file:///tmp/lake"])
def test_a_local_root_needs_nothing(root):
    settings = storage_settings(adls_config("service_principal", root=root), environ={})

    assert (settings.auth, settings.packages, settings.spark_conf()) == ("local", (), {})


@pytest.mark.parametrize("missing", ["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET"])
def test_a_missing_service_principal_variable_is_named(missing):
    environ = {k: v for k, v in SERVICE_PRINCIPAL_ENV.items() if k != missing}

    with pytest.raises(MissingCredentialError, match=f"not set: {missing}$") as raised:
        storage_settings(adls_config("service_principal"), environ=environ)

    assert FAKE_SECRET not in str(raised.value)
    assert isinstance(raised.value, ConfigError)


def test_a_missing_account_key_is_named():
    with pytest.raises(MissingCredentialError, match="not set: AZURE_STORAGE_KEY"):
        storage_settings(adls_config("account_key"), environ=SERVICE_PRINCIPAL_ENV)


def test_no_credentials_at_all_names_every_option():
    with pytest.raises(MissingCredentialError) as raised:
        storage_settings(adls_config(), environ={})

    message = str(raised.value)
    for variable in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_STORAGE_KEY"):
        assert variable in message
    assert HOST in message


def test_an_unknown_auth_mode_or_a_malformed_root_is_a_config_error():
    with pytest.raises(ConfigError, match=r"adls\.auth is 'password'"):
        storage_settings(adls_config("password"), environ=SERVICE_PRINCIPAL_ENV)
    with pytest.raises(ConfigError, match="not an ADLS Gen2 URI"):
        storage_settings(adls_config(root="abfss://lakehouse@myaccount.blob.core.windows.net/x"), environ={})


@pytest.mark.parametrize(
    ("auth", "environ", "secret"),
    [
        ("service_principal", SERVICE_PRINCIPAL_ENV, FAKE_SECRET),
        ("account_key", {"AZURE_STORAGE_KEY": FAKE_KEY}, FAKE_KEY),
    ],
)
def test_secrets_are_masked_in_every_string_form(auth, environ, secret, caplog):
    settings = storage_settings(adls_config(auth), environ=environ)
    secret_values = [value for value in settings.conf.values() if isinstance(value, Secret)]
    logger = logging.getLogger("lakehouse.test_azure")
    with caplog.at_level(logging.INFO, logger="lakehouse.test_azure"):
        logger.info("settings %s / %r / conf %s", settings, settings, settings.conf)

    forms = [
        repr(settings),
        str(settings),
        f"{settings}",
        f"{settings!r}",
        "%s" % (settings,),  # noqa: UP031 - the %-form is one of the forms a log line takes
        repr(settings.conf),
        str(dict(settings.conf)),
        str(list(settings.conf.items())),
        json.dumps(settings.redacted()),
        *(f"{value}|{value!r}|{value:>20}|{[value]}" for value in secret_values),
        caplog.text,
    ]
    assert len(secret_values) == 1
    for form in forms:
        assert secret not in form
    assert "***" in repr(settings)
    with pytest.raises(TypeError):
        pickle.dumps(settings)


def test_spark_redaction_covers_every_key_that_holds_a_secret():
    both = [
        storage_settings(adls_config("service_principal"), environ=SERVICE_PRINCIPAL_ENV),
        storage_settings(adls_config("account_key"), environ={"AZURE_STORAGE_KEY": FAKE_KEY}),
    ]
    # Spark matches the pattern against each key (Java regex; this one is the same in Python).
    pattern = re.compile(azure.REDACTION_REGEX)
    for settings in both:
        for key, value in settings.conf.items():
            assert bool(pattern.search(key)) == isinstance(value, Secret), key
            # Spark's Hadoop-properties view shows keys without the spark.hadoop. prefix.
            assert bool(pattern.search(key.removeprefix("spark.hadoop."))) == isinstance(value, Secret), key


def test_a_secret_only_compares_and_reveals():
    assert Secret("a") == Secret("a") != Secret("b")
    assert Secret("a").reveal() == "a"
    assert str(Secret("a")) == "***" and "a" not in repr(Secret("a"))


def test_the_adls_environment_composes_the_root_from_account_container_and_prefix():
    environ = {"AZURE_STORAGE_ACCOUNT": ACCOUNT, "LAKEHOUSE_ADLS_PREFIX": "energy/dev"}

    config = load_config("adls", environ=environ)

    assert config.lakehouse_root == f"abfss://lakehouse@{HOST}/energy/dev"
    location = azure.AdlsLocation.parse(config.lakehouse_root)
    assert (location.container, location.account, location.path) == ("lakehouse", ACCOUNT, "/energy/dev")
    overridden = load_config("adls", environ={**environ, "AZURE_STORAGE_CONTAINER": "bronze"})
    assert overridden.lakehouse_root == f"abfss://bronze@{HOST}/energy/dev"
    assert load_config("adls", environ={**environ, "LAKEHOUSE_ROOT": ROOT}).lakehouse_root == ROOT
    assert load_config("adls", environ={**environ, "LAKEHOUSE_ADLS_AUTH": "account_key"}).get(
        "adls.auth"
    ) == ("account_key")


def test_the_adls_environment_without_an_account_names_the_variable():
    config = load_config("adls", environ={})

    with pytest.raises(ConfigError, match=r"'adls\.account' \(or set AZURE_STORAGE_ACCOUNT\)"):
        _ = config.lakehouse_root


def test_the_databricks_environment_uses_the_clusters_access():
    config = load_config("databricks", environ={"LAKEHOUSE_ROOT": ROOT})

    assert config.lakehouse_root == ROOT
    assert storage_settings(config, environ={"DATABRICKS_RUNTIME_VERSION": "17.3"}).auth == "databricks"
    # Started off Databricks with this env (e.g. a notebook on another cluster): no credentials asked.
    assert storage_settings(config, environ={}).auth == "cluster"


def test_hadoop_azure_matches_the_hadoop_spark_ships(tmp_path):
    assert azure.hadoop_azure_package() == HADOOP_AZURE
    (tmp_path / "jars").mkdir()
    (tmp_path / "jars" / "hadoop-client-api-3.9.1.jar").touch()
    assert azure.hadoop_azure_package(tmp_path) == "org.apache.hadoop:hadoop-azure:3.9.1"
    with pytest.raises(ConfigError, match="hadoop-client-api"):
        azure.hadoop_version(tmp_path / "nowhere")


def test_spark_submit_gets_hadoop_azure_only_for_an_adls_root(monkeypatch):
    from common.spark import delta_package, launch_packages

    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    assert launch_packages(adls_config()) == [delta_package(), HADOOP_AZURE]
    assert launch_packages(adls_config(root="./lakehouse")) == [delta_package()]


def test_settings_repr_is_stable_for_an_empty_mapping():
    assert repr(StorageSettings(auth="local")) == "StorageSettings(auth='local', packages=(), conf={})"


def test_fsspec_options_for_the_collector_use_the_same_credentials():
    from common.azure import fsspec_storage_options

    assert fsspec_storage_options(adls_config("service_principal"), environ=SERVICE_PRINCIPAL_ENV) == {
        "account_name": ACCOUNT,
        "tenant_id": "00000000-0000-0000-0000-00000007e1a7",
        "client_id": "00000000-0000-0000-0000-00000000c11e",
        "client_secret": FAKE_SECRET,
    }
    assert fsspec_storage_options(adls_config(), environ={"AZURE_STORAGE_KEY": FAKE_KEY}) == {
        "account_name": ACCOUNT,
        "account_key": FAKE_KEY,
    }
    assert fsspec_storage_options(adls_config("cluster"), environ={}) == {
        "account_name": ACCOUNT,
        "anon": False,
    }
    assert fsspec_storage_options(adls_config(root="./lakehouse"), environ={}) == {}
    with pytest.raises(MissingCredentialError, match="AZURE_CLIENT_SECRET"):
        fsspec_storage_options(adls_config("service_principal"), environ={"AZURE_CLIENT_ID": "x"})


def test_delta_rs_options_for_the_app_are_the_same_credentials_without_adlfs_keys():
    from common.azure import delta_rs_storage_options

    assert delta_rs_storage_options(adls_config(), environ={"AZURE_STORAGE_KEY": FAKE_KEY}) == {
        "account_name": ACCOUNT,
        "account_key": FAKE_KEY,
    }
    assert delta_rs_storage_options(adls_config("cluster"), environ={}) == {"account_name": ACCOUNT}
    assert delta_rs_storage_options(adls_config(root="./lakehouse"), environ={}) == {}
    with pytest.raises(MissingCredentialError, match="AZURE_CLIENT_SECRET"):
        delta_rs_storage_options(adls_config("service_principal"), environ={"AZURE_CLIENT_ID": "x"})
