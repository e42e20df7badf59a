"""Reading an uploaded file no further than a limit (case documents, library files)."""

from __future__ import annotations

from typing import IO, Any


def read_limited(file: IO[bytes] | Any, limit: int) -> bytes:
    """At most ``limit + 1`` bytes: enough to know a file is too big without reading all of it."""
    if hasattr(file, "seek"):
        file.seek(0)
    chunks, total = [], 0
    while total <= limit:
        chunk = file.read(min(64 * 1024, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)
