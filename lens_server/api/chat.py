"""Chat REST API, both sides (lens_server.chat): send a message, read the history.

The technician uses their session's path with their bearer token; the customer uses
``/api/v1/customer/chat`` with the customer token, as for the page's other calls.
New messages arrive on each side's socket as ``{"type": "chat", ...}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from lens_server.api.deps import Me, customer_bearer
from lens_server.api.schemas import ChatLog, ChatMessageView, ChatPost
from lens_server.chat import ChatService
from lens_server.errors import responses

technician_router = APIRouter(prefix="/api/v1", tags=["technician"])
customer_router = APIRouter(prefix="/api/v1/customer", tags=["customer"])
CustomerToken = Annotated[str, Depends(customer_bearer)]


def chat_service(request: Request) -> ChatService:
    return request.app.state.chat


Chat = Annotated[ChatService, Depends(chat_service)]


@technician_router.post(
    "/sessions/{session_id}/chat",
    status_code=201,
    response_model=ChatMessageView,
    responses=responses(400, 401, 404, 409, 422, 429),
)
def technician_send(session_id: str, body: ChatPost, who: Me, chat: Chat) -> dict[str, Any]:
    """Send a chat message to the customer of your own session, while it is waiting,
    active, on hold or reconnecting (else 409 `invalid_state`). Too long, empty or
    with control characters: 422 `invalid_request`; more than 5 at once or one a
    second after that: 429 `chat_rate_limited`; past 500 in the session: 409
    `chat_full`. The message is pushed to the customer and to all your consoles."""
    return chat.technician_send(who, session_id, body.text)


@technician_router.get(
    "/sessions/{session_id}/chat", response_model=ChatLog, responses=responses(401, 404)
)
def technician_history(session_id: str, who: Me, chat: Chat) -> dict[str, Any]:
    """All the chat messages of your session, oldest first (in any state)."""
    return {"messages": chat.technician_history(who, session_id)}


@customer_router.post(
    "/chat",
    status_code=201,
    response_model=ChatMessageView,
    responses=responses(400, 401, 409, 422, 429),
)
def customer_send(body: ChatPost, token: CustomerToken, chat: Chat) -> dict[str, Any]:
    """Send a chat message to the technician, with the same rules as the technician's."""
    return chat.customer_send(token, body.text)


@customer_router.get("/chat", response_model=ChatLog, responses=responses(401))
def customer_history(token: CustomerToken, chat: Chat) -> dict[str, Any]:
    """All the chat messages of the customer's session, oldest first."""
    return {"messages": chat.customer_history(token)}
