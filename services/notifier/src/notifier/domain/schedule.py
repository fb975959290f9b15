"""Which letters go out on a given day: catch-up, grouping, idempotency and channel."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from .errors import check_same_institution
from .kinds import CHAIN, LetterKind, Stage
from .letters import Letter, LetterItem, choose_channel, idempotency_key
from .loan import LoanInChain
from .paris import days_overdue
from .patron import PatronContact
from .settings import InstitutionSettings
from .stages import current_stage


@dataclass(frozen=True)
class Unreachable:
    """Loans at a stage whose patron cannot be written to; staff must be told."""

    patron_id: str
    stage: Stage
    loan_ids: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class LettersDue:
    """The outcome of one scheduler pass: letters to send and patrons nobody can reach."""

    letters: tuple[Letter, ...]
    unreachable: tuple[Unreachable, ...]


def letters_due(
    loans: Iterable[LoanInChain],
    patrons: Mapping[str, PatronContact],
    today: date,
    already_sent_keys: Collection[str],
    settings: InstitutionSettings,
) -> LettersDue:
    """The letters to send on `today` (a Europe/Paris day) for one institution.

    For each active loan, the stage of `stages.current_stage` (catch-up: only the latest stage
    reached) is due unless its idempotency key is in `already_sent_keys`. Items are grouped
    into one letter per (patron, stage, day). Channel: email, except the settings' post
    stages (recall 3); a patron without the expected contact gets the other channel and the
    letter is flagged `reported_reason`. Patrons unknown or without any contact come back in
    `unreachable`. Running it twice with the keys of the first run returns nothing new.
    """
    groups: dict[tuple[str, Stage], list[LetterItem]] = defaultdict(list)
    for loan in sorted(loans, key=lambda loan: (loan.due_at, loan.title, loan.loan_id)):
        check_same_institution("loan.institution", settings.code, loan.institution)
        if not loan.is_active:
            continue
        reached = current_stage(loan.due_at, loan.due_set_at, today, settings.chain)
        if reached is None:
            continue
        key = idempotency_key(loan.institution, loan.loan_id, reached.stage, loan.due_version)
        if key in already_sent_keys:
            continue
        groups[(loan.patron_id, reached.stage)].append(_item(loan, today, key))

    letters: list[Letter] = []
    unreachable: list[Unreachable] = []
    for (patron_id, stage), items in sorted(groups.items(), key=_group_order):
        patron = patrons.get(patron_id)
        if patron is None:
            unreachable.append(_unreachable(patron_id, stage, items, "patron unknown"))
            continue
        check_same_institution("patron.institution", settings.code, patron.institution)
        choice = choose_channel(patron, by_post=stage in settings.chain.post_stages)
        if choice.channel is None:
            unreachable.append(_unreachable(patron_id, stage, items, str(choice.reported_reason)))
            continue
        letters.append(
            Letter(
                key=f"{settings.code}:{patron_id}:{stage.value}:{today.isoformat()}",
                institution=settings.code,
                kind=LetterKind.of_stage(stage),
                patron=patron,
                day=today,
                channel=choice.channel,
                items=tuple(items),
                reported_reason=choice.reported_reason,
            )
        )
    return LettersDue(tuple(letters), tuple(unreachable))


def _item(loan: LoanInChain, today: date, key: str) -> LetterItem:
    return LetterItem(
        loan_id=loan.loan_id,
        title=loan.title,
        item_barcode=loan.item_barcode,
        library=loan.library,
        due_at=loan.due_at,
        days_overdue=days_overdue(loan.due_at, today),
        idempotency_key=key,
    )


def _group_order(group: tuple[tuple[str, Stage], list[LetterItem]]) -> tuple[str, int]:
    (patron_id, stage), _ = group
    return patron_id, CHAIN.index(stage)


def _unreachable(patron_id: str, stage: Stage, items: list[LetterItem], reason: str) -> Unreachable:
    return Unreachable(patron_id, stage, tuple(i.loan_id for i in items), reason)
