"""``replay --plot``: a PNG per run, one panel group per brand, incidents marked."""

from __future__ import annotations

from pathlib import Path

from detectors.engine import CrisisEngine
from detectors.offline import OfflineRun
from detectors.testing import T0_MS, enriched
from streams.plotting import plot_replay


def test_plot_replay_writes_a_png_with_incidents_marked(tmp_path: Path) -> None:
    engine = CrisisEngine()
    run = OfflineRun()
    for brand in ("acme", "other-brand"):
        state = engine.initial_state(brand)
        events = [enriched(f"{brand}-q", 0, brand=brand, text="Train cancelled")]
        events.append(enriched(f"{brand}-rude", 60_000, brand=brand, parent=f"{brand}-q", role="owned",
                               negative=True, text="Not our problem."))
        events += [enriched(f"{brand}-r{i}", 120_000 + 20_000 * i, brand=brand, parent=f"{brand}-rude",
                            root=f"{brand}-q", negative=True, text="Rude!") for i in range(30)]
        for event in events:
            state, output = engine.step(state, event)
            run.incidents.extend(output.incidents)
            run.buckets.extend(output.buckets)
        state, output = engine.flush(state, T0_MS + 2 * 3_600_000)
        run.incidents.extend(output.incidents)
        run.buckets.extend(output.buckets)
    assert any(incident.status == "opened" for incident in run.incidents)
    path = plot_replay(run, tmp_path / "nested" / "replay.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 20_000


def test_plot_replay_of_an_empty_run(tmp_path: Path) -> None:
    assert plot_replay(OfflineRun(), tmp_path / "empty.png").exists()
