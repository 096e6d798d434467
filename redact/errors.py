"""One exception hierarchy; every error knows where it happened.

Messages name a file, line and column, never the text found there: a parse
error that quoted its input could leak a withheld portion.
"""

from __future__ import annotations


class RedactError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with."""

    exit_code = 3

    def __init__(self, message: str, *, path: str | None = None,
                 line: int | None = None, column: int | None = None,
                 key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.key = key

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.message}"


class InputError(RedactError):
    """The input document cannot be read (missing, binary, undecodable, too big)."""

    exit_code = 2


class PolicyError(RedactError):
    """A policy or configuration file does not validate. ``also`` holds the file's other problems,
    so that one run reports them all (sorted by line), one per line of ``str()``."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 column: int | None = None, key: str | None = None,
                 also: tuple[RedactError, ...] = ()) -> None:
        super().__init__(message, path=path, line=line, column=column, key=key)
        self.also = also

    @classmethod
    def all_of(cls, problems: list[RedactError]) -> PolicyError:
        """One error for many problems: the first by line carries the others."""
        ordered = sorted(problems, key=lambda p: (p.line or 0, p.column or 0))
        first = ordered[0]
        return cls(first.message, path=first.path, line=first.line, column=first.column, key=first.key,
                   also=tuple(ordered[1:]))

    def __str__(self) -> str:
        return "\n".join([super().__str__(), *(RedactError.__str__(p) for p in self.also)])


class RenderError(RedactError):
    """A release copy could not be written (output directory, permissions, disk full, symlink)."""

    exit_code = 2


class LeakError(RedactError):
    """A release copy contains withheld text; the copy has been removed."""

    exit_code = 1


class AuditError(RedactError):
    """The audit log is broken or was tampered with."""

    exit_code = 1
