# The index of rebub's commands. The README shows the two that matter: `make run` and `make test`.
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
SOURCES := shared/src tools/rebub/src services/patron-sync/src services/circulation/src services/notifier/src

.PHONY: install run test lint format unit integration infra-up infra-down infra-status clean

install:  ## Install uv (pinned) if missing, then the locked environment.
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	@$(UV) sync --frozen --quiet

run: install  ## Start the local infrastructure and show the proof (grows into the demo).
	$(UV) run rebub infra up
	$(UV) run rebub proof

test: install lint  ## Lint, type-check, then every test (unit, integration, end to end) on real servers.
	$(UV) run pytest

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy $(SOURCES)

format: install
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

unit: install  ## Only the tests that need no server.
	$(UV) run pytest -m "not integration and not e2e"

integration: install
	$(UV) run pytest -m "integration or e2e"

infra-up: install
	$(UV) run rebub infra up
infra-down: install
	$(UV) run rebub infra down
infra-status: install
	$(UV) run rebub infra status

clean: infra-down
	rm -rf .rebub
