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
    """kc.sqlite cannot be used: written by a newer kc, damaged, read-only, on a full disk, or the folder
    is in use by another run (exit 1)."""
    exit_code = 1


class UnreadableFile(Exception):
    """A file that cannot be opened as a spreadsheet; message is Chinese. `sheet` and `column` say where
    in the file, when one sheet or cell is the cause (they go into the 输入错误 row)."""

    def __init__(self, message: str, sheet: str = "", column: str = ""):
        super().__init__(message)
        self.sheet, self.column = sheet, column

    def __reduce__(self):  # pickled across the reading worker's pipe
        return type(self), (str(self), self.sheet, self.column)


class TemplateError(KcError):
    """A letter template that cannot be used: a Chinese message naming the template and line (exit 2)."""
    exit_code = 2
