"""User-facing errors of the command line (kept apart from ``streams.cli`` so that
``python -m streams.cli`` and the console script raise and catch the same class)."""


class CommandError(Exception):
    """A user-facing error: printed without a traceback, exit code 2."""
