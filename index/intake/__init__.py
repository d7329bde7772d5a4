"""News intake: article pages, RSS/Atom feeds and sitemaps fetched over HTTP(S).

* :mod:`index.intake.ssrf` decides which addresses may be fetched at all;
* :mod:`index.intake.fetch` fetches politely (robots.txt, per-host delay, conditional GET,
  timeouts, size and redirect limits, content types) over :mod:`index.intake.transport`;
* :mod:`index.intake.detect` tells an article page from a feed or a sitemap by its content;
* :mod:`index.intake.extract` turns a page into text and metadata (trafilatura, htmldate,
  courlan) and :mod:`index.intake.sources` reads feeds and sitemaps (feedparser, usp);
* :mod:`index.intake.dedupe` finds wire copies (MinHash/LSH);
* :mod:`index.intake.feeds` keeps the feed registry and the fetched articles in the shared
  database;
* :mod:`index.intake.service` is the intake's entry point; :mod:`index.intake.refresh`
  refreshes a feed, :mod:`index.intake.listings` finds its (changed) entries and
  :mod:`index.intake.articles` fetches, versions and ingests one article.
"""
