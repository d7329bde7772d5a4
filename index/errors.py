"""The one base of every error a user can act on.

Every layer raises a subclass of :class:`NewsdeskError` whose message is one line saying what
went wrong and what to do; every front end (CLI, chat, REST and OpenAI APIs) shows that line
as it is — an ``error:`` line, a chat notice, a JSON ``{"error": ...}`` — and never a traceback.
Anything else is a bug: logged with its traceback, shown as "something went wrong".

Example:
    >>> class Example(NewsdeskError):
    ...     pass
    >>> str(Example("the store is empty: run `newsdesk ingest data/sample` first"))
    'the store is empty: run `newsdesk ingest data/sample` first'
"""

from __future__ import annotations


class NewsdeskError(Exception):
    """A problem the user can fix; ``str()`` is one line that says how."""
