"""The HTTP API served beside the chat: ``/api/v1`` (REST) and ``/v1`` (OpenAI-compatible).

See :mod:`ui.api.server` for how it is assembled and served, :mod:`ui.api.rest`,
:mod:`ui.api.articles` and :mod:`ui.api.openai_compat` for the routes, :mod:`ui.api.auth` for
keys and exposure, :mod:`ui.api.schemas` for the bodies, :mod:`ui.api.errors` for errors.
"""
