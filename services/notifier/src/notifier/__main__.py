"""``python -m notifier``: run one institution's notifier with settings from the environment
(``REBUB_NOTIFIER__TENANT=ub``, ``REBUB_NOTIFIER__SMTP__PORT``..., see ``settings``)."""

from __future__ import annotations

from rebub_shared.serving import serve

from .entrypoints.http import create_app
from .entrypoints.kafka import SERVICE
from .settings import NotifierSettings


def main() -> None:
    """Run the notifier with uvicorn on the configured host and port."""
    # the tenant comes from the environment
    serve(SERVICE, NotifierSettings(), create_app)  # type: ignore[call-arg]


if __name__ == "__main__":
    main()
