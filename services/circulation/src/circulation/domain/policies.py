"""Loading policy files: the only I/O of the domain package, kept apart from the rules.

One YAML file per institution, ``policies/{institution}.yaml``. Every problem becomes a
PolicyFileError naming the file, the field path and the offending value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rebub_shared.tenancy import institution, institution_codes

from .errors import PolicyFileError
from .period import Period
from .policy import InstitutionPolicy

# src/circulation/domain/policies.py -> services/circulation/policies; the service settings
# should pass the directory explicitly once deployed.
DEFAULT_POLICIES_DIR = Path(__file__).resolve().parents[3] / "policies"


def load_policy_file(path: Path) -> InstitutionPolicy:
    """Read and validate one policy file; its name must be ``{institution}.yaml``."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise PolicyFileError(f"{path}: cannot read: {error}") from error
    if not isinstance(raw, dict):
        raise PolicyFileError(f"{path}: (root): expected a mapping, got {type(raw).__name__}")
    try:
        policy = InstitutionPolicy.model_validate(raw)
    except ValidationError as error:
        raise PolicyFileError(_describe(path, error)) from error
    if policy.institution != path.stem:
        raise PolicyFileError(
            f"{path}: institution: {policy.institution!r} does not match the file name"
        )
    _check_network_rules(path, policy)
    return policy


def _check_network_rules(path: Path, policy: InstitutionPolicy) -> None:
    """The network-wide rules an institution chose are the network file's; a policy file that
    states them otherwise is refused rather than silently winning."""
    chosen = institution(policy.institution)
    if policy.renewal_period != Period(days=chosen.renewal_period_days):
        raise PolicyFileError(
            f"{path}: renewal_period: {str(policy.renewal_period)!r} differs from the network "
            f"file's renewal_period_days = {chosen.renewal_period_days}"
        )
    if policy.suspension_after_late_return != chosen.suspension_after_late_return:
        raise PolicyFileError(
            f"{path}: suspension_after_late_return: {policy.suspension_after_late_return} differs "
            f"from the network file's {chosen.suspension_after_late_return}"
        )


def load_institution_policy(
    institution: str, policies_dir: Path = DEFAULT_POLICIES_DIR
) -> InstitutionPolicy:
    """The policy of one institution of the network file (``policies_dir/{institution}.yaml``)."""
    if institution not in institution_codes():
        raise PolicyFileError(f"institution={institution!r} is not one of {institution_codes()}")
    return load_policy_file(policies_dir / f"{institution}.yaml")


def _describe(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: {error.error_count()} error(s)"]
    for problem in error.errors():
        where = _field_path(problem["loc"])
        value = "" if not problem["loc"] else f" (value: {_short(problem['input'])})"
        lines.append(f"  {where}: {problem['msg']}{value}")
    return "\n".join(lines)


def _field_path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(root)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
