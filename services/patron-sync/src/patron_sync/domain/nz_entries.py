"""What an institution zone keeps of a network account it has not linked (issue 21, minimal
copies): what a desk search needs and nothing else. No email, address, phone, user group, expiry
or campus: the full record is read from the network zone when the account is linked (first use).
"""

from pydantic import BaseModel, ConfigDict

from patron_sync.domain.nz_accounts import NzAccount
from patron_sync.domain.search import NameEntry, name_keys, search_key
from rebub_shared.tenancy import InstitutionCode


class NzEntry(BaseModel):
    """One network account in an institution's projection of ``nz.patron.v1``.

    ``last_name`` and ``first_name`` are kept as written because a search result shows them (the
    normalised ``name_keys`` alone would show "lemaitre leo" for "Lemaître Léo"); the source
    institution ranks the institution's own people first; ``barcodes`` find a card not yet here.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    primary_id: str
    version: int
    last_name: str
    first_name: str = ""
    source_institution: InstitutionCode
    name_keys: tuple[str, ...]
    barcodes: tuple[str, ...] = ()

    @classmethod
    def of(cls, account: NzAccount) -> "NzEntry":
        """The entry of ``account`` (its contact data left out)."""
        record = account.record
        return cls(
            primary_id=record.primary_id,
            version=account.version,
            last_name=record.last_name,
            first_name=record.first_name,
            source_institution=record.source_institution,
            name_keys=name_keys(record),
            barcodes=tuple(sorted(record.barcodes())),
        )

    def name_entry(self) -> NameEntry:
        """The name index's entry of this account."""
        return NameEntry(
            self.primary_id,
            self.name_keys,
            search_key(self.last_name),
            search_key(self.first_name),
            self.source_institution,
        )


#: The fields an institution's projection holds of an unlinked network account (the register of
#: docs/privacy.md names them; a test compares).
NZ_ENTRY_FIELDS: frozenset[str] = frozenset(NzEntry.model_fields)
