from __future__ import annotations

from pathlib import Path

import pytest

from streams.cli import build_parser
from streams.settings import Settings, SettingsError, describe_settings


def test_defaults_need_no_environment() -> None:
    settings = Settings.from_env({})
    assert settings.uses_local_kafka
    assert settings.bootstrap_servers == "127.0.0.1:39092"


def test_environment_overrides_defaults_with_types() -> None:
    settings = Settings.from_env(
        {
            "FLAREWATCH_KAFKA_BOOTSTRAP": "kafka-1:9092,kafka-2:9092",
            "FLAREWATCH_PARTITIONS": "12",
            "FLAREWATCH_ENRICH_BATCH_SECONDS": "0.5",
            "FLAREWATCH_BRANDS_FILE": "/etc/flarewatch/brands.yaml",
        }
    )
    assert not settings.uses_local_kafka
    assert settings.bootstrap_servers == "kafka-1:9092,kafka-2:9092"
    assert settings.partitions == 12
    assert settings.enrich_batch_seconds == 0.5
    assert settings.brands_file == Path("/etc/flarewatch/brands.yaml")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("FLAREWATCH_PARTITIONS", "many", "FLAREWATCH_PARTITIONS='many' is not a valid int"),
        ("FLAREWATCH_PARTITIONS", "0", "FLAREWATCH_PARTITIONS must be at least 1"),
        ("FLAREWATCH_DEAD_LETTER_MAX_RATIO", "1.5", "FLAREWATCH_DEAD_LETTER_MAX_RATIO must be in (0, 1]"),
        ("FLAREWATCH_LOG_LEVEL", "loud", "FLAREWATCH_LOG_LEVEL must be debug, info, warning or error"),
        ("FLAREWATCH_ENRICH_BATCH_SECONDS", "0", "FLAREWATCH_ENRICH_BATCH_SECONDS must be positive"),
        ("FLAREWATCH_METRICS_PORT", "99999", "FLAREWATCH_METRICS_PORT must be a port number"),
        ("FLAREWATCH_SECURITY_PROTOCOL", "TLS", "FLAREWATCH_SECURITY_PROTOCOL must be one of"),
        ("FLAREWATCH_SECURITY_PROTOCOL", "SASL_SSL", "FLAREWATCH_SASL_MECHANISM must be one of"),
        ("FLAREWATCH_SASL_MECHANISM", "PLAIN", "FLAREWATCH_SASL_MECHANISM is set but FLAREWATCH_SECURITY_PROTOCOL is PLAINTEXT"),
        ("FLAREWATCH_STATE_CHECKPOINT_SECONDS", "nan", "FLAREWATCH_STATE_CHECKPOINT_SECONDS='nan' is not a finite number"),
        ("FLAREWATCH_ENRICH_BATCH_SECONDS", "inf", "FLAREWATCH_ENRICH_BATCH_SECONDS='inf' is not a finite number"),
        ("FLAREWATCH_DEAD_LETTER_MAX_RATIO", "-Infinity", "FLAREWATCH_DEAD_LETTER_MAX_RATIO='-Infinity' is not a finite number"),
        ("FLAREWATCH_TOPIC_PREFIX", "acme crisis", "FLAREWATCH_TOPIC_PREFIX='acme crisis' may contain only letters, digits"),
        ("FLAREWATCH_TOPIC_PREFIX", "acme/prod", "FLAREWATCH_TOPIC_PREFIX='acme/prod' may contain only"),
        ("FLAREWATCH_TOPIC_PREFIX", "p" * 231, "FLAREWATCH_TOPIC_PREFIX is 231 characters; at most 230 fit in a Kafka topic name"),
        ("FLAREWATCH_WORKER_ID", "team:a", "FLAREWATCH_WORKER_ID='team:a' may contain only"),
        ("FLAREWATCH_WORKER_ID", "w" * 216, "FLAREWATCH_WORKER_ID is 216 characters; at most 215 fit"),
        ("FLAREWATCH_KAFKA_BOOTSTRAP", "localhost:abc", "FLAREWATCH_KAFKA_BOOTSTRAP='localhost:abc' entry 'localhost:abc' is not host:port; e.g. kafka-1:9092"),
        ("FLAREWATCH_KAFKA_BOOTSTRAP", "kafka-1", "entry 'kafka-1' is not host:port"),
        ("FLAREWATCH_KAFKA_BOOTSTRAP", "kafka-1:0", "entry 'kafka-1:0' has port 0, not 1-65535"),
        ("FLAREWATCH_KAFKA_BOOTSTRAP", "kafka-1:99999", "entry 'kafka-1:99999' has port 99999, not 1-65535"),
        ("FLAREWATCH_KAFKA_BOOTSTRAP", "kafka-1:9092,,kafka-2:9092", "has an empty entry"),
        ("FLAREWATCH_KAFKA_BOOTSTRAP", "kafka-1:9092;kafka-2:9092", "entry 'kafka-1:9092;kafka-2:9092' is not host:port"),
        ("FLAREWATCH_KAFKA_BOOTSTRAP", "PLAINTEXT://kafka-1:9092", "has a scheme; give host:port only"),
        ("FLAREWATCH_KAFKA_BOOTSTRAP", "::1:9092", "entry '::1:9092' is not host:port"),
        ("FLAREWATCH_KAFKA_BOOTSTRAP", "[1::2::3]:9092", "is not an IPv6 address in brackets"),
    ],
)
def test_bad_values_name_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        Settings.from_env({variable: value})


@pytest.mark.parametrize("value", ["kafka-1:9092", " kafka-1:9092 , 10.0.0.2:9093", "[::1]:9092", "broker.example.com:19092"])
def test_bootstrap_accepts_host_port_lists(value: str) -> None:
    assert Settings.from_env({"FLAREWATCH_KAFKA_BOOTSTRAP": value}).bootstrap_servers == value


@pytest.mark.parametrize(
    ("environ", "warnings"),
    [
        ({"FLAREWATCH_PARTITONS": "8"},
         ["FLAREWATCH_PARTITONS is not a flarewatch setting and is ignored; did you mean FLAREWATCH_PARTITIONS?"]),
        ({"FLAREWATCH_LOGLEVEL": "debug", "FLAREWATCH_KAFKA_BOOTSTRAP_SERVERS": "k:9092"},
         ["FLAREWATCH_KAFKA_BOOTSTRAP_SERVERS is not a flarewatch setting and is ignored; did you mean FLAREWATCH_KAFKA_BOOTSTRAP?",
          "FLAREWATCH_LOGLEVEL is not a flarewatch setting and is ignored; did you mean FLAREWATCH_LOG_LEVEL?"]),
        ({"FLAREWATCH_FOO": "1"}, ["FLAREWATCH_FOO is not a flarewatch setting and is ignored; see `flarewatch --help` for the settings"]),
        ({"FLAREWATCH_PARTITIONS": "8", "FLAREWATCH_FORWARD_URL": "https://hook", "PARTITONS": "8"}, []),
    ],
)
def test_unknown_flarewatch_variables_are_named_with_the_closest_setting(environ: dict[str, str], warnings: list[str]) -> None:
    from streams.settings import unknown_variable_warnings

    assert unknown_variable_warnings(environ) == warnings
    Settings.from_env(environ)


def test_sasl_options_are_passed_to_clients() -> None:
    settings = Settings.from_env(
        {
            "FLAREWATCH_SECURITY_PROTOCOL": "SASL_SSL",
            "FLAREWATCH_SASL_MECHANISM": "SCRAM-SHA-512",
            "FLAREWATCH_SASL_USERNAME": "fw",
            "FLAREWATCH_SASL_PASSWORD": "secret",
        }
    )
    assert settings.kafka_client_options() == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "fw",
        "sasl_plain_password": "secret",
    }


def test_every_setting_is_documented_in_help_readme_and_operations_guide() -> None:
    help_text = build_parser().format_help()
    root = Path(__file__).parents[2]
    documents = {name: (root / name).read_text() for name in ("README.md", "docs/operations.md")}
    for variable, default, description in describe_settings():
        assert variable in help_text
        row = f"| `{variable}` | {'`' + default + '`' if default else '(unset)'} | {description} |"
        for name, text in documents.items():
            assert row in text, f"{name} does not have the current settings row:\n{row}"


def test_sasl_needs_credentials_and_mechanism_case_does_not_matter() -> None:
    with pytest.raises(SettingsError, match="SASL_USERNAME and FLAREWATCH_SASL_PASSWORD are required"):
        Settings.from_env({"FLAREWATCH_SECURITY_PROTOCOL": "sasl_plaintext", "FLAREWATCH_SASL_MECHANISM": "plain"})
    settings = Settings.from_env(
        {"FLAREWATCH_SECURITY_PROTOCOL": "sasl_plaintext", "FLAREWATCH_SASL_MECHANISM": "scram-sha-256",
         "FLAREWATCH_SASL_USERNAME": "u", "FLAREWATCH_SASL_PASSWORD": "p"}
    )
    options = settings.kafka_client_options()
    assert (options["security_protocol"], options["sasl_mechanism"]) == ("SASL_PLAINTEXT", "SCRAM-SHA-256")


def test_longest_legal_names_are_accepted() -> None:
    settings = Settings.from_env({"FLAREWATCH_TOPIC_PREFIX": "a.b_c-D9" + "p" * 222, "FLAREWATCH_WORKER_ID": "w" * 215})
    assert len(settings.topic_prefix) == 230
