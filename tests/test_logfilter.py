"""The log filter: records from other libraries keep only fixed messages, tracebacks keep frames, not messages."""

from __future__ import annotations

import logging
import sys

import pytest

from assistant.web import logfilter

SECRET = "quokkaberry"


def make(name: str, message: str, *args, error: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(error), error, error.__traceback__) if error else None
    return logging.LogRecord(name, logging.ERROR, __file__, 1, message, args or None, exc_info)


def failure() -> BaseException:
    try:
        try:
            raise ValueError(f"Value: {SECRET!r} is not in the list of choices")
        except ValueError as inner:
            raise TypeError(f"Received inputs: [{SECRET}]") from inner
    except TypeError as error:
        return error


@pytest.mark.parametrize("name, message, args", [
    ("gradio.queueing", "Received inputs: [%r]", (SECRET,)),
    ("gradio", f"Value: {SECRET} is not in the list of choices", ()),
    ("uvicorn.error", "Exception in ASGI application %s", (SECRET,)),
    ("uvicorn.access", '%s - "%s %s HTTP/%s" %d', ("127.0.0.1:1", "GET", f"/?q={SECRET}", "1.1", 200)),
    ("httpx", f'HTTP Request: GET http://127.0.0.1/?q={SECRET} "HTTP/1.1 200 OK"', ()),
    ("py.warnings", "%s", (SECRET,)),
])
def test_messages_that_may_quote_input_are_withheld(name, message, args):
    record = logfilter.redact(make(name, message, *args))
    assert record.getMessage() == logfilter.WITHHELD


@pytest.mark.parametrize("message", ["Started server process [42]", "Application startup complete.",
                                     "Invalid HTTP request received.",
                                     'HTTP Request: HEAD http://127.0.0.1:7860/ "HTTP/1.1 200 OK"'])
def test_known_fixed_messages_are_kept(message):
    assert logfilter.redact(make("uvicorn.error", message)).getMessage() == message


def test_tracebacks_keep_their_frames_and_lose_every_message():
    record = logfilter.redact(make("gradio", "an error inside Gradio", error=failure()))
    text = logging.Formatter().format(record)
    assert SECRET not in text
    assert "builtins.TypeError: (message withheld)" in text and "builtins.ValueError: (message withheld)" in text
    assert "test_logfilter.py" in text and "in failure" in text


def test_our_own_records_are_kept():
    assert logfilter.redact(make("assistant.web.api", "api search failed: %s", "RuntimeError")).getMessage() == \
        "api search failed: RuntimeError"


def test_installed_it_reaches_every_handler_and_gradios_printed_tracebacks(caplog, capfd):
    import gradio.queueing

    logfilter.install()
    logfilter.install()  # twice is the same as once
    caplog.set_level(logging.DEBUG)
    logging.getLogger("gradio.components").warning("Value: %s is not a choice", SECRET)
    error = failure()
    try:
        raise error
    except TypeError:
        gradio.queueing.traceback.print_exc()
        assert SECRET not in gradio.queueing.traceback.format_exc()
    import warnings

    warnings.warn(f"{SECRET} in a warning")
    out, err = capfd.readouterr()
    assert "an error inside Gradio" in caplog.text and logfilter.WITHHELD in caplog.text
    assert SECRET not in caplog.text and SECRET not in out + err
    assert sys.modules["traceback"].print_exc is not gradio.queueing.traceback.print_exc
