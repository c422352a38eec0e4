"""Odd and hostile input: any text gives ranked organisations or a clear message, and nothing renders as markup.

The broad property tests use the fast hashing embedder; a few examples go through the real model (slow).
The app's own handlers are called as Gradio would call them, and once more through a real server.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant import cli
from assistant.config import Settings
from assistant.corpus.parse import load_corpus
from assistant.index.store import build
from assistant.retrieval.query import EMPTY_MESSAGE
from assistant.retrieval.search import TRUNCATED_NOTE, Searcher
from assistant.types import Answer
from assistant.web.render import answer_html, answer_json, answer_text

from .conftest import ROOT, SEED, HashingEmbedder, copy_index, free_port

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">help</a>',
    "[help](javascript:alert(1))",
    "[help](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '![x](x" onerror="alert(1))',
    '"><svg/onload=alert(1)>',
    "<iframe src=javascript:alert(1)></iframe>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<<script>script>alert(1)<</script>/script>",
    "'; DROP TABLE organisations; --",
    "1' OR '1'='1",
    "{{7*7}} ${7*7} <%= 7*7 %>",
]
ODD = [
    "", " ", "\n\t\r", "\x00", "\x00help\x00", "\u200b\u200e\u202e", "\ud800", "help \udfff me", "\ufeff",
    "😀" * 50, "👩‍👩‍👧 my family 🏳️‍🌈", "שלום, בעלי מכה אותי", "زوجي يضربني", "\u202eesuba dlihc",
    "ẞ ǅ ﬁ ℌ", "a" * 100_000, "child abuse " * 10_000, "\x1b[31mred\x1b[0m", "..." * 1000,
]
# Everything a person can type, including lone surrogates (hypothesis leaves them out by default).
ANY_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=300),
    st.sampled_from(HOSTILE + ODD),
    st.lists(st.sampled_from(HOSTILE + ["child", "abuse", "help", "police", " ", "\x00", "\ud800"]),
             max_size=30).map("".join),
)
# database=None: hypothesis writes nothing into the working tree; a failure prints how to reproduce it.
FAST = settings(database=None, max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HOSTILE_PAGE = """\
[Home](#) > 4 - Help and support for victims of crime

## 4 - Help and support for victims of crime

## <img src=x onerror=alert(1)> Help Centre

Victims of <script>alert("x")</script> crime get help from [our team](javascript:alert(1)) here.

<img src=x onerror=alert(1)> Help Centre

- gives shelter <iframe src=javascript:alert(1)></iframe> to victims of violence
- offers legal advice [call us](javascript:alert(document.cookie)) for assault victims
- helps "><svg onload=alert(1)> children who were abused, with 'quotes' & amplified care

CONTACTS:

Website: <http://example.org/"onmouseover="alert(1)>

Telephone: +370 5 123 4567

## Safe [link](javascript:alert(1)) Service

Supports victims of robbery and theft ![x](x" onerror="alert(1)).

- gives help <a href="javascript:alert(1)">here</a> to victims of robbery
- gives amp and quot support to victims & "families" of robbery

CONTACTS:

Website: javascript:alert(1) <https://safe.example/>

■ Last update: 03/01/2025
"""


class LiveMarkup(HTMLParser):
    """Collects what in an HTML fragment could run script or lead anywhere but an http(s) site."""

    DANGEROUS = frozenset({"script", "iframe", "frame", "object", "embed", "svg", "math", "img", "style", "link", "meta",
                 "base", "form", "input", "button", "textarea", "video", "audio", "source"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        # The cards' "Add to referral list": a plain button (no form, no handler), run by the page's own script.
        if tag == "button" and dict(attrs).get("type") == "button" and "add-referral" in (dict(attrs).get("class") or ""):
            pass
        elif tag in self.DANGEROUS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip()
            if name.startswith("on") or name in {"srcdoc", "style", "formaction", "src", "action"}:
                self.problems.append(f"{tag} {name}={value!r}")
            elif name in {"href", "xlink:href"}:
                is_web = value.startswith(("http://", "https://"))
                is_phone = value.startswith("tel:") and value[4:].lstrip("+").isdigit()
                if not (is_web or is_phone):
                    self.problems.append(f"{tag} {name}={value!r}")

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def live_markup(fragment: str) -> list[str]:
    parser = LiveMarkup()
    parser.feed(fragment)
    parser.close()
    return parser.problems


def visible_text(fragment: str) -> str:
    parser = LiveMarkup()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.text)


def assert_clear_answer(answer: Answer) -> None:
    """Ranked results, or a message a person can act on; and every rendering can be written out as UTF-8."""
    assert isinstance(answer, Answer)
    if answer.results:
        scores = [r.score for r in answer.results]
        assert scores == sorted(scores, reverse=True)
        assert answer.message is None or answer.message.strip()
    else:
        assert answer.message and answer.message.strip()
    json.dumps(answer_json(answer), ensure_ascii=False).encode("utf-8")
    answer_text(answer).encode("utf-8")
    page = answer_html(answer)
    page.encode("utf-8")
    assert live_markup(page) == []


def _searcher(index_dir: Path, corpus_dir: Path, embedder=None) -> Searcher:
    embedder = embedder or HashingEmbedder()
    return Searcher(build(load_corpus(corpus_dir), embedder, index_dir), embedder,
                    Settings(corpus_dir=corpus_dir, index_dir=index_dir))


@pytest.fixture(scope="module")
def seed_searcher(tmp_path_factory) -> Searcher:
    return _searcher(tmp_path_factory.mktemp("index"), SEED.parent)


@pytest.fixture(scope="module")
def hostile_corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-corpus")
    shutil.copy(SEED, folder / SEED.name)
    (folder / "lv-hostile.txt").write_text(HOSTILE_PAGE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def hostile_searcher(tmp_path_factory, hostile_corpus) -> Searcher:
    return _searcher(tmp_path_factory.mktemp("index"), hostile_corpus)


# --- the search entry point ---------------------------------------------------------------------------

@FAST
@given(text=ANY_TEXT)
def test_any_text_gives_results_or_a_clear_message(seed_searcher, text):
    assert_clear_answer(seed_searcher.search(text))


@pytest.mark.parametrize("text", ODD + HOSTILE, ids=range(len(ODD + HOSTILE)))
def test_odd_and_hostile_text_one_by_one(seed_searcher, text):
    answer = seed_searcher.search(text)
    assert_clear_answer(answer)
    if len(text) >= 100_000:
        assert answer.truncated and TRUNCATED_NOTE in answer.message
    if not any(ch.isalnum() for ch in text):
        assert answer.results == () and answer.message == EMPTY_MESSAGE


def test_text_that_is_not_text_gives_the_empty_message(seed_searcher):
    for value in (None, 42, b"child abuse", ["child"], {"query": "child"}):
        assert seed_searcher.search(value).message == EMPTY_MESSAGE


@pytest.mark.slow
@settings(database=None, max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ANY_TEXT)
@example(text="a" * 100_000)
@example(text="help \ud800 me")
@example(text="שלום, בעלי מכה אותי 😀\x00")
def test_real_model_any_text(real_searcher, text):
    assert_clear_answer(real_searcher.search(text))


@pytest.fixture(scope="module")
def production_searcher(tmp_path_factory, project_index) -> Searcher:
    """The searcher the app and CLI open (the fast ONNX path when it is available), on a copy of the index."""
    from assistant.retrieval.search import open_searcher

    folder = tmp_path_factory.mktemp("production")
    copy_index(project_index, folder / "index")
    return open_searcher(Settings(corpus_dir=SEED.parent, index_dir=folder / "index"), say=lambda _: None)


@pytest.mark.slow
@settings(database=None, max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ANY_TEXT)
@example(text="a" * 100_000)
@example(text="😀" * 5000)
@example(text="שלום " * 3000)
def test_production_searcher_any_text(production_searcher, text):
    assert_clear_answer(production_searcher.search(text))


# --- rendering: hostile queries and a hostile corpus page ------------------------------------------------

@pytest.mark.parametrize("query", HOSTILE + ["victims help shelter children quotes amplified robbery"])
def test_hostile_corpus_and_query_render_as_text(hostile_searcher, query):
    answer = hostile_searcher.search(query + " victims help")
    page = answer_html(answer, evidence=10)
    assert live_markup(page) == []
    shown = visible_text(page)
    assert "<img src=x onerror=alert(1)> Help Centre" in shown  # escaped, so it shows as the text it is
    assert '<script>alert("x")</script>' in shown


def test_hostile_corpus_links_are_only_its_own_web_sites(hostile_searcher):
    orgs = {o.name: o for o in hostile_searcher.index.corpus.organisations}
    page = answer_html(hostile_searcher.search("victims robbery help"), evidence=10)
    assert 'href="https://safe.example/"' in page
    assert "example.org" not in page.split("Help Centre", 2)[1].split("</p>")[0]  # the quote-broken address
    assert orgs['<img src=x onerror=alert(1)> Help Centre'].phones == ("+370 5 123 4567",)


@pytest.mark.parametrize("query", [
    "quotes amplified children abused",
    "amp quot robbery",  # words that are also the names of HTML entities
])
def test_highlighted_evidence_shows_exactly_the_passage_text(hostile_searcher, query):
    """Highlighting must not cut into the escaping: "&quot;" would show up as garbage, or worse."""
    answer = hostile_searcher.search(query)
    page = answer_html(answer, evidence=10)
    evidence = [li for li in page.split("<li>")[1:]]
    shown = {visible_text(li.split("</li>")[0]) for li in evidence}
    # The description is shown once, in its own paragraph, so the evidence lists only the other passages.
    texts = {h.passage.text for r in answer.results for h in r.evidence[:10] if h.passage.kind != "description"}
    assert shown == texts


# --- the CLI, in-process --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli_env(tmp_path_factory):
    """The CLI run in-process with the hashing embedder in place of the model, on a copy of the seed corpus."""
    folder = tmp_path_factory.mktemp("cli")
    corpus = folder / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("assistant.retrieval.search.open_searcher", fake_open_searcher)
        flags = ["--corpus", str(corpus), "--index", str(folder / "index")]
        assert run_cli(flags + ["build"])[0] == 0
        yield flags, folder


def fake_open_searcher(settings: Settings, say=None, force: bool = False, show_progress: bool = False,
                       warm_detector: bool = True) -> Searcher:
    """open_searcher with the hashing embedder in place of the model: the CLI's own flow, without the model."""
    from assistant.index.store import load_or_build

    embedder = HashingEmbedder(name=settings.model)
    index = load_or_build(settings.corpus_dir, settings.index_dir, embedder, force=force, say=say or (lambda _: None))
    return Searcher(index, embedder, settings)


# Runs the CLI in a real process, with fake_open_searcher in place of the model.
BOOTSTRAP = (
    f"import sys; sys.path.insert(0, {str(ROOT)!r}); from tests.test_robustness import fake_open_searcher; "
    "import assistant.retrieval.search as s; s.open_searcher = fake_open_searcher; "
    "from assistant.cli import main; sys.exit(main(sys.argv[1:]))"
)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """cli.main with stdout and stderr that, like a real terminal's, refuse what is not UTF-8."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.buffer.getvalue().decode("utf-8"), err.buffer.getvalue().decode("utf-8")


@settings(database=None, max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ANY_TEXT)
def test_cli_search_any_text(cli_env, text):
    flags, _ = cli_env
    code, out, err = run_cli(flags + ["search", "--json", "--top-k", "3", "--", text])
    data = json.loads(out)
    if data["results"]:
        assert code == 0 and len(data["results"]) <= 3
    else:
        assert code == 1 and data["message"].strip()
    assert "Traceback" not in err
    code, out, _ = run_cli(flags + ["search", "--", text])
    assert code in (0, 1) and out.strip()


def test_cli_argv_bytes_that_are_not_utf8(tmp_path, cli_env):
    """A real process: the shell hands over bytes, Python decodes them with surrogateescape."""
    flags, _ = cli_env
    bootstrap = BOOTSTRAP
    for text in (b"child \xff\xfe abuse", b"\xc3"):
        done = subprocess.run([sys.executable, "-c", bootstrap, *flags, "search", "--json", text],
                              capture_output=True, timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
                              check=False)
        assert done.returncode in (0, 1), done.stderr.decode()
        assert b"Traceback" not in done.stderr
        assert "\ufffd" in json.loads(done.stdout)["query"] or json.loads(done.stdout)["message"] == EMPTY_MESSAGE


# --- batch mode --------------------------------------------------------------------------------------------

BATCH_LINES = [
    b'{"id": "a", "query": "my child was abused"}',       # 1 answered
    b'{"id": "b", "query": ',                              # 2 bad JSON
    b'{"id": "c"}',                                         # 3 missing field
    b'{"id": "d", "query": 42}',                            # 4 wrong type
    b'["child abuse"]',                                     # 5 not an object
    b'{"id": "e", "query": "\\ud800 help"}',                # 6 lone surrogate escape
    b'{"id": "f", "query": "caf\xe9 robbery"}',             # 7 not UTF-8
    b"",                                                    # 8 blank: skipped silently
    b'{"id": "g", "query": "I was robbed in the street"}',  # 9 answered
    b'{"id": "h", "query": "   "}',                         # 10 answered with the empty message
    b'{"id": {"nested": [1]}, "query": "<script>alert(1)</script> help"}',  # 11 answered
    b"\x00\x01\x02",                                        # 12 binary junk
    b'{"id": "i", "query": "help", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}",  # 13 nested 1000 deep
    b"[" * 100000,                                          # 14 nested 100000 deep, never closed
    b'{"id": "j", "query": "someone broke into our flat"}',  # 15 answered
]


def test_batch_reports_bad_lines_by_number_and_answers_the_rest(cli_env, tmp_path):
    flags, _ = cli_env
    queries = tmp_path / "queries.jsonl"
    queries.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(BATCH_LINES) + b"\n")
    code, out, err = run_cli(flags + ["search", "--queries", str(queries), "--json"])
    assert code == 1
    rows = [json.loads(line) for line in out.splitlines()]
    answered = {json.dumps(r["id"]): r for r in rows if "error" not in r}
    assert set(answered) == {'"a"', '"g"', '"h"', '{"nested": [1]}', '"j"'}
    assert answered['"a"']["results"] and answered['"g"']["results"] and answered['"j"']["results"]
    assert answered['"h"']["message"] == EMPTY_MESSAGE and answered['"h"']["results"] == []
    assert sorted(r["line"] for r in rows if "error" in r) == [2, 3, 4, 5, 6, 7, 12, 13, 14]
    reported = [line for line in err.splitlines() if ": skipped: " in line]
    assert [int(line.split(":")[1]) for line in reported] == [2, 3, 4, 5, 6, 7, 12, 13, 14]
    assert all(line.startswith(f"{queries}:") for line in reported)
    assert "surrogate" in reported[4] and "UTF-8" in reported[5] and "JSON" in reported[0]
    assert "nested deeper than" in reported[7] and "nested deeper than" in reported[8] and "Traceback" not in err
    for secret in (b"caf", b"robbery", b"child abuse"):  # no query text in what is reported
        assert secret.decode() not in "\n".join(reported)


@pytest.mark.parametrize("where", ["missing", "a folder"])
def test_batch_file_missing_is_a_clear_error(cli_env, tmp_path, where):
    flags, _ = cli_env
    path = tmp_path / "nope.jsonl"
    if where == "a folder":
        path.mkdir()
    code, out, err = run_cli(flags + ["search", "--queries", str(path)])
    assert code == 2 and out == "" and "cannot read the queries file" in err and "Traceback" not in err


@settings(database=None, max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.one_of(
    st.binary(max_size=40),
    st.builds(lambda q: json.dumps({"query": q}).encode(), ANY_TEXT),
    st.builds(lambda q: json.dumps({"query": q}, ensure_ascii=False).encode("utf-8", "surrogatepass"), ANY_TEXT),
    st.sampled_from(BATCH_LINES),
), max_size=8))
def test_batch_any_bytes_one_output_line_per_input_line(cli_env, tmp_path_factory, lines):
    flags, _ = cli_env
    lines = [line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines]
    queries = tmp_path_factory.mktemp("batch") / "q.jsonl"
    queries.write_bytes(b"\n".join(lines))
    code, out, err = run_cli(flags + ["search", "--queries", str(queries)])
    rows = [json.loads(line) for line in out.splitlines()]
    # A byte-order mark opening the file is not part of its first line.
    lines = [line[3:] if number == 0 and line.startswith(b"\xef\xbb\xbf") else line
             for number, line in enumerate(lines)]
    assert len(rows) == sum(1 for line in lines if line.strip())
    assert code == (1 if any("error" in r for r in rows) else 0)
    assert err.count(": skipped: ") == sum("error" in r for r in rows)


# --- the app's handlers ------------------------------------------------------------------------------------

class ErrorTrap(logging.Handler):
    """Catches ERROR records: a handler that swallows an exception (and shows "sorry") still logs it."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope="module")
def app_events(hostile_searcher):
    """Every event of the real gr.Blocks over the hostile corpus, with its input and output components."""
    import app

    demo = app.build_demo(hostile_searcher)
    events = [f for f in demo.fns.values()
              if f.fn is not None and f.inputs and not (f.name or "").startswith("load_example")]
    assert "search" in {f.api_name for f in events} and len(events) >= 2, [f.api_name for f in events]
    trap = ErrorTrap()
    logging.getLogger().addHandler(trap)
    yield events, trap
    logging.getLogger().removeHandler(trap)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)
    elif hasattr(value, "value"):  # a gr.update / component carrying a value
        yield from _strings(value.value)


def _arguments(event, text: str, organisation_names: list[str]) -> list[object]:
    """What the browser would send: the text in every text box (and as a dropdown's choice), defaults elsewhere."""
    values = []
    for component in event.inputs:
        kind = type(component).__name__
        if kind in ("Textbox", "Api", "Dropdown"):
            values.append(text)
        elif kind == "CheckboxGroup":
            values.append(list(component.value or []))
        elif kind == "State":
            values.append({})
        else:
            values.append(getattr(component, "value", None))
    return values


def run_event(event, args, trap: ErrorTrap) -> list[tuple[str, object]]:
    """Call one event's function; (output component kind, value) pairs, or a gr.Error's message."""
    import gradio as gr

    trap.records.clear()
    try:
        output = event.fn(*args)
    except gr.Error as error:
        assert str(error.message).strip(), "a gr.Error must say something"
        return [("Error", str(error.message))]
    assert not trap.records, f"{event.api_name} logged {[r.getMessage() for r in trap.records]}"
    outputs = list(output) if len(event.outputs) > 1 else [output]
    return [(type(component).__name__, value) for component, value in zip(event.outputs, outputs)]


def check_outputs(event, outputs) -> list[str]:
    """Checks each output as the person gets it; returns the visible text of the HTML ones."""
    shown = []
    for kind, value in outputs:
        for piece in _strings(value):
            piece.encode("utf-8")
            if kind == "HTML":
                assert live_markup(piece) == [], (event.api_name, live_markup(piece))
                shown.append(visible_text(piece))
        if kind == "Api":
            json.dumps(value, ensure_ascii=False).encode("utf-8")
            assert value["results"] or value["message"]
        download = getattr(value, "value", None)
        if kind == "DownloadButton" and download:
            path = download["path"] if isinstance(download, dict) else download
            Path(path).read_text(encoding="utf-8")  # a file a person downloads must be text
    return shown


@FAST
@given(text=ANY_TEXT)
def test_app_events_any_text(app_events, hostile_searcher, text):
    events, trap = app_events
    names = [o.name for o in hostile_searcher.index.corpus.organisations]
    for event in events:
        check_outputs(event, run_event(event, _arguments(event, text, names), trap))


@pytest.mark.parametrize("query", HOSTILE)
def test_app_events_render_hostile_text_and_corpus_as_text(app_events, hostile_searcher, query):
    events, trap = app_events
    names = [o.name for o in hostile_searcher.index.corpus.organisations]
    shown = {}
    for event in events:
        shown[event.api_name] = check_outputs(event, run_event(event, _arguments(event, query + " victims help",
                                                                                  names), trap))
        # Again with every filter ticked and each hostile organisation chosen, where the event takes them.
        for name in names:
            args = []
            for component, value in zip(event.inputs, _arguments(event, query + " victims help", names)):
                kind = type(component).__name__
                if kind == "CheckboxGroup":
                    value = [c[1] if isinstance(c, tuple) else c for c in component.choices]
                elif kind == "Dropdown":
                    value = name
                elif kind == "State":
                    value = {o.id: [query] for o in hostile_searcher.index.corpus.organisations}
                args.append(value)
            shown[event.api_name] += check_outputs(event, run_event(event, args, trap))
    # The hostile corpus text reached the cards, the browse list and the detail page, as text.
    for name in ("find_help", "browse", "detail"):
        if name in shown:
            assert any("<img src=x onerror=alert(1)> Help Centre" in text for text in shown[name]), name


# --- the same through a real server ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(hostile_searcher):
    import app

    demo = app.build_demo(hostile_searcher)
    _, url, _ = app.serve(demo, "127.0.0.1", free_port(), prevent_thread_lock=True, quiet=True)
    yield url.rstrip("/")
    demo.close()


def call_api(base: str, body: bytes, name: str = "search") -> tuple[str, object]:
    import httpx

    with httpx.Client(base_url=base + "/gradio_api", timeout=60) as client:
        posted = client.post(f"/call/{name}", content=body, headers={"content-type": "application/json"})
        if posted.status_code != 200:
            return f"http {posted.status_code}", posted.text
        event_id = posted.json()["event_id"]
        event = None
        with client.stream("GET", f"/call/{name}/{event_id}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    return event, json.loads(line.split(":", 1)[1])
    return "no answer", None


@pytest.mark.slow
@pytest.mark.parametrize("body", [
    *(json.dumps({"data": [text]}).encode() for text in HOSTILE + ODD),
    b'{"data": ["\\ud800 help \\udfff"]}',
    b'{"data": [null]}',
    b'{"data": [42]}',
    b'{"data": [["child", "abuse"]]}',
], ids=range(len(HOSTILE + ODD) + 4))
def test_server_search_api_hostile_input(server, body):
    event, data = call_api(server, body)
    if event == "complete":
        result = data[0]
        assert result["results"] or result["message"]
        json.dumps(result, ensure_ascii=False).encode("utf-8")
    else:
        # A refusal must carry a message the person can read; a bare {"error": null} is a hidden crash.
        assert event in ("error", "http 422", "http 413"), (event, data)
        assert data and (not isinstance(data, dict) or data.get("error") or data.get("detail")), data


def page_event(base: str, name: str, data: list) -> list:
    """One of the page's events as the browser runs it: queue/join, then the session's event stream."""
    import httpx

    with httpx.Client(base_url=base + "/gradio_api", timeout=60) as client:
        config = client.get(base + "/config").json()
        fn_index = next(d["id"] for d in config["dependencies"] if d["api_name"] == name)
        session = uuid.uuid4().hex[:12]
        joined = client.post("/queue/join", json={"data": data, "fn_index": fn_index, "session_hash": session})
        assert joined.status_code == 200, joined.text
        with client.stream("GET", "/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:") and json.loads(line[5:]).get("msg") == "process_completed":
                    return json.loads(line[5:])["output"]["data"]
    raise AssertionError("no answer")


@pytest.mark.slow
@pytest.mark.parametrize("query", HOSTILE[:8])
def test_server_private_card_handler_returns_no_live_markup_and_is_not_an_api(server, query):
    """The browser's own handler, run as the page runs it, returns inert text; as an API it is refused."""
    refused, _ = call_api(server, json.dumps({"data": [query + " victims help", [], []]}).encode(), "find_help")
    assert refused == "http 404"
    pieces = list(_strings(page_event(server, "find_help", [query + " victims help", [], [], "en"])))
    assert pieces and all(live_markup(piece) == [] for piece in pieces)
    assert any("Help Centre" in visible_text(piece) for piece in pieces)
