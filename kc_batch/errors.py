"""Library errors. The CLI turns them into Chinese messages and exit codes (SPEC §10.1)."""


class KcError(Exception):
    """Base class: the message is Chinese and meant for the user."""
    exit_code = 1


class ConfigError(KcError):
    """Missing or malformed kc.toml, or a bad option value (exit 2, SPEC §13.19)."""
    exit_code = 2


class UsageError(KcError):
    exit_code = 2


class NoInputError(KcError):
    """No input could be read at all (exit 3)."""
    exit_code = 3


class OutputError(KcError):
    """An output could not be written (disk full, read-only folder)."""
    exit_code = 1


class StoreError(KcError):
    """kc.sqlite cannot be used by this version of kc (written by a newer one)."""
    exit_code = 1


class UnreadableFile(Exception):
    """A file that cannot be opened as a spreadsheet; message is Chinese."""


class TemplateError(KcError):
    """A letter template that cannot be used: a Chinese message naming the template and line (exit 2)."""
    exit_code = 2
