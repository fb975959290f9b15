"""One institution's circulation and notifier apps as end-to-end tests run them in process: fast
consumers, no background jobs or daily pass, letters to a local SMTP sink and a letter folder,
both services' clocks at one moment."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from circulation.entrypoints.http import create_app as circulation_app
from circulation.settings import CirculationSettings
from notifier.entrypoints.http import create_app as notifier_app
from notifier.settings import NotifierSettings, SmtpSettings
from rebub_shared.clock import MovableClock


def circulation_and_notifier(
    tenant: str, common: dict[str, Any], smtp_port: int, letters_dir: Path, now: datetime
) -> dict[str, FastAPI]:
    """``{"circulation": ..., "notifier": ...}`` of ``tenant`` (``common``: the settings both
    take, e.g. environment, kafka, mongo, auth)."""
    return {
        "circulation": circulation_app(
            CirculationSettings(tenant=tenant, jobs_enabled=False, **common), MovableClock(now)
        ),
        "notifier": notifier_app(
            NotifierSettings(
                tenant=tenant,
                smtp=SmtpSettings(port=smtp_port, attempts=1),
                letters_dir=letters_dir,
                scheduler_enabled=False,
                **common,
            ),
            MovableClock(now),
        ),
    }
