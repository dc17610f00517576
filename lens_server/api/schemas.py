"""Request bodies. Strict types and size limits: oversized or mistyped input is a 422
with the field named, before any state is touched."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lens_server.validation import clean_email, clean_name, clean_pin


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class LoginRequest(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class CreateSession(Strict):
    type: Literal["lens"] = "lens"
    name: str = Field(max_length=512)
    method: Literal["pin", "email", "link"]
    delivery: Literal["server", "client"] | None = None
    to: str | None = Field(default=None, max_length=254)
    language: Literal["en", "nl"] = "en"

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_name(value)

    @field_validator("to")
    @classmethod
    def _to(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else clean_email(value)

    @model_validator(mode="after")
    def _email_fields(self) -> CreateSession:
        if self.method == "email":
            if self.delivery is None:
                raise ValueError("delivery is required for email sessions ('server' or 'client')")
            if self.delivery == "server" and not self.to:
                raise ValueError("to: an email address is required to send on your behalf")
        elif self.delivery is not None or self.to is not None:
            raise ValueError("delivery and to are only for method 'email'")
        return self


class ResendEmail(Strict):
    to: str = Field(max_length=254)
    language: Literal["en", "nl"] | None = None

    @field_validator("to")
    @classmethod
    def _to(cls, value: str) -> str:
        return clean_email(value)


class Redeem(Strict):
    pin: str | None = Field(default=None, max_length=32)
    link_token: str | None = Field(default=None, max_length=128)

    @field_validator("pin")
    @classmethod
    def _pin(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else clean_pin(value)
