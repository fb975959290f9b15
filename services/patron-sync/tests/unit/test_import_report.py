"""Import report: counts add up and reject lines read well."""

from patron_sync.domain.import_report import ImportTally, Reject
from patron_sync.domain.nz_accounts import ImportOutcome


def test_report_counts() -> None:
    tally = ImportTally()
    for outcome in (ImportOutcome.CREATED, ImportOutcome.CREATED, ImportOutcome.UNCHANGED):
        tally.count(outcome)
    tally.count(ImportOutcome.UPDATED)
    reject = Reject(position=7, position_kind="line", primary_id="22000006",
                    field="expiry_date", value="2027-02-30", reason="not a date YYYY-MM-DD")  # fmt: skip
    tally.reject(reject)
    tally.absent = 3
    report = tally.report()
    assert (report.received, report.created, report.updated, report.unchanged) == (5, 2, 1, 1)
    assert (report.rejected, report.absent) == ((reject,), 3)
    assert reject.line() == ("line 7 [22000006]: expiry_date='2027-02-30': not a date YYYY-MM-DD")
