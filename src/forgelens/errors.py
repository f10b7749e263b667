"""One error hierarchy for everything forgelens refuses to do.

Every error names the file it concerns and the reason, so a batch can record
it on one line and go on, and the CLI can print it and exit non-zero.
"""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` on one line: control characters (a newline in a file name) shown escaped."""
    s = str(text)
    if s.isprintable():
        return s
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in s)


class ForgeLensError(Exception):
    """Base class: something about an input or a request that forgelens cannot handle."""

    reason = "error"

    def __init__(self, source: str, detail: str):
        self.source = source
        self.detail = detail
        super().__init__(f"{printable(source)}: {self.reason}: {printable(detail)}")

    def __reduce__(self):
        # pickled by (source, detail), so an error raised in a worker process arrives whole
        return (self.__class__, (self.source, self.detail), self.__dict__)


class UnreadableImageError(ForgeLensError):
    """The bytes are not an image any decoder here understands (corrupt, or not an image)."""

    reason = "unreadable image"


class EmptyFileError(UnreadableImageError):
    reason = "empty file"


class TruncatedImageError(UnreadableImageError):
    reason = "truncated image"


class UnsupportedFormatError(ForgeLensError):
    reason = "unsupported format"


class DecompressionBombError(ForgeLensError):
    """The header claims more pixels than the configured limit; nothing was decoded."""

    reason = "decompression bomb"


class ImageTooSmallError(ForgeLensError):
    reason = "image too small"


class ConfigError(ForgeLensError):
    """A detector name or configuration value that does not exist or is out of range."""

    reason = "bad configuration"
