"""The policy file re-read when it changes, so a calendar or rule change needs no new image.

In production the policies directory is a ConfigMap volume (``deploy/k8s``): the kubelet swaps
the files in place within about a minute of ``kubectl apply``; this watcher reads the file every
``interval_s`` and, when its text changed, validates it whole and puts it in force. A file that
fails validation is refused with the reasons logged, and the version in force stays.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from circulation.domain.errors import PolicyFileError
from circulation.domain.policies import load_institution_policy
from circulation.service_layer.context import CurrentPolicy
from rebub_shared.logging import get_logger
from rebub_shared.periodic import Periodic

log = get_logger(__name__)


class PolicyWatcher:
    """Re-reads ``policies_dir/{institution}.yaml`` and replaces the policy in force on change."""

    def __init__(self, current: CurrentPolicy, policies_dir: Path) -> None:
        self.current, self.policies_dir = current, policies_dir
        self.path = policies_dir / f"{current.value.institution}.yaml"
        self._seen = self._fingerprint()

    def _fingerprint(self) -> str | None:
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest()
        except OSError:  # mid-swap or gone: try again next time
            return None

    async def check(self) -> bool:
        """Reload if the file changed since last seen; True when a new version is in force."""
        seen = self._fingerprint()
        if seen is None or seen == self._seen:
            return False
        self._seen = seen
        try:
            policy = load_institution_policy(self.current.value.institution, self.policies_dir)
        except PolicyFileError as error:
            log.error("policy_reload_refused", file=str(self.path), error=str(error))
            return False
        self.current.replace(policy)
        log.info("policy_reloaded", file=str(self.path), sha256=seen[:12])
        return True

    def loop(self, interval_s: float) -> Periodic:
        """The background check, every ``interval_s`` seconds."""

        async def step() -> None:
            await self.check()

        return Periodic("circulation-policy-reload", step, interval_s, first_after=True)
