"""Pure domain of patron synchronisation: no I/O, no system clock ("now" is always a parameter).

Map of the modules (read in this order):

- ``institutions``: the five tenants (institution codes).
- ``user_groups``: user group codes, French labels, which groups each source's feed may use.
- ``patron``: :class:`PatronRecord`, the owner-kept fields of an account (for an external account:
  the NZ-owned fields coming from the DSI feed).
- ``accounts``: :class:`Patron`, an account in one institution zone: kind, record, version and the
  :class:`InstitutionAdditions` kept by that IZ only.
- ``feed_records``: turns one raw feed record into a :class:`PatronRecord` or a :class:`Reject`.
- ``fingerprint``: stable content hash of a record (no event when nothing changed).
- ``nz_accounts``: the network zone's side of an import (created / updated / unchanged).
- ``absence``: full vs delta imports, absent accounts and when they expire.
- ``merge``: NZ -> IZ versioned upsert; refusal of local edits of NZ-owned fields.
- ``additions``: what an IZ may add (barcodes, notes, local blocks, statistics).
- ``external_readers``: creation in one IZ, fan-out copies, propagated contact / expiry changes.
- ``waiting``: waiting accounts and their merge into the institutional account.
- ``search``: accent- and case-insensitive name search keys.
- ``import_report``: :class:`Reject` and :class:`ImportReport`.
- ``events``: domain events (past tense) the service layer publishes.
- ``errors``: every named error; each message names the field and the value.
"""
