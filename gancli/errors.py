"""Errors a user can fix. The CLI prints them as one line and exits 1."""


class GanError(Exception):
    """A problem with the user's input or environment, explained in one line."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM stopped a run after it saved its state. The CLI exits 130."""
