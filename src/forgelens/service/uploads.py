"""Streamed multipart uploads, held in memory and cut off at the size limit.

Starlette's own form parsing spools the whole body to a temporary file before the route sees
it; here the body is parsed as it arrives, the file part is kept in memory only, and the
request is refused with 413 as soon as a declared ``Content-Length`` or the bytes received
pass the limit — nothing beyond the limit is read, and nothing is written to disk. The upload
holds a queue slot, so a stalled or deliberately slow client would otherwise hold it for ever: a
body that stops arriving for ``idle_seconds`` is refused with 408, and so is one that arrives
slower than ``min_bytes_per_second`` on the whole — its deadline is ``idle_seconds`` plus the time
the bytes received so far take at that rate, so a client trickling a byte just inside every pause
still runs out of time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from fastapi import HTTPException, Request
from python_multipart.multipart import MultipartParser, parse_options_header

#: Room for the multipart framing and the small option fields beside the file.
FRAMING_BYTES = 64 * 1024
FIELD_BYTES = 4096
#: Seconds an upload may pause (no byte received) before it is refused with 408.
IDLE_SECONDS = 30.0
#: The slowest an upload may arrive on the whole (bytes per second), also refused with 408.
MIN_BYTES_PER_SECOND = 1024.0


@dataclass
class Upload:
    filename: str = ""
    data: bytearray = field(default_factory=bytearray)
    fields: dict[str, str] = field(default_factory=dict)
    found_file: bool = False


def too_large(limit: int, name: str = "upload") -> HTTPException:
    return HTTPException(413, f"{name}: upload larger than the {limit} byte limit")


def declared_length(request: Request) -> int | None:
    try:
        return int(request.headers["content-length"])
    except (KeyError, ValueError):
        return None


async def read_upload(request: Request, limit: int, file_field: str = "file",
                      idle_seconds: float = IDLE_SECONDS, min_bytes_per_second: float = MIN_BYTES_PER_SECOND
                      ) -> Upload:
    """The file part (``file_field``) and the small fields of a multipart/form-data body; 408 when
    no byte arrives for ``idle_seconds``, or when the body is still arriving ``idle_seconds`` +
    (bytes received) / ``min_bytes_per_second`` after it began."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise HTTPException(415, "send the picture as multipart/form-data with a 'file' field")
    n = declared_length(request)
    if n is not None and n > limit + FRAMING_BYTES:
        raise too_large(limit)
    up = Upload()
    part: dict[str, object] = {}
    header: dict[str, bytes] = {}

    def on_part_begin() -> None:
        part.clear()
        header.clear()
        part["headers"] = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header["field"] = header.get("field", b"") + data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header["value"] = header.get("value", b"") + data[start:end]

    def on_header_end() -> None:
        part["headers"][header.get("field", b"").lower()] = header.get("value", b"")  # type: ignore[index]
        header.clear()

    def on_headers_finished() -> None:
        disp = part["headers"].get(b"content-disposition", b"")  # type: ignore[union-attr]
        _, p = parse_options_header(disp)
        part["name"] = p.get(b"name", b"").decode("utf-8", "replace")
        part["is_file"] = part["name"] == file_field
        if part["is_file"]:
            if up.found_file:
                raise HTTPException(400, f"send one '{file_field}' per request")
            up.found_file = True
            up.filename = p.get(b"filename", b"upload").decode("utf-8", "replace") or "upload"
        part["value"] = bytearray()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.get("is_file"):
            if len(up.data) + (end - start) > limit:
                raise too_large(limit, up.filename)
            up.data += data[start:end]
        else:
            value = part["value"]
            if len(value) + (end - start) > FIELD_BYTES:  # type: ignore[arg-type]
                raise HTTPException(413, f"form field {part['name']!r} too long")
            value += data[start:end]  # type: ignore[operator]

    def on_part_end() -> None:
        if not part.get("is_file") and part.get("name"):
            up.fields[str(part["name"])] = bytes(part["value"]).decode("utf-8", "replace")  # type: ignore[arg-type]

    parser = MultipartParser(boundary, {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end, "on_headers_finished": on_headers_finished,
        "on_part_data": on_part_data, "on_part_end": on_part_end})
    received = 0
    chunks = request.stream()
    loop = asyncio.get_running_loop()
    began = loop.time()
    try:
        while True:
            left = began + idle_seconds + received / min_bytes_per_second - loop.time()
            try:
                if left <= 0:
                    raise TimeoutError
                chunk = await asyncio.wait_for(anext(chunks), min(idle_seconds, left))
            except StopAsyncIteration:
                break
            except TimeoutError:
                name, waited = up.filename or "upload", loop.time() - began
                if left > idle_seconds:
                    raise HTTPException(408, f"{name}: no data received for {idle_seconds:g} s; "
                                             "upload abandoned (send the file again)") from None
                raise HTTPException(408, f"{name}: upload too slow ({received} bytes in {waited:.0f} s, under the "
                                         f"{min_bytes_per_second:g} bytes/s minimum); upload abandoned (send the "
                                         "file again over a faster link)") from None
            received += len(chunk)
            if received > limit + FRAMING_BYTES:
                raise too_large(limit, up.filename or "upload")
            parser.write(chunk)
        parser.finalize()
    except HTTPException:
        up.data = bytearray()
        raise
    except Exception as exc:  # malformed multipart framing
        raise HTTPException(400, f"malformed multipart body: {exc}") from None
    if not up.found_file:
        raise HTTPException(422, f"no '{file_field}' part in the upload")
    return up
