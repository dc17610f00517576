"""The customer web app's pages and the security headers every answer carries."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response

from lens_server.api.deps import SettingsDep
from lens_server.errors import ApiError, error_body
from lens_server.views import LOGO_PATH

STATIC = Path(__file__).parent / "static"
LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
APP_PAGE = STATIC / "customer" / "index.html"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self' ws: wss:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # The join link carries a secret: never send it on as a Referer.
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(self), microphone=(self), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

router = APIRouter(include_in_schema=False)


def _app_page() -> Response:
    if not APP_PAGE.is_file():
        return JSONResponse(error_body("app_missing", "The customer app is not installed."), 503)
    return FileResponse(APP_PAGE, media_type="text/html", headers={"Cache-Control": "no-store"})


@router.get("/")
def start_page() -> Response:
    return _app_page()


@router.get("/join/{link_token}")
def join_page(link_token: str) -> Response:
    return _app_page()


@router.get(LOGO_PATH)
def organisation_logo(settings: SettingsDep) -> Response:
    """The organisation's logo from the file the settings name: served from this
    origin, so the page's CSP (img-src 'self') needs no exception."""
    path = Path(settings.organisation_logo) if settings.organisation_logo else None
    kind = LOGO_TYPES.get(path.suffix.lower()) if path else None
    if path is None or kind is None or not path.is_file():
        raise ApiError(404, "logo_missing", "No organisation logo is configured on this server.")
    return FileResponse(path, media_type=kind, headers={"Cache-Control": "max-age=3600"})
