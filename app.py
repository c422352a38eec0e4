"""The Gradio interface: a situation in, organisations that can help out, with the evidence.

Run ``python app.py`` (host and port from ASSISTANT_HOST / ASSISTANT_PORT or --host / --port).
Importing this module starts nothing; ``build_demo`` makes the interface for a loaded searcher.
"""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.render import answer_html, answer_json  # noqa: E402
from assistant.search import Searcher, open_searcher  # noqa: E402

EXAMPLES = [
    "My daughter told me an adult touched her. What can I do?",
    "He took my passport and makes me work without pay.",
    "Our son has not come home for a week.",
    "Who pays my hospital bills after I was assaulted?",
]
INTRO = (
    "## Find help after a crime\n"
    "Describe what happened or what you need, in your own words. "
    "You will see organisations that can help, why each was suggested, and how to reach them. "
    "**In danger right now? Call 112** (free, from any phone). Nothing you type here is stored."
)


def build_demo(searcher: Searcher) -> gr.Blocks:
    """The interface over one loaded searcher."""

    def find_help(text: str) -> str:
        answer = searcher.search(text)
        return answer_html(answer, searcher.settings.evidence)

    def search(situation: str) -> dict[str, Any]:
        """Rank organisations for a situation; the same JSON object as ``assistant search --json``."""
        return answer_json(searcher.search(situation), evidence=searcher.settings.evidence)

    with gr.Blocks(title="Help for victims of crime", analytics_enabled=False) as demo:
        gr.Markdown(INTRO)
        situation = gr.Textbox(label="What happened, or what do you need?", lines=3, max_lines=12,
                               placeholder="For example: my husband hits me and I am afraid to go home")
        button = gr.Button("Find help", variant="primary")
        gr.Examples(EXAMPLES, inputs=situation, label="Examples")
        results = gr.HTML(label="Organisations that can help")
        for trigger in (button.click, situation.submit):
            trigger(find_help, situation, results, api_visibility="private")
        gr.api(search, api_name="search")
    return demo


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the help finder.")
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env(host=args.host, port=args.port)
    searcher = open_searcher(settings, say=logging.getLogger("assistant").info)
    build_demo(searcher).queue(default_concurrency_limit=4).launch(
        server_name=settings.host, server_port=settings.port, show_error=False)


if __name__ == "__main__":
    main()
