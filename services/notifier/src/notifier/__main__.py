"""``python -m notifier``: run one institution's notifier with settings from the environment
(``REBUB_NOTIFIER__TENANT=ub``, ``REBUB_NOTIFIER__SMTP__PORT``..., see ``settings``)."""

from __future__ import annotations

import uvicorn

from rebub_shared.logging import configure_logging

from .entrypoints.http import create_app
from .entrypoints.kafka import SERVICE
from .settings import NotifierSettings


def main() -> None:
    settings = NotifierSettings()  # type: ignore[call-arg]  # the tenant comes from the environment
    configure_logging(service=SERVICE, tenant=settings.tenant, json=settings.log_json)
    app = create_app(settings)
    uvicorn.run(app, host=settings.http.host, port=settings.http.port, log_config=None)


if __name__ == "__main__":
    main()
