"""The OpenAPI document: valid, served with the docs, and listing every API route."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.slow

ROUTES = {
    ("post", "/api/v1/ask"),
    ("get", "/api/v1/articles"),
    ("post", "/api/v1/articles"),
    ("delete", "/api/v1/articles/{doc_id}"),
    ("get", "/api/v1/health"),
    ("get", "/api/v1/conversations"),
    ("get", "/api/v1/conversations/{conversation_id}"),
    ("patch", "/api/v1/conversations/{conversation_id}"),
    ("delete", "/api/v1/conversations/{conversation_id}"),
    ("get", "/api/v1/conversations/{conversation_id}/markdown"),
    ("post", "/api/v1/feedback"),
    ("get", "/v1/models"),
    ("post", "/v1/chat/completions"),
}


def test_openapi_document_is_valid_and_complete(anonymous: httpx.Client) -> None:
    from openapi_spec_validator import validate

    doc = anonymous.get("/api/openapi.json").json()
    validate(doc)
    listed = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert listed == ROUTES
    # the app's own routes are the same set (nothing served that the document leaves out)
    from ui.api.openai_compat import router as openai_router
    from ui.api.rest import router as rest_router
    from ui.api.service import Service

    service = Service(assistant=None, settings=None, answerers=["extractive"], default="extractive")  # type: ignore[arg-type]
    served = {
        (m.lower(), r.path)
        for router in (rest_router(service), openai_router(service))
        for r in router.routes
        for m in r.methods - {"HEAD"}
    }
    assert served == ROUTES
    # bodies and errors are documented
    ask = doc["paths"]["/api/v1/ask"]["post"]
    assert "AskRequest" in str(ask["requestBody"]) and "text/event-stream" in str(ask["responses"])
    assert {"400", "401", "404", "413", "422", "503"} <= set(ask["responses"])
    upload = doc["paths"]["/api/v1/articles"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "application/json"} <= set(upload)
    assert "HTTPBearer" in doc["components"]["securitySchemes"]


def test_docs_page_is_served(anonymous: httpx.Client) -> None:
    page = anonymous.get("/api/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower()
    assert "/api/openapi.json" in page.text
