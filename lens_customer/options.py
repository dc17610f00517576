"""What a headless customer run is asked to do, independent of how it was asked
(command line, test, benchmark)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lens_customer.sources import SourceSpec


@dataclass(frozen=True)
class CustomerOptions:
    """Join by `link`, or by `server` + `pin`; then send `sources`."""

    link: str | None = None
    server: str | None = None
    pin: str | None = None
    sources: SourceSpec = field(default_factory=SourceSpec)
    audio_out: bool = True
    stats_interval: float = 5.0
    decline: bool = False
    verbose: bool = False
