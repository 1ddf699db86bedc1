"""User-facing errors: each names the problem and the fix; the CLI prints one line and exits 2."""

from __future__ import annotations


class DivGenBenchError(Exception):
    """An error the user can fix. ``hint`` says how; the CLI prints ``error: <msg> (fix: <hint>)``."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint

    def one_line(self) -> str:
        text = str(self)
        return f"{text} — {self.hint}" if self.hint else text


class ConfigError(DivGenBenchError, ValueError):
    """A bad argument or option value."""


class MissingWeightsError(DivGenBenchError, FileNotFoundError):
    """Model weights are not on disk and cannot be downloaded (offline)."""


class MissingDataError(DivGenBenchError, FileNotFoundError):
    """Pinned hub data (a prompt set) is not on disk and cannot be downloaded (offline)."""


class DataError(DivGenBenchError, ValueError):
    """Input data (prompts, images, results files) is unreadable or inconsistent."""
