"""Cleaning rules, checked against the five bundled sample articles."""

from __future__ import annotations

import re

import pytest

from index.clean import clean_article, find_date
from index.documents import RawArticle
from index.loaders import load_file
from index.sentences import split_sentences
from tests.conftest import SAMPLE


def _clean(name: str):
    raw = next(load_file(SAMPLE / name))
    return raw, clean_article(raw)


def test_moscow_times_appeal_is_gone_and_story_survives():
    raw, art = _clean("004_80b4455002d72ebe.txt")
    for phrase in (
        "Support The Moscow Times",
        "Dear readers",
        "undesirable",
        "Remind me later",
        "newsletter",
        "Subscribers agree",
        "paiment methods",
        "Read more",
    ):
        assert phrase.lower() not in art.text.lower(), phrase
    assert art.publisher == "The Moscow Times"
    # Every sentence of the story body (between the caption and the sign-up) survives.
    story = raw.text.split("White Helmets / AP", 1)[1].split("Sign up for our free", 1)[0]
    for start, end in split_sentences(story):
        assert story[start:end] in art.text


@pytest.mark.parametrize(
    ("name", "gone"),
    [
        ("000_f88939bbbeb213e0.txt", ["Updated on"]),
        (
            "001_cc4a43af9f9fdc91.txt",
            ["This story is over 5 years old", "Related:", "(Andrew Kelly/Reuters)"],
        ),
        ("003_b5e0c7ee18c80093.txt", ["3 min read", "[Getty]", "10 February, 2016"]),
    ],
)
def test_page_furniture_removed(name, gone):
    _, art = _clean(name)
    for phrase in gone:
        assert phrase not in art.text


def test_titles_dates_and_publishers():
    titles = {n.name: _clean(n.name)[1] for n in sorted(SAMPLE.glob("*.txt"))}
    assert titles["001_cc4a43af9f9fdc91.txt"].title.startswith("Russia Says It's 'in Bad Taste'")
    assert titles["004_80b4455002d72ebe.txt"].title.startswith("Why Is Moscow Bombing")
    kerry = titles["003_b5e0c7ee18c80093.txt"]
    assert (kerry.published_at, kerry.date_confidence) == ("2016-02-10", "dateline")
    # The title is printed twice on that page: only one copy is kept.
    assert kerry.text.count("Russian air raids damaging Syria peace talks, says Kerry") == 1
    mt = titles["004_80b4455002d72ebe.txt"]
    assert (mt.published_at, mt.date_confidence) == ("2016-09-21", "caption")
    assert titles["002_621a9f7a389d3fa3.txt"].published_at == ""


def test_story_sentences_survive_in_every_sample():
    """Nothing but furniture is removed: long sentences of each raw file are all kept."""
    for path in sorted(SAMPLE.glob("*.txt")):
        raw, art = _clean(path.name)
        norm = raw.text.replace("\u00a0", " ")
        kept = re.sub(r"\s+", " ", art.text)
        for line in norm.split("\n"):
            line = re.sub(r"\s+", " ", line).strip()
            if len(line.split()) >= 12 and not _is_furniture(line):
                assert line in kept, (path.name, line)


def _is_furniture(sentence: str) -> bool:
    markers = (
        "[Getty]",
        "/Reuters)",
        "/ AP",
        "Moscow Times",
        "Dear readers",
        "Prosecutor",
        "silence independent",
        "journalists of",
        "support us monthly",
        "defending open",
        "newsletter",
        "Related:",
        "Your support",
    )
    return any(m in sentence for m in markers)


def test_dates_in_common_formats():
    assert find_date("10 February, 2016") == "2016-02-10"
    assert find_date("Sept. 21, 2016") == "2016-09-21"
    assert find_date("published 2023-10-05T14:00:00+00:00") == "2023-10-05"
    assert find_date("February 30, 2016") is None
    assert find_date("no date here") is None


def test_metadata_date_wins_and_empty_article_rejected():
    art = clean_article(
        RawArticle(
            text="T\n\nBody one two three.",
            file="f",
            source="f",
            published_at="2023-11-02T10:00:00+00:00",
        )
    )
    assert (art.published_at, art.date_confidence) == ("2023-11-02", "metadata")
    with pytest.raises(ValueError, match="nothing left"):
        clean_article(RawArticle(text="Related: x\n3 min read\n", file="f", source="f"))


def test_doc_id_is_a_content_hash():
    a = clean_article(RawArticle(text="Title\n\nSame body here.", file="a", source="a"))
    b = clean_article(RawArticle(text="Title\n\nSame body here.", file="b", source="b"))
    c = clean_article(RawArticle(text="Title\n\nOther body here.", file="a", source="a"))
    assert a.doc_id == b.doc_id != c.doc_id


def test_html_character_references_in_plain_text_are_decoded():
    raw = RawArticle(
        file="/x.jsonl",
        source="x.jsonl#1",
        title="&#039;Massive intel failure&#039;: Hamas&#039; attack",
        text="Officials said &quot;it was a failure&quot; &amp; more. Prices rose 5&#x25; today.",
    )
    article = clean_article(raw)
    assert article.title == "'Massive intel failure': Hamas' attack"
    assert 'said "it was a failure" & more.' in article.text
    assert "rose 5% today" in article.text
