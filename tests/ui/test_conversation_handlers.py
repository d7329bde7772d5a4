"""What a page load does with the conversation the browser remembers, on a real SQLite
database and, for the outage, a PostgreSQL URL nothing listens on."""

from __future__ import annotations

import uuid
from pathlib import Path

from index.settings import Settings
from qa.conversations import Conversations
from tests.api.test_units import answer
from tests.conftest import free_port
from ui.chat_tab import Conversation
from ui.conversation_handlers import ConversationHandlers


def saved(settings: Settings) -> tuple[dict[str, str], str]:
    """A browser id and the conversation it has open (two turns)."""
    browser = uuid.uuid4().hex
    store = Conversations.open(settings)
    cid, _ = store.add_turn(f"browser:{browser}", None, answer(), {})
    store.add_turn(f"browser:{browser}", cid, answer("And then?", refused=True), {})
    return {"id": browser, "open": cid}, cid


def test_a_reload_reopens_the_open_conversation(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    stored, cid = saved(settings)
    out = ConversationHandlers(settings, Conversation).load(dict(stored), None)  # type: ignore[arg-type]
    kept, state, conv = out[0], out[1], out[-3]
    assert kept == stored
    assert state["open"] == cid and state["saved"] == 2
    assert [a.question for a in conv.answers] == ["Who is the envoy?", "And then?"]


def test_a_deleted_conversation_is_forgotten(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    stored, cid = saved(settings)
    Conversations.open(settings).delete(cid, f"browser:{stored['id']}")
    out = ConversationHandlers(settings, Conversation).load(dict(stored), None)  # type: ignore[arg-type]
    assert out[0] == {"id": stored["id"], "open": None}
    assert out[1]["open"] is None


def test_a_database_outage_does_not_forget_the_open_conversation(tmp_path: Path) -> None:
    stored, _ = saved(Settings(data_dir=tmp_path))
    down = Settings(
        data_dir=tmp_path, database_url=f"postgresql+psycopg://nd:nd@127.0.0.1:{free_port()}/nd"
    )
    out = ConversationHandlers(down, Conversation).load(dict(stored), None)  # type: ignore[arg-type]
    assert out[0] == stored  # still remembered: the next reload, with the database back, reopens it
    assert out[1]["open"] is None  # nothing shown as open meanwhile
    assert "saved conversations are unavailable" in out[3]  # the sidebar's note
