"""Which topic-creation refusals are configuration (exit 2) and which may pass later (exit 1),
and what a missing topic says, without a broker: the admin client is a stand-in answering
as Kafka does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from kafka.errors import (
    InvalidPartitionsError,
    InvalidReplicationFactorError,
    InvalidTopicError,
    KafkaError,
)

import streams.kafka_admin
from streams.errors import CommandError, UsageError
from streams.kafka_admin import ensure_topics, require_topic
from streams.settings import Settings


class RefusingAdmin:
    def __init__(self, error: type[KafkaError], message: str) -> None:
        self.error, self.message = error, message

    def list_topics(self) -> list[str]:
        return []

    def create_topics(self, topics: dict[str, Any], timeout_ms: int, raise_errors: bool) -> dict[str, Any]:
        errno = self.error.errno
        return {"topics": [{"name": name, "error_code": errno, "error_message": self.message} for name in topics]}


def refusing(monkeypatch: pytest.MonkeyPatch, error: type[KafkaError], message: str) -> None:
    @contextmanager
    def admin_client(settings: Settings, timeout: float = 10.0) -> Iterator[RefusingAdmin]:
        yield RefusingAdmin(error, message)

    monkeypatch.setattr(streams.kafka_admin, "admin_client", admin_client)


def test_a_replication_factor_above_the_brokers_up_now_may_pass_later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kafka counts the brokers up at that moment: during a rolling restart a factor of 3
    on three brokers is refused. Exit 2 kept systemd from ever restarting the worker."""
    refusing(monkeypatch, InvalidReplicationFactorError, "Replication factor: 3 larger than available brokers: 2.")
    settings = Settings.from_env({"FLAREWATCH_REPLICATION_FACTOR": "3"})
    with pytest.raises(CommandError) as raised:
        ensure_topics(settings)
    assert not isinstance(raised.value, UsageError) and raised.value.exit_code == 1
    message = str(raised.value)
    assert "larger than available brokers: 2" in message
    assert "during a rolling restart this passes once they are back (exit 1: systemd tries again)" in message
    assert "set FLAREWATCH_REPLICATION_FACTOR (now 3) to at most their number" in message


@pytest.mark.parametrize(
    ("error", "hint"),
    [(InvalidTopicError, "check FLAREWATCH_TOPIC_PREFIX"), (InvalidPartitionsError, "check FLAREWATCH_PARTITIONS")],
)
def test_a_name_or_partition_count_the_cluster_cannot_have_is_configuration(
    monkeypatch: pytest.MonkeyPatch, error: type[KafkaError], hint: str
) -> None:
    refusing(monkeypatch, error, "refused")
    with pytest.raises(UsageError, match=hint) as raised:
        ensure_topics(Settings.from_env({}))
    assert raised.value.exit_code == 2


@pytest.mark.parametrize(
    ("topic", "hint"),
    [
        ("nosuchprefix.events.raw", "check FLAREWATCH_TOPIC_PREFIX ('nosuchprefix'); a worker with that prefix, "
         "or `flarewatch kafka up`, creates the topics"),
        ("nonexistent.topic", "check the topic name; flarewatch creates only its <prefix>.* topics (a worker, "
         "or `flarewatch kafka up`)"),
    ],
)
def test_a_missing_topic_is_one_line_naming_it_and_what_to_check(monkeypatch: pytest.MonkeyPatch, topic: str, hint: str) -> None:
    """An outside tester's misspelt prefix had produce create a second set of topics; a
    misspelt --topic logged an error every 100 ms for a minute."""
    refusing(monkeypatch, InvalidTopicError, "not used")
    settings = Settings.from_env({"FLAREWATCH_TOPIC_PREFIX": "nosuchprefix"})
    with pytest.raises(CommandError) as raised:
        require_topic(settings, topic)
    assert raised.value.exit_code == 1
    assert str(raised.value) == f"topic {topic} does not exist on Kafka at 127.0.0.1:39092; {hint}"
