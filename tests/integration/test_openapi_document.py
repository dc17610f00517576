"""What the OpenAPI document promises, read the way a client generator reads it: the
error body, who must send which token, and the limits of the fields."""

from __future__ import annotations

from typing import Any

from lens_server.validation import NAME_MAX
from tests.live_server import LiveServer

ERROR_REF = "#/components/schemas/ErrorResponse"


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_every_error_answer_is_the_error_envelope(live_server: LiveServer) -> None:
    document = live_server.http.get("/openapi.json").json()
    assert "HTTPValidationError" not in str(document)  # FastAPI's {detail} shape is gone
    envelope = document["components"]["schemas"]["ErrorDetail"]
    assert set(envelope["required"]) == {"code", "message", "details"}
    for label, operation in _operations(document):
        errors = {s: r for s, r in operation["responses"].items() if int(s) >= 400}
        assert errors, f"{label} declares no error"
        for status, answer in errors.items():
            schema = answer["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, (label, status)
    declared_422 = {label for label, op in _operations(document) if "422" in op["responses"]}
    assert "POST /api/v1/sessions" in declared_422
    assert "GET /api/v1/sessions/{session_id}" not in declared_422  # cannot fail validation


def test_who_sends_which_token(live_server: LiveServer) -> None:
    document = live_server.http.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["technicianToken"] == schemes["technicianToken"] | {
        "type": "http",
        "scheme": "bearer",
    }
    assert schemes["customerToken"]["scheme"] == "bearer"
    for label, operation in _operations(document):
        wanted = (
            None
            if label in ("POST /api/v1/auth/login", "POST /api/v1/customer/redeem")
            else [{"customerToken": []}]
            if "/customer/" in label
            else [{"technicianToken": []}]
        )
        assert operation.get("security") == wanted, label
        if wanted:
            assert "401" in operation["responses"], label


def test_sign_in_and_redeem_declare_429_with_retry_after(live_server: LiveServer) -> None:
    document = live_server.http.get("/openapi.json").json()
    for path in ("/api/v1/auth/login", "/api/v1/customer/redeem"):
        too_many = document["paths"][path]["post"]["responses"]["429"]
        assert too_many["headers"]["Retry-After"]["required"] is True


def test_the_name_limits_documented_are_the_ones_applied(live_server: LiveServer) -> None:
    document = live_server.http.get("/openapi.json").json()
    name = document["components"]["schemas"]["CreateSession"]["properties"]["name"]
    assert (name["minLength"], name["maxLength"]) == (1, NAME_MAX) == (1, 64)
    tech = live_server.technician()
    longest = live_server.create_session(tech.token, "N" * NAME_MAX)
    assert longest["session"]["name"] == "N" * NAME_MAX
    for refused in ("", "N" * (NAME_MAX + 1)):
        response = live_server.api(
            "POST", "/sessions", tech.token, json={"name": refused, "method": "pin"}
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "invalid_request"
        assert response.json()["error"]["message"].startswith("Invalid request: name:")
