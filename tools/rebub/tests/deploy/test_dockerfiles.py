"""The services' one Dockerfile (`deploy/Dockerfile`), read as each service's image is built from
it (`--build-arg SERVICE=<service>`): multi-stage, dependencies before code, non-root, the local
entry point, and container settings that the service's settings class really reads."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field

import pytest
from dockerfile_parse import DockerfileParser
from pydantic import BaseModel
from pydantic_settings import BaseSettings

from rebub.infra.paths import project_root

ROOT = project_root()
DOCKERFILE = ROOT / "deploy" / "Dockerfile"

SERVICES = {
    "patron-sync": "patron_sync",
    "circulation": "circulation",
    "notifier": "notifier",
    "desk": "desk",
}

Step = tuple[str, str]


@dataclass
class Stage:
    base: str
    name: str | None
    steps: list[Step] = field(default_factory=list)


def _stages() -> tuple[list[Step], list[Stage]]:
    """The global instructions (before the first FROM) and the stages, as written."""
    parser = DockerfileParser(path=str(DOCKERFILE))
    head: list[Step] = []
    stages: list[Stage] = []
    for instruction in parser.structure:
        op, value = instruction["instruction"], instruction["value"]
        if op == "FROM":
            base, _, name = value.partition(" AS ")
            stages.append(Stage(base.strip(), name.strip() or None))
        elif stages:
            stages[-1].steps.append((op, value))
        else:
            head.append((op, value))
    return head, stages


def _expand(text: str, args: dict[str, str]) -> str:
    """`${NAME}` and `$NAME` of the given build arguments; any other variable is left alone."""
    return re.sub(
        r"\$\{(\w+)\}|\$(\w+)",
        lambda m: args.get(m[1] or m[2], m[0]),
        text,
    )


@dataclass
class Image:
    """One service's image: its build stage and the stages its final image stacks up."""

    build: list[Step]
    layers: list[Stage]

    @property
    def steps(self) -> list[Step]:
        return [step for stage in self.layers for step in stage.steps]


def image(service: str) -> Image:
    head, stages = _stages()
    args = {"SERVICE": service}
    by_name = {stage.name: stage for stage in stages if stage.name}
    layers: list[Stage] = []
    base = _expand(stages[-1].base, args)
    while base in by_name:  # the final stage names a stage, which stands on another...
        stage = by_name[base]
        layers.insert(
            0, Stage(stage.base, stage.name, [(op, _expand(v, args)) for op, v in stage.steps])
        )
        base = stage.base
    build = [(op, _expand(v, args)) for op, v in by_name["build"].steps]
    assert ("ARG", "SERVICE") in head
    assert ("ARG", "SERVICE") in build
    return Image(build, layers)


def test_every_service_has_its_stage_and_the_default_target_is_the_one_named():
    _, stages = _stages()
    services = {p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml")}
    assert services == set(SERVICES)
    assert services <= {stage.name for stage in stages}
    assert stages[-1].base == "${SERVICE}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_is_multi_stage_and_runs_as_a_non_root_user(service):
    built = image(service)
    assert built.layers[0].name == "runtime"
    assert built.layers[-1].name == service
    assert any(op == "COPY" and v.startswith("--from=build ") for op, v in built.steps)
    users = [value for op, value in built.steps if op == "USER"]
    assert users
    assert users[-1].split(":")[0] not in ("root", "0")


@pytest.mark.parametrize("service", SERVICES)
def test_dependencies_are_installed_before_the_code_is_copied(service):
    steps = image(service).build
    deps = next(
        i for i, (op, v) in enumerate(steps) if op == "RUN" and "--no-install-workspace" in v
    )
    code = next(i for i, (op, v) in enumerate(steps) if op == "COPY" and "/src" in v.split()[0])
    assert "--frozen" in steps[deps][1]
    assert f"--package {service}" in steps[deps][1]
    assert deps < code
    assert ("COPY", f"services/{service}/src services/{service}/src") in steps[code:]


@pytest.mark.parametrize("service", SERVICES)
def test_the_entry_point_is_the_services_module(service):
    module = SERVICES[service]
    built = image(service)
    entry = [v for op, v in built.steps if op == "ENTRYPOINT"]
    assert entry == [f'["python", "-m", "{module}"]']
    assert (ROOT / "services" / service / "src" / module / "__main__.py").is_file()
    for op, value in built.build + built.steps:
        if op == "COPY" and "--from" not in value:
            source = value.split()[-2]
            assert (ROOT / source).exists(), source


def _settings_class(module: str) -> type[BaseSettings]:
    settings = importlib.import_module(f"{module}.settings")
    (kind,) = (
        k
        for k in vars(settings).values()
        if isinstance(k, type) and issubclass(k, BaseSettings) and k.__module__ == settings.__name__
    )
    return kind


def _is_field(model: type[BaseModel], path: list[str]) -> bool:
    info = model.model_fields.get(path[0])
    if info is None:
        return False
    if len(path) == 1:
        return True
    nested = info.annotation
    return (
        isinstance(nested, type) and issubclass(nested, BaseModel) and _is_field(nested, path[1:])
    )


@pytest.mark.parametrize("service", SERVICES)
def test_the_container_settings_are_fields_the_service_reads(service):
    """A renamed field or prefix would leave the image listening on loopback or reading the
    repository's policies path: every REBUB_ variable the image sets names a real field."""
    kind = _settings_class(SERVICES[service])
    prefix = kind.model_config.get("env_prefix", "")
    built = image(service)
    envs: dict[str, str] = {}
    for op, value in built.steps:
        if op == "ENV":
            envs.update(pair.split("=", 1) for pair in value.split())
    ours = {key: value for key, value in envs.items() if key.startswith("REBUB_")}
    assert ours[f"{prefix}HTTP__HOST"] == "0.0.0.0"  # noqa: S104 (the container listens on all)
    for key in ours:
        assert key.startswith(prefix), key
        assert _is_field(kind, key.removeprefix(prefix).lower().split("__")), key
    if "policies_dir" in kind.model_fields:
        shipped = [v.split()[-1] for op, v in built.steps if op == "COPY" and "--from" not in v]
        assert ours[f"{prefix}POLICIES_DIR"] in shipped
