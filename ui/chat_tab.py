"""The Chat tab: the conversation, the question box, examples, settings, sources and article.

Questions go to :meth:`qa.assistant.Assistant.stream`; the answer streams into the chat, the
passages found show in the sources panel first, and a click on a citation badge opens the
cited article with the quoted span highlighted. Everything shown is rendered by
:mod:`ui.views`. Saving and thumbs up/down are hooked on by :mod:`ui.conversations_view`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from index.errors import NewsdeskError
from index.settings import Settings
from qa.answer import Answer, Sources
from ui import conversations_view, views

# Errors a user can act on: shown as one line (the server keeps serving).
USER_ERRORS = (NewsdeskError,)
GENERATE = "generate"  # concurrency group of everything that answers questions

log = logging.getLogger(__name__)

# Runs inside the article panel (js_on_load of its gr.HTML): see ui/article.js.
ARTICLE_JS = (Path(__file__).resolve().parent / "article.js").read_text(encoding="utf-8")


@dataclass
class Conversation:
    """One browser session's chat: what is shown, and the answers behind it."""

    messages: list[dict[str, str]] = field(default_factory=list)  # chatbot messages (HTML)
    answers: list[Answer] = field(default_factory=list)  # badges refer to these by index

    def history(self) -> list[dict[str, str]]:
        """The turns so far, as the assistant takes them."""
        turns: list[dict[str, str]] = []
        for a in self.answers:
            turns += [
                {"role": "user", "content": a.question},
                {"role": "assistant", "content": a.answer},
            ]
        return turns


def _bubble(content: str) -> dict[str, str]:
    return {"role": "assistant", "content": content}


class ChatTab:
    """The chat's components (built in the current Gradio layout context) and their events."""

    def __init__(
        self, assistant: Any, settings: Settings, answerers: list[str], default: str
    ) -> None:
        self.assistant = assistant
        self.settings = settings
        self.default = default
        self.conv = gr.State(Conversation())
        with gr.Column(scale=3, min_width=340):
            self._conversation_column()
            self.comment = conversations_view.comment_box()  # after a thumbs up/down
            self._settings_box(answerers)
        with gr.Column(scale=2, min_width=300):
            self.sources = gr.HTML(
                views.SOURCES_PLACEHOLDER, elem_id="nd-sources", label="Sources", js_on_load=None
            )
            self.article = gr.HTML(
                views.ARTICLE_PLACEHOLDER,
                elem_id="nd-article",
                label="Article",
                js_on_load=ARTICLE_JS,
            )

    def _conversation_column(self) -> None:
        self.chatbot = gr.Chatbot(
            label="Chat",
            show_label=False,
            height="56vh",
            min_height=300,
            elem_id="nd-chat",
            feedback_options=("Like", "Dislike"),  # ui/conversations_view.py
            latex_delimiters=[],
            placeholder="Ask a question about the articles in the library.",
            buttons=[],
            sanitize_html=True,
        )
        self.question = gr.Textbox(
            show_label=False,
            placeholder="Ask about the articles… (Enter sends)",
            lines=1,
            max_lines=1,
            submit_btn="Ask",
            autofocus=True,
            elem_id="nd-question",
            max_length=self.settings.max_question_chars,
        )
        self.examples = gr.Dataset(
            components=[self.question], samples=[], label="Example questions", elem_id="nd-examples"
        )
        with gr.Row():
            self.new_chat = gr.Button("New conversation", size="sm", elem_id="nd-new")

    def _settings_box(self, answerers: list[str]) -> None:
        with gr.Accordion("Settings", open=False, elem_id="nd-settings"):
            self.answerer = gr.Dropdown(
                answerers,
                value=self.default,
                label="Answerer",
                info="extractive quotes the best sentence; local runs the bundled model",
            )
            self.top_k = gr.Slider(
                1, 8, value=max(1, min(8, self.settings.top_k)), step=1, label="Number of passages"
            )

    # -- handlers ---------------------------------------------------------------------------

    def respond(
        self, question: str, conv: Conversation, answerer: str, top_k: float
    ) -> Iterator[Any]:
        """Stream one answer into the chat; errors become a one-line message."""
        if not str(question or "").strip():
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        shown = [*conv.messages, {"role": "user", "content": views.question_html(question)}]
        yield "", [*shown, _bubble(views.streaming_html(""))], conv, gr.skip(), gr.skip()
        text, answer, error = "", None, ""
        try:
            for item in self.assistant.stream(
                question,
                conv.history(),
                answerer or self.default,
                int(top_k or self.settings.top_k),
            ):
                if isinstance(item, Answer):
                    answer = item
                elif isinstance(item, Sources):  # evidence first, while the model works
                    yield gr.skip(), gr.skip(), gr.skip(), views.found_html(item), gr.skip()
                else:
                    text += item
                    streaming = [*shown, _bubble(views.streaming_html(text))]
                    yield gr.skip(), streaming, gr.skip(), gr.skip(), gr.skip()
        except USER_ERRORS as exc:
            error = views.error_html(str(exc))
        except Exception as exc:  # keep serving whatever happens to one question
            log.exception("answering %r failed", question)
            error = views.error_html(f"something went wrong ({type(exc).__name__}); try again")
        yield self._finished(shown, conv, answer, error)

    @staticmethod
    def _finished(
        shown: list[dict[str, str]], conv: Conversation, answer: Answer | None, error: str
    ) -> tuple[Any, ...]:
        """The chat's last update: the answer (with its sources), or the error line."""
        if answer is None:
            messages = [*shown, _bubble(error or views.error_html("no answer"))]
            return gr.skip(), messages, Conversation(messages, conv.answers), gr.skip(), gr.skip()
        turn = len(conv.answers)
        messages = [*shown, _bubble(views.answer_html(answer, turn))]
        return (
            gr.skip(),
            messages,
            Conversation(messages, [*conv.answers, answer]),
            views.sources_html(answer, turn),
            views.ARTICLE_PLACEHOLDER,
        )

    def show_citation(self, conv: Conversation, evt: gr.EventData) -> tuple[Any, Any]:
        """Sources panel of the clicked answer and the cited article, span highlighted."""
        try:
            turn, n = int(evt.turn), int(evt.n)
            answer = conv.answers[turn]
            citation = next(c for c in answer.citations if c.n == n)
        except (AttributeError, TypeError, ValueError, IndexError, StopIteration):
            return gr.skip(), gr.skip()
        found = self.assistant.library.doc_text(citation.doc_id)
        if found is None:
            return (
                views.sources_html(answer, turn, active=n),
                views.missing_article_html(citation.title),
            )
        text, meta = found
        return (
            views.sources_html(answer, turn, active=n),
            views.article_html(text, meta, citation.quote, citation.start, n),
        )

    @staticmethod
    def new_conversation() -> tuple[Any, ...]:
        """An empty chat, panels and question box."""
        return [], Conversation(), views.SOURCES_PLACEHOLDER, views.ARTICLE_PLACEHOLDER, ""

    # -- wiring -----------------------------------------------------------------------------

    def wire(self) -> list[Any]:
        """Connect asking, examples, new conversation and citation clicks.

        Returns the events that end with a new answer in ``conv`` (asked, example picked).
        """
        chat_out = [self.question, self.chatbot, self.conv, self.sources, self.article]
        chat_in = [self.question, self.conv, self.answerer, self.top_k]
        asked = self.question.submit(
            self.respond, chat_in, chat_out, concurrency_id=GENERATE, api_visibility="private"
        )
        picked = self.examples.click(
            lambda sample: sample[0],  # the clicked example's question
            self.examples,
            self.question,
            queue=False,
            api_visibility="private",
        ).then(self.respond, chat_in, chat_out, concurrency_id=GENERATE, api_visibility="private")
        cleared = [self.chatbot, self.conv, self.sources, self.article, self.question]
        for listener in (self.new_chat.click, self.chatbot.clear):
            listener(
                self.new_conversation,
                None,
                cleared,
                cancels=[asked, picked],
                queue=False,
                api_visibility="private",
            )
        self.article.click(
            self.show_citation,
            [self.conv],
            [self.sources, self.article],
            concurrency_limit=None,
            show_progress="hidden",
            api_visibility="private",
        )
        return [asked, picked]

    def parts(self) -> dict[str, Any]:
        """The components :func:`ui.conversations_view.attach` reads and restores."""
        return {
            "chatbot": self.chatbot,
            "conv": self.conv,
            "sources": self.sources,
            "article": self.article,
            "top_k": self.top_k,
        }
