"""User groups: the codes shared by patron-sync (DSI feeds, accounts) and circulation (loan rules
are chosen by user group), with their French labels. Which institution may use which group is
each service's own rule (patron-sync: which DSI feed; circulation: which policy file).
"""

from __future__ import annotations

from enum import StrEnum


class UserGroup(StrEnum):
    """User group code, as written in DSI feeds, on accounts and in loan policies."""

    L = "L"
    M = "M"
    D = "D"
    PERSONNEL = "PERSONNEL"
    ENSEIGNANT = "ENSEIGNANT"
    LECTEUR_EXTERIEUR = "LECTEUR_EXTERIEUR"
    SCPO_ETUDIANT = "SCPO_ETUDIANT"
    SCPO_PERSONNEL = "SCPO_PERSONNEL"
    BSA_ETUDIANT = "BSA_ETUDIANT"
    BSA_PERSONNEL = "BSA_PERSONNEL"


USER_GROUP_LABELS: dict[UserGroup, str] = {
    UserGroup.L: "Étudiant 1er cycle (Licence)",
    UserGroup.M: "Étudiant 2e cycle (Master)",
    UserGroup.D: "Étudiant 3e cycle (Doctorat)",
    UserGroup.PERSONNEL: "Personnel",
    UserGroup.ENSEIGNANT: "Enseignant",
    UserGroup.LECTEUR_EXTERIEUR: "Lecteur extérieur",
    UserGroup.SCPO_ETUDIANT: "Étudiant Sciences Po Bordeaux",
    UserGroup.SCPO_PERSONNEL: "Personnel et enseignant Sciences Po Bordeaux",
    UserGroup.BSA_ETUDIANT: "Étudiant Bordeaux Sciences Agro",
    UserGroup.BSA_PERSONNEL: "Personnel et enseignant Bordeaux Sciences Agro",
}
