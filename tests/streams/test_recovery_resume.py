"""The timer that resumes a consumer Faust's recovery left stopped (streams.app)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pytest

from streams.app import resume_if_recovery_gave_up


@dataclass
class _Consumer:
    flow_active: bool = False
    resumed: int = 0

    def resume_flow(self) -> None:
        self.flow_active = True
        self.resumed += 1


@dataclass
class _App:
    consumer: _Consumer = field(default_factory=_Consumer)
    consumer_generation_id: int = 7
    should_stop: bool = False
    rebalancing: bool = False


def test_a_consumer_still_stopped_after_the_wait_is_resumed_and_the_error_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = _App()
    with caplog.at_level(logging.ERROR, logger="flarewatch.worker"):
        assert resume_if_recovery_gave_up(app, generation=7, waited=180.0)
    assert app.consumer.resumed == 1
    assert "did not resume the consumer within 180 s" in caplog.text


def test_a_consumer_faust_already_resumed_is_left_alone() -> None:
    app = _App(consumer=_Consumer(flow_active=True))
    assert not resume_if_recovery_gave_up(app, generation=7, waited=180.0)
    assert app.consumer.resumed == 0


@pytest.mark.parametrize(
    "later",
    [
        pytest.param({"consumer_generation_id": 8}, id="a newer assignment owns the flow"),
        pytest.param({"rebalancing": True}, id="a rebalance is under way"),
        pytest.param({"should_stop": True}, id="the worker is stopping"),
    ],
)
def test_a_stopped_consumer_is_not_resumed_when_something_else_took_over(later: dict[str, object]) -> None:
    app = _App(**later)  # type: ignore[arg-type]
    assert not resume_if_recovery_gave_up(app, generation=7, waited=180.0)
    assert app.consumer.resumed == 0 and not app.consumer.flow_active
