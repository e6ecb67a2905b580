"""Fixtures for the observability tests."""

from __future__ import annotations

import pytest
from prometheus_client import generate_latest

from streams.metrics import ForwarderMetrics, Metrics
from tests.observability.artefacts import SAMPLE_BRAND, touch_every_metric, touch_forwarder_metrics


@pytest.fixture
def touched_metrics() -> Metrics:
    return touch_every_metric(Metrics.create(brands=(SAMPLE_BRAND,)))


@pytest.fixture
def metrics_text(touched_metrics: Metrics) -> str:
    """What Prometheus scrapes from a worker and from the incident forwarder."""
    forwarder = touch_forwarder_metrics(ForwarderMetrics.create())
    return generate_latest(touched_metrics.registry).decode() + generate_latest(forwarder.registry).decode()
