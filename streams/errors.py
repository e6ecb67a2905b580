"""User-facing errors of the command line and their exit codes (kept apart from
``streams.cli`` so that ``python -m streams.cli`` and the console script raise and
catch the same classes).

``flarewatch`` exits 0 on success, 1 when a command fails while it runs
(:class:`CommandError`), 2 when it was called wrongly (:class:`UsageError`: argparse's
code, which argparse itself uses for the errors it finds) and 130 when interrupted. A
script may retry on 1; on 2 only a changed command line or configuration helps.
"""


class CommandError(Exception):
    """A command failed while it ran; printed without a traceback, exit code 1.

    Kafka unreachable or refusing an operation, a file or directory that is missing or
    cannot be read or written, input that holds nothing usable, a worker that stopped.
    """

    exit_code = 1


class UsageError(CommandError):
    """The command line or the configuration is wrong in itself; exit code 2.

    An option value out of range, options that do not combine, an unknown name, a bad
    ``FLAREWATCH_*`` variable, a brand registry that is missing or malformed.
    """

    exit_code = 2


class SettingsError(UsageError, ValueError):
    """A ``FLAREWATCH_*`` variable (or the option that overrides it) has a value flarewatch cannot use."""
