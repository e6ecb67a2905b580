"""The demo's sample files, where the installed package has them (as `flarewatch demo` finds them)."""

from streams.commands.demo import SAMPLE_BRANDS, SAMPLE_EVENTS, sample_path

DEMO_EVENTS = sample_path(SAMPLE_EVENTS)
DEMO_BRANDS = sample_path(SAMPLE_BRANDS)
