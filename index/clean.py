"""Turn a raw article into clean text: boilerplate out, title, publisher and date found.

The rules live in ``boilerplate.toml`` next to this module; this code only applies them.

Example:
    >>> from index.documents import RawArticle
    >>> raw = RawArticle(text="Title\\n3 min read\\nBody text.", file="f", source="f")
    >>> art = clean_article(raw)
    >>> art.title, art.text
    ('Title', 'Title\\n\\nBody text.')
"""

from __future__ import annotations

import html
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from index.documents import Article, RawArticle, content_hash

RULES_PATH = Path(__file__).with_name("boilerplate.toml")

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
#: A month's name or abbreviation, as a regex alternation (no group); see :func:`month_number`.
MONTH_NAMES = (
    r"Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
    r"Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
_MONTH_RE = rf"(?P<month>{MONTH_NAMES})\.?"
DATE_PATTERNS = [
    re.compile(rf"\b(?P<day>\d{{1,2}})\s+{_MONTH_RE},?\s+(?P<year>(19|20)\d\d)\b", re.I),
    re.compile(rf"\b{_MONTH_RE}\s+(?P<day>\d{{1,2}}),?\s+(?P<year>(19|20)\d\d)\b", re.I),
    re.compile(r"\b(?P<year>(19|20)\d\d)-(?P<mnum>\d\d)-(?P<day>\d\d)(?!\d)"),
]


@dataclass(frozen=True)
class Rules:
    """Compiled cleaning rules."""

    truncate_at: tuple[re.Pattern[str], ...]
    drop_line: tuple[re.Pattern[str], ...]
    caption: tuple[re.Pattern[str], ...]
    publisher: tuple[tuple[re.Pattern[str], str], ...]


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_PATH) -> Rules:
    """Read and compile the TOML rules file."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))

    def compile_all(key: str) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(r["pattern"], re.I) for r in data.get(key, []))

    return Rules(
        truncate_at=compile_all("truncate_at"),
        drop_line=compile_all("drop_line"),
        caption=compile_all("caption"),
        publisher=tuple(
            (re.compile(r["pattern"], re.I), r["publisher"]) for r in data.get("publisher", [])
        ),
    )


def month_number(name: str) -> int:
    """1..12 for a month name or abbreviation ('Sept.' → 9)."""
    return _MONTHS[name.lower().rstrip(".")[:3]]


def find_date(text: str) -> str | None:
    """The first date in ``text`` as ISO ``YYYY-MM-DD``, or None.

    >>> find_date("Rescue workers ... Sept. 21, 2016. AP")
    '2016-09-21'
    >>> find_date("10 February, 2016")
    '2016-02-10'
    """
    best: tuple[int, str] | None = None
    for pattern in DATE_PATTERNS:
        m = pattern.search(text)
        if not m:
            continue
        groups = m.groupdict()
        month = int(groups["mnum"]) if groups.get("mnum") else month_number(groups["month"])
        try:
            iso = datetime(int(groups["year"]), month, int(groups["day"])).date().isoformat()
        except ValueError:
            continue
        if best is None or m.start() < best[0]:
            best = (m.start(), iso)
    return best[1] if best else None


def normalize_date(value: str | None) -> str:
    """An ISO date (``YYYY-MM-DD``) from metadata such as ``2023-10-05T14:00:00+00:00``."""
    if not value:
        return ""
    m = re.match(r"\s*((19|20)\d\d-\d\d-\d\d)", value)
    if m:
        return m.group(1)
    return find_date(value) or ""


def _is_dateline(line: str) -> bool:
    """A short line that is nothing but a date (e.g. '10 February, 2016')."""
    return len(line) <= 40 and find_date(line) is not None and len(line.split()) <= 6


#: HTML character references left in plain text by scrapers ("Hamas&#039; attack").
_ENTITY = re.compile(
    r"&(#\d{1,6}|#x[0-9a-fA-F]{1,6}|amp|quot|apos|lt|gt|nbsp|[mn]dash|[lr][sd]quo|hellip);"
)


def _normalize(text: str) -> str:
    text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    # Control characters other than newline and tab carry no text.
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)


@dataclass
class _Kept:
    """The story lines of a page, and what the dropped lines told about it."""

    lines: list[str]
    publisher: str
    dateline: str | None = None
    caption_date: str | None = None


def _keep_story_lines(text: str, rules: Rules, publisher: str) -> _Kept:
    """Drop boilerplate lines (stop at a truncation marker); note publisher and dates."""
    kept = _Kept([], publisher)
    for line in _normalize(text).split("\n"):
        line = line.strip()
        if not line:
            if kept.lines and kept.lines[-1] != "":
                kept.lines.append("")
            continue
        if any(p.search(line) for p in rules.truncate_at):
            break
        named = next((name for p, name in rules.publisher if p.search(line)), None)
        if named:
            kept.publisher = kept.publisher or named
        elif any(p.search(line) for p in rules.drop_line):
            continue
        elif any(p.search(line) for p in rules.caption):
            kept.caption_date = kept.caption_date or find_date(line)
        elif _is_dateline(line):
            kept.dateline = kept.dateline or find_date(line)
        else:
            kept.lines.append(line)
    while kept.lines and kept.lines[0] == "":
        kept.lines.pop(0)
    return kept


def _publication_date(raw: RawArticle, kept: _Kept) -> tuple[str, str]:
    """(date, where it came from): metadata, else a dateline, else a photo caption."""
    if raw.published_at:
        return normalize_date(raw.published_at), "metadata"
    if kept.dateline:
        return kept.dateline, "dateline"
    if kept.caption_date:
        return kept.caption_date, "caption"
    return "", ""


def clean_article(raw: RawArticle, rules: Rules | None = None, now: str | None = None) -> Article:
    """Clean one raw article; raises ValueError if nothing of the story is left."""
    kept = _keep_story_lines(raw.text, rules or load_rules(), raw.publisher or "")
    lines = kept.lines
    if not lines:
        raise ValueError("nothing left after removing boilerplate")
    title = _normalize(raw.title).strip() if raw.title else lines[0]
    # Drop repeats of the title right after it (pages often print it twice).
    body_start = 1 if lines[0] == title else 0
    body = [ln for i, ln in enumerate(lines[body_start:]) if not (i < 3 and ln == title)]
    text = "\n".join([title, "", *body]).strip()
    text = re.sub(r"\n{3,}", "\n\n", text)
    if len(text.split()) < 3:
        raise ValueError("nothing left after removing boilerplate")
    published, confidence = _publication_date(raw, kept)
    return Article(
        doc_id=content_hash(text),
        title=title,
        text=text,
        file=raw.file,
        source=raw.source,
        publisher=kept.publisher,
        published_at=published,
        date_confidence=confidence if published else "",
        external_id=raw.external_id or "",
        url=raw.source if re.match(r"(?i)https?://", raw.source) else "",
        ingested_at=now or datetime.now(UTC).isoformat(timespec="seconds"),
    )
