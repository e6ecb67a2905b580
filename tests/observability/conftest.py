"""Fixtures for the observability tests."""

from __future__ import annotations

import pytest
from prometheus_client import generate_latest

from streams.metrics import Metrics
from tests.observability.artefacts import SAMPLE_BRAND, touch_every_metric


@pytest.fixture
def touched_metrics() -> Metrics:
    return touch_every_metric(Metrics.create(brands=(SAMPLE_BRAND,)))


@pytest.fixture
def metrics_text(touched_metrics: Metrics) -> str:
    return generate_latest(touched_metrics.registry).decode()
