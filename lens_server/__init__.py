"""Lens server: accounts, sessions, PINs, email, live session list, signaling."""

__version__ = "0.1.0"
