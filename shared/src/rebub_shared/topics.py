"""Topic names: ``nz.*`` network zone, ``net.*`` shared between institutions, ``{inst}.*`` one
institution's own; each with a version suffix. A prefix (empty in production) gives each test its own
topics.
"""

from __future__ import annotations

from dataclasses import dataclass

from rebub_shared.tenancy import InstitutionCode, TenantCode, institution

DEAD_LETTER_SUFFIX = ".dlq"


@dataclass(frozen=True, slots=True)
class Topics:
    """The network's topic names, under an optional prefix."""

    prefix: str = ""

    def _name(self, name: str) -> str:
        return f"{self.prefix}{name}"

    @property
    def nz_patron(self) -> str:
        """Network zone patron accounts (compacted, key = primary id)."""
        return self._name("nz.patron.v1")

    @property
    def external_reader(self) -> str:
        """External readers created in one institution, copied into all five (compacted)."""
        return self._name("net.external-reader.v1")

    @property
    def loan_activity(self) -> str:
        """Minimal loan summaries for the network activity tab."""
        return self._name("net.loan-activity.v1")

    @property
    def erasure(self) -> str:
        """Erasure confirmations of every institution's services, for the network zone."""
        return self._name("net.erasure.v1")

    def patron(self, inst: InstitutionCode) -> str:
        """One institution zone's patron changes (for its circulation and notifier)."""
        return self._name(f"{institution(inst).code}.patron.v1")

    def loan(self, inst: InstitutionCode) -> str:
        """One institution's loan events (key = patron id)."""
        return self._name(f"{institution(inst).code}.circulation.loan.v1")

    def loan_state(self, inst: InstitutionCode) -> str:
        """The current state of one institution's open loans (compacted, key = loan id)."""
        return self._name(f"{institution(inst).code}.circulation.loan-state.v1")

    def request(self, inst: InstitutionCode) -> str:
        """One institution's request events (holds, recalls, hold shelf)."""
        return self._name(f"{institution(inst).code}.circulation.request.v1")

    def item(self, inst: InstitutionCode) -> str:
        """One institution's item events (staff status changes; key = item barcode)."""
        return self._name(f"{institution(inst).code}.circulation.item.v1")

    def letter(self, inst: InstitutionCode) -> str:
        """Letters one institution's notifier sent."""
        return self._name(f"{institution(inst).code}.notifier.letter.v1")

    def dead_letter(self, topic: str, tenant: TenantCode) -> str:
        """Where a tenant's consumer of ``topic`` sends what it cannot process.

        Dead letters are the consumer's own: ``{tenant}.dlq.<topic without prefix>``.
        """
        bare = topic.removeprefix(self.prefix)
        return self._name(f"{tenant}{DEAD_LETTER_SUFFIX}.{bare}")

    def group(self, tenant: TenantCode, service: str, purpose: str = "main") -> str:
        """A consumer group name, owned by one tenant: ``{tenant}.{service}.{purpose}``."""
        return self._name(f"{tenant}.{service}.{purpose}")
