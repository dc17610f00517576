"""Administration REST API: a group's time-outs (permission ``manage_groups``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from lens_server.api.deps import Me
from lens_server.api.schemas import GroupTimeouts, TimeoutsChange
from lens_server.errors import responses
from lens_server.group_admin import GroupAdmin

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
GroupName = Annotated[str, Path(max_length=64, description="The group's name.")]


def group_admin(request: Request) -> GroupAdmin:
    return request.app.state.group_admin


Admin = Annotated[GroupAdmin, Depends(group_admin)]


@router.get(
    "/groups/{name}/timeouts",
    response_model=GroupTimeouts,
    responses=responses(401, 403, 404, 422),
)
def get_timeouts(name: GroupName, who: Me, service: Admin) -> dict[str, Any]:
    """The group's time-outs: those that apply, its own, and the server's defaults."""
    return service.timeouts(who, name)


@router.put(
    "/groups/{name}/timeouts",
    response_model=GroupTimeouts,
    responses=responses(400, 401, 403, 404, 422),
)
def put_timeouts(name: GroupName, body: TimeoutsChange, who: Me, service: Admin) -> dict[str, Any]:
    """Change some of the group's time-outs (fields left out stay; null: the server's
    default). They apply to its technicians' sessions from the next sweep (a PIN's
    validity: to sessions made from now); consoles read them at sign-in."""
    changes = {key: getattr(body, key) for key in body.model_fields_set}
    return service.set_timeouts(who, name, changes)
