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
_MONTH_RE = (
    r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|"
    r"Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
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


def clean_article(raw: RawArticle, rules: Rules | None = None, now: str | None = None) -> Article:
    """Clean one raw article; raises ValueError if nothing of the story is left."""
    rules = rules or load_rules()
    publisher = raw.publisher or ""
    dateline = caption_date = None
    kept: list[str] = []
    for line in _normalize(raw.text).split("\n"):
        line = line.strip()
        if not line:
            if kept and kept[-1] != "":
                kept.append("")
            continue
        if any(p.search(line) for p in rules.truncate_at):
            break
        named = next((name for p, name in rules.publisher if p.search(line)), None)
        if named:
            publisher = publisher or named
            continue
        if any(p.search(line) for p in rules.drop_line):
            continue
        if any(p.search(line) for p in rules.caption):
            caption_date = caption_date or find_date(line)
            continue
        if _is_dateline(line):
            dateline = dateline or find_date(line)
            continue
        kept.append(line)

    lines = kept
    while lines and lines[0] == "":
        lines.pop(0)
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

    if raw.published_at:
        published, confidence = normalize_date(raw.published_at), "metadata"
    elif dateline:
        published, confidence = dateline, "dateline"
    elif caption_date:
        published, confidence = caption_date, "caption"
    else:
        published, confidence = "", ""
    return Article(
        doc_id=content_hash(text),
        title=title,
        text=text,
        file=raw.file,
        source=raw.source,
        publisher=publisher,
        published_at=published,
        date_confidence=confidence if published else "",
        external_id=raw.external_id or "",
        url=raw.source if re.match(r"(?i)https?://", raw.source) else "",
        ingested_at=now or datetime.now(UTC).isoformat(timespec="seconds"),
    )
