"""Errors a user can act on. Each carries one clear line: what, where, what to do."""

from __future__ import annotations


class DreamreelError(Exception):
    """Base for every error the CLI and editor show as one line (exit code 2 on the CLI)."""


class ProjectError(DreamreelError):
    """A project file is unreadable or invalid; the message names the JSON path."""


class FormatError(DreamreelError):
    """A lyrics/screenplay file cannot be parsed; the message names file and line."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        elif line is not None:
            where = f"line {line}: "
        super().__init__(where + message)
        self.path = path
        self.line = line
        self.reason = message


class AudioError(DreamreelError):
    """Audio is missing, empty or not decodable."""


class CommandError(DreamreelError):
    """An edit command was rejected by validation; the project is unchanged."""


class ModelNotFoundError(DreamreelError):
    """Model weights are not on disk; the message says where we looked and how to fetch them."""


class Cancelled(Exception):
    """Raised by long jobs when their cancel hook returns True."""
