"""Fixtures for the sentiment tests: the shipped classifier and the labelled data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.sentiment import SentimentClassifier
from streams.settings import Settings

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def classifier() -> SentimentClassifier:
    return SentimentClassifier.load_default()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``Settings.data_dir`` (relative paths anchored at the repository); skips when absent."""
    configured = Settings.from_env().data_dir
    path = configured if configured.is_absolute() else REPOSITORY_ROOT / configured
    if not (path / "sentiment").is_dir():
        pytest.skip(f"labelled data not found at {path} (set FLAREWATCH_DATA_DIR to run data tests)")
    return path
