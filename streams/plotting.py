"""``replay --plot``: why an incident fired (or did not), at a glance, per brand.

For each brand three stacked panels share the event-time axis: event volume
with the negative count and its baseline (the volume detector's expected
value), the negative share with its baseline, and every detector's score.
Each incident is marked where it started (dashed) and where it was detected
(solid, labelled with type and origin).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detectors.engine import BucketReport
    from detectors.offline import OfflineRun
    from schemas.records import Incident

TYPE_COLOURS = {
    "negative_spike": "#d62728",
    "negative_shift": "#ff7f0e",
    "comment_flood": "#9467bd",
    "owned_post_backlash": "#8c564b",
    "moderation_backlash": "#e377c2",
    "external_post_backlash": "#1f77b4",
}


SHARE_POOL_BUCKETS = 3
"""Buckets pooled for the plotted share line, as the share detector pools them."""


def _pooled_share(reports: Sequence[BucketReport], pool: int) -> list[float]:
    shares = []
    for index in range(len(reports)):
        window = reports[max(0, index - pool + 1) : index + 1]
        total = sum(report.total for report in window)
        shares.append(sum(report.negative for report in window) / total if total else float("nan"))
    return shares


def _time(millis: int) -> float:
    """Event time as a matplotlib date number: days since 1970-01-01 (matplotlib's default epoch)."""
    return millis / 86_400_000


def plot_formats() -> list[str]:
    """File suffixes (without the dot) matplotlib can write, e.g. png, svg, pdf."""
    from matplotlib.backend_bases import FigureCanvasBase

    return sorted(FigureCanvasBase.get_supported_filetypes())


def check_plot_path(path: Path) -> None:
    """Raise ValueError unless ``path`` names a file whose suffix matplotlib can write.

    Checked before a replay runs: matplotlib would otherwise append ``.png`` to a
    path without a suffix, or reject an unknown one only after the whole replay.
    """
    suffix = path.suffix.lower().lstrip(".")
    if not suffix or path.is_dir():
        raise ValueError(f"{path} is not a file name with a suffix (e.g. replay.png)")
    if suffix not in plot_formats():
        raise ValueError(f"cannot draw a .{suffix} file; use one of {', '.join(plot_formats())}")


def plot_replay(run: OfflineRun, path: Path | str, *, title: str | None = None) -> Path:
    """Draw the run's bucket reports and incidents into ``path`` (format from its suffix); returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    buckets: dict[str, list[BucketReport]] = defaultdict(list)
    for report in run.buckets:
        buckets[report.brand].append(report)
    opened: dict[str, list[Incident]] = defaultdict(list)
    for incident in run.incidents:
        if incident.status == "opened":
            opened[incident.brand].append(incident)
    brands = sorted(set(buckets) | set(opened)) or ["(no events)"]

    figure, axes = plt.subplots(
        3 * len(brands), 1, figsize=(14, 7.5 * len(brands)), sharex=True, squeeze=False,
        gridspec_kw={"height_ratios": [3, 2, 1.4] * len(brands)},
    )
    for index, brand in enumerate(brands):
        volume_axis, share_axis, score_axis = (axes[3 * index + row][0] for row in range(3))
        reports = sorted(buckets.get(brand, []), key=lambda report: report.start_ms)
        _draw_brand(volume_axis, share_axis, score_axis, brand, reports)
        incidents = sorted(opened.get(brand, []), key=lambda incident: incident.detected_at_ms)
        times = [report.start_ms for report in reports] + [i.detected_at_ms for i in incidents]
        span = (min(times), max(times)) if times else (0, 1)
        for incident, row in zip(incidents, _label_rows(incidents, span), strict=True):
            right = incident.detected_at_ms > span[0] + 0.8 * (span[1] - span[0])
            _mark_incident((volume_axis, share_axis, score_axis), incident, row=row, label_left=right)
    bottom = axes[-1][0]
    bottom.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %b\n%H:%M", tz=UTC))  # type: ignore[no-untyped-call]
    bottom.set_xlabel("event time (UTC)")
    figure.suptitle(title or "flarewatch replay: volume, negative share, detector scores and incidents", fontsize=13)
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _draw_brand(volume_axis: object, share_axis: object, score_axis: object, brand: str,
                reports: Sequence[BucketReport]) -> None:
    from matplotlib.axes import Axes

    assert isinstance(volume_axis, Axes) and isinstance(share_axis, Axes) and isinstance(score_axis, Axes)
    times = [_time(report.start_ms) for report in reports]
    width_minutes = reports[0].width_ms // 60_000 if reports else 5
    volume_axis.plot(times, [report.total for report in reports], color="#7f7f7f", linewidth=0.8, label="events")
    volume_axis.plot(times, [report.negative for report in reports], color="#d62728", linewidth=0.9, label="negative events")
    volume_axis.plot(times, [report.expected_negative for report in reports], color="black", linestyle=":",
                     linewidth=1.0, label="negative baseline (expected)")
    volume_axis.set_ylabel(f"events per {width_minutes} min")
    volume_axis.set_title(brand, loc="left", fontsize=12, fontweight="bold")
    volume_axis.legend(loc="upper left", fontsize=8)

    share_axis.plot(times, [report.negative_share if report.total else float("nan") for report in reports],
                    color="#ff7f0e", linewidth=0.5, alpha=0.35, label="negative share per bucket")
    share_axis.plot(times, _pooled_share(reports, SHARE_POOL_BUCKETS), color="#ff7f0e", linewidth=1.1,
                    label=f"negative share, last {SHARE_POOL_BUCKETS * width_minutes} min")
    share_axis.plot(times, [report.share_baseline for report in reports], color="black", linestyle=":",
                    linewidth=1.0, label="share baseline")
    share_axis.set_ylim(0, 1)
    share_axis.set_ylabel("negative share")
    share_axis.legend(loc="upper left", fontsize=8)

    names = sorted({name for report in reports for name in report.scores})
    for name in names:
        score_axis.plot(times, [report.scores.get(name, 0.0) for report in reports], linewidth=0.8,
                        color=TYPE_COLOURS.get(name), label=name)
    score_axis.axhline(0.5, color="grey", linewidth=0.5, linestyle="--")
    score_axis.set_ylim(0, 1.05)
    score_axis.set_ylabel("score")
    if names:
        score_axis.legend(loc="upper left", fontsize=7, ncol=3)


def _label_rows(incidents: Sequence[Incident], span: tuple[int, int], rows: int = 3) -> list[int]:
    """A label row per incident: one detected within 8 % of the time axis of the previous
    label goes a row lower (an outside tester's two incidents' labels covered each other).

    >>> from types import SimpleNamespace as I
    >>> _label_rows([I(detected_at_ms=t) for t in (0, 50, 60, 500, 505)], (0, 1000))
    [0, 1, 2, 0, 1]
    """
    result: list[int] = []
    close = 0.08 * max(1, span[1] - span[0])
    for index, incident in enumerate(incidents):
        near = index > 0 and incident.detected_at_ms - incidents[index - 1].detected_at_ms < close
        result.append((result[-1] + 1) % rows if near else 0)
    return result


def _mark_incident(panels: Sequence[object], incident: Incident, *, row: int = 0, label_left: bool = False) -> None:
    """Onset (dashed) and detection (solid) lines; a label at the detection, in ``row`` (from
    the top), to the left of the line near the right edge so it is not cut off."""
    from matplotlib.axes import Axes

    colour = TYPE_COLOURS.get(incident.type, "black")
    for panel in panels:
        assert isinstance(panel, Axes)
        panel.axvline(_time(incident.started_at_ms), color=colour, linestyle="--", linewidth=1.0, alpha=0.8)
        panel.axvline(_time(incident.detected_at_ms), color=colour, linestyle="-", linewidth=1.6, alpha=0.9)
    top = panels[0]
    assert isinstance(top, Axes)
    delay = (incident.detected_at_ms - incident.started_at_ms) / 60_000
    top.annotate(
        f"{incident.type}\n{incident.origin}, severity {incident.severity}\nonset → detected {delay:.0f} min",
        xy=(_time(incident.detected_at_ms), 1.0), xycoords=("data", "axes fraction"),
        xytext=(-4 if label_left else 4, -4 - 42 * row), textcoords="offset points", va="top",
        ha="right" if label_left else "left", fontsize=8, color=colour,
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8, "edgecolor": colour},
    )
