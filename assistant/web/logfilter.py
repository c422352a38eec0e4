"""Nothing a person typed reaches a log, whichever library writes it.

Gradio quotes its input when it refuses a call before a handler runs ("Received inputs: [...]",
"Value: ... is not in the list of choices") and prints tracebacks straight to stderr. Our own code logs
exception types only; other libraries cannot be read line by line, so their records are redacted
where records are made (``logging.setLogRecordFactory``), before any handler, pytest's included, sees
them:

- a message is kept only when it is one of the known, fixed ones (server start and stop, a refused
  connection, a request line without its query); any other is replaced by a fixed sentence;
- a traceback keeps its frames (file, line, code: the program's own text) and loses every exception's
  message, which is where input is quoted;
- Gradio's ``traceback.print_exc()`` calls become log records, so they pass through the same redaction;
- ``warnings`` go through logging too.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
import types

OURS = "assistant"
WITHHELD = "message withheld (it may quote what a person typed)"
FRAMES = 12  # the last frames of each traceback: enough to find the place, short for a RecursionError
SAFE = re.compile(
    r"(Started server process \[\d+\]|Waiting for application (startup|shutdown)\.|"
    r"Application (startup|shutdown) complete\.|Uvicorn running on \S+ \(Press CTRL\+C to quit\)|"
    r"Shutting down|Finished server process \[\d+\]|Exception in ASGI application|"
    r"Invalid HTTP request received\.|Exceeded concurrency limit\.|"
    r"Waiting for (connections to close|background tasks to complete)\.(.*)?|"
    r'HTTP Request: [A-Z]+ https?://[^\s?#]+ "HTTP/[\d.]+ \d{3}[A-Za-z ]*"|'
    r"an error inside Gradio|Closing server running on port: \d+)")


def redacted_traceback(error: BaseException) -> str:
    """Each exception in the chain as its type and its last frames, without its message."""
    parts, seen = [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        frames = "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)[-FRAMES:]))
        kind = type(error)
        parts.append(f"Traceback (last {FRAMES} frames at most):\n{frames}"
                     f"{kind.__module__}.{kind.__qualname__}: (message withheld)")
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return "\n\nwhich came while handling:\n".join(parts)


def redact(record: logging.LogRecord) -> logging.LogRecord:
    """The record with anything that may quote input replaced (records from ``assistant`` are kept)."""
    if record.name == OURS or record.name.startswith(OURS + "."):
        return record
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a record whose arguments do not fit its message
        message = ""
    if not SAFE.fullmatch(message):
        record.msg, record.args = WITHHELD, None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redacted_traceback(record.exc_info[1])
    record.exc_info, record.stack_info = None, None
    return record


class RedactFilter(logging.Filter):
    """The same redaction as a filter, for a handler that records were made for before ``install``."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact(record)
        return True


class _Traceback(types.ModuleType):
    """Stands in for the ``traceback`` module inside Gradio: printing a traceback logs a redacted one."""

    def __init__(self):
        super().__init__("traceback")

    def __getattr__(self, name):
        return getattr(traceback, name)

    @staticmethod
    def print_exc(*args, **kwargs) -> None:
        logging.getLogger("gradio").error("an error inside Gradio", exc_info=sys.exc_info())

    @staticmethod
    def print_exception(*args, **kwargs) -> None:
        error = args[1] if len(args) > 1 else (args[0] if args else kwargs.get("value"))
        logging.getLogger("gradio").error("an error inside Gradio", exc_info=error)

    @staticmethod
    def format_exc(*args, **kwargs) -> str:
        error = sys.exc_info()[1]
        return redacted_traceback(error) if error is not None else ""


_STAND_IN = _Traceback()


def install() -> None:
    """Redact every log record made from now on, and Gradio's printed tracebacks. Safe to call again."""
    make = logging.getLogRecordFactory()
    if not getattr(make, "redacts", False):
        def make_redacted(*args, **kwargs):
            return redact(make(*args, **kwargs))

        make_redacted.redacts = True
        logging.setLogRecordFactory(make_redacted)
    logging.captureWarnings(True)
    for name, module in list(sys.modules.items()):
        if (name == "gradio" or name.startswith("gradio.")) and getattr(module, "traceback", None) is traceback:
            module.traceback = _STAND_IN
