"""The two errors a user can act on. Every module raises these; the CLI turns them into one line and exit
status 2, the UI into a message box. Anything else is a bug and keeps its traceback in the run's log."""


class ConfigError(ValueError):
    """A setting the user chose cannot work; the message says which and what to do."""


class DataError(ValueError):
    """The data cannot be trained on as it is; the message says what was found and what to do."""
