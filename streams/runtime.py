"""Builds the pieces every entry point shares (worker, replay, demo), so they cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from detectors.engine import CrisisEngine
from detectors.enrichment import Enricher
from schemas.brands import BrandRegistry, BrandRegistryError, load_brand_registry
from streams.errors import CommandError, UsageError
from streams.settings import Settings


@dataclass(frozen=True, slots=True)
class Components:
    registry: BrandRegistry
    enricher: Enricher
    engine: CrisisEngine


def load_components(settings: Settings, brands_file: Path | None = None) -> Components:
    from detectors.sentiment import SentimentClassifier
    from detectors.sentiment.artifact import ArtifactError

    try:
        registry = load_brand_registry(brands_file or settings.brands_file)
    except BrandRegistryError as error:
        raise UsageError(str(error)) from None
    try:
        classifier = SentimentClassifier.load_default()
    except ArtifactError as error:
        raise CommandError(f"cannot load the sentiment model: {error}") from None
    return Components(registry=registry, enricher=Enricher(registry, classifier), engine=CrisisEngine())
