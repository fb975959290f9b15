"""The five tenants of the network. The network zone itself is not an institution."""

from enum import StrEnum


class Institution(StrEnum):
    """Institution code, as used in topic names, database names and account ids."""

    UB = "ub"
    UBM = "ubm"
    SCPO = "scpo"
    INP = "inp"
    BSA = "bsa"


#: French names, for reports and the desk.
INSTITUTION_NAMES: dict[Institution, str] = {
    Institution.UB: "Université de Bordeaux",
    Institution.UBM: "Université Bordeaux Montaigne",
    Institution.SCPO: "Sciences Po Bordeaux",
    Institution.INP: "Bordeaux INP",
    Institution.BSA: "Bordeaux Sciences Agro",
}
