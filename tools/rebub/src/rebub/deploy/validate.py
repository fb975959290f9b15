"""Validates rendered resources offline: built-in kinds against the Kubernetes schemas that the
``kubernetes-validate`` package ships, custom resources against their CRDs' ``openAPIV3Schema``.

CRD schemas are made strict before use: an object that lists its properties and does not preserve
unknown fields rejects any other field, as ``kubectl apply`` with strict field validation does.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import kubernetes_validate  # type: ignore[import-untyped]

from rebub.deploy.schemas import Schema

KUBERNETES_VERSION = "1.33.0"


def strict(schema: Schema) -> Schema:
    """A copy of a CRD schema where described objects reject undescribed fields."""
    out = copy.deepcopy(schema)
    _close(out)
    return out


def _close(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _close(item)
        return
    if not isinstance(node, dict):
        return
    if (
        "properties" in node
        and "additionalProperties" not in node
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        node["additionalProperties"] = False
    for value in node.values():
        _close(value)


def problems(resource: dict[str, Any], crds: dict[tuple[str, str], Schema]) -> list[str]:
    """What is wrong with one resource (empty when it is valid)."""
    key = (resource.get("apiVersion", ""), resource.get("kind", ""))
    where = f"{key[1]} {resource.get('metadata', {}).get('name')}"
    if key in crds:
        validator = jsonschema.Draft7Validator(strict(crds[key]))
        return [
            f"{where}: {'/'.join(map(str, e.path))}: {e.message}"
            for e in validator.iter_errors(resource)
        ]
    try:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        return [f"{where}: no schema for {key[0]} {key[1]}"]
    except kubernetes_validate.ValidationError as error:
        return [f"{where}: {error.message}"]
    return []
