"""The OpenAPI document tells the truth: schemathesis generates valid and invalid requests
from it, sends them to a live server, and checks every answer against the document
(declared status, content type, body schema, headers, and never a 5xx)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.live_server import LiveServer

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES_PER_MODE = 12  # per operation and kind of request (valid, invalid, real session)
EXAMPLE_DEADLINE_MS = 3000
TIME_BUDGET_S = 90
SIGN_OUT = "/api/v1/auth/logout"


@dataclass
class Run:
    """What the run did: every case counts, every broken promise is kept."""

    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


@pytest.mark.timeout(2 * TIME_BUDGET_S)
def test_every_answer_matches_the_openapi_document(live_server: LiveServer) -> None:
    tech = live_server.technician()
    session, customer = live_server.join_waiting(tech.token)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json")
    run = Run()
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()), key=lambda op: op.path == SIGN_OUT
    )
    tokens = {op.label: _headers_for(op, live_server, tech, customer) for op in operations}
    started = time.monotonic()
    with requests.Session() as http:
        for operation in operations:
            cases = _cases(operation, session["id"])
            _exercise(operation, cases, http, live_server.url, tokens[operation.label], run)
    elapsed = time.monotonic() - started
    print(
        f"schemathesis: {run.cases} cases in {elapsed:.1f} s; statuses {sorted(run.statuses.items())}"
    )
    assert not run.failures, "\n\n".join(run.failures)
    assert run.cases >= 17 * EXAMPLES_PER_MODE, run  # every operation was really exercised
    assert {200, 401, 404, 422} <= set(run.statuses), run.statuses  # answers of every kind
    assert elapsed < TIME_BUDGET_S, f"the run took {elapsed:.0f} s, over its {TIME_BUDGET_S} s"


def _cases(operation: Any, session_id: str) -> Any:
    """Valid and invalid requests; where a path names a session, also the real one."""
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if "{session_id}" in operation.path:
        real = {"session_id": session_id}
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real))
    return st.one_of(strategies)


def _headers_for(
    operation: Any, server: LiveServer, tech: Any, customer: str
) -> Callable[[], dict[str, str]]:
    """The token each route takes. Sign-out runs last (it revokes what it is given) and
    first spends a few tokens of its own, made before any fuzzing, which may trip the
    sign-in throttle."""
    if operation.path.startswith("/api/v1/customer/"):
        return lambda: {"Authorization": f"Bearer {customer}"}
    if operation.path == SIGN_OUT:
        spare = [server.login(tech.email, tech.password) for _ in range(4)]
        return lambda: {"Authorization": f"Bearer {spare.pop() if spare else tech.token}"}
    return lambda: {"Authorization": f"Bearer {tech.token}"}


def _exercise(
    operation: Any,
    cases: Any,
    http: requests.Session,
    base_url: str,
    headers: Callable[[], dict[str, str]],
    run: Run,
) -> None:
    @hypothesis.settings(
        max_examples=3 * EXAMPLES_PER_MODE,
        deadline=EXAMPLE_DEADLINE_MS,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report, don't search
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=cases)
    def one(case: Any) -> None:
        run.cases += 1
        try:
            response = case.call_and_validate(
                base_url=base_url, session=http, headers=headers(), checks=CHECKS
            )
        except FailureGroup as exc:
            run.failures.append(f"{operation.label}: {exc}")
            return
        run.statuses[response.status_code] = run.statuses.get(response.status_code, 0) + 1

    one()


@pytest.mark.sqlite_only  # about the checks, not the database
@pytest.mark.parametrize("enabled", [False, True])
def test_checks_catch_a_lying_document(live_server: LiveServer, enabled: bool) -> None:
    """The checks above can fail: against a document that leaves out the 404 the server
    really gives, status_code_conformance reports it."""
    tech = live_server.technician()
    document = live_server.http.get("/openapi.json").json()
    get_one = document["paths"]["/api/v1/sessions/{session_id}"]["get"]
    if enabled:
        del get_one["responses"]["404"]
    schema = schemathesis.openapi.from_dict(document)
    operation = schema.find_operation_by_label("GET /api/v1/sessions/{session_id}")
    case = operation.Case(path_parameters={"session_id": "nosuch"})
    call = case.call(base_url=live_server.url, headers={"Authorization": f"Bearer {tech.token}"})
    assert call.status_code == 404
    if enabled:
        with pytest.raises(FailureGroup, match="Undocumented status code"):
            case.validate_response(call, checks=CHECKS)
    else:
        case.validate_response(call, checks=CHECKS)
