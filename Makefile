# The index of rebub's commands. The README shows the two that matter: `make run` and `make test`.
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
SOURCES := shared/src tools/rebub/src services/patron-sync/src services/circulation/src services/notifier/src services/desk/src bench

.PHONY: install browser run test lint format unit integration robustness runtime bench infra-prepare infra-up infra-down infra-status clean

# The official AsyncAPI parser (npm @asyncapi/parser, locked) that the suite runs on docs/events/.
ASYNCAPI_NODE := tools/asyncapi/node_modules/.package-lock.json

install: $(ASYNCAPI_NODE)  ## Install uv (pinned) if missing, then the locked environment, the AsyncAPI parser and the desk's browser tools.
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	@$(UV) sync --frozen --quiet
	@$(MAKE) --no-print-directory browser

# The desk's browser tests (services/desk/tests/e2e): Debian's chromium (Playwright drives it;
# no browser is ever downloaded by a test tool) and axe-core from npm. Each is skipped when present.
AXE_DIR := services/desk/tests/browser
browser:
	@command -v chromium >/dev/null 2>&1 || { echo "installing Debian's chromium"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@[ -f $(AXE_DIR)/node_modules/axe-core/axe.min.js ] || npm ci --prefix $(AXE_DIR) --no-audit --no-fund --silent

$(ASYNCAPI_NODE): tools/asyncapi/package.json tools/asyncapi/package-lock.json
	cd tools/asyncapi && npm ci --no-audit --no-fund --silent

run: install  ## The whole network on this machine, and the demo on synthetic data, ending with a report.
	$(UV) run rebub demo

# TEST_WORKERS=2 spreads the run over two workers (pytest-xdist) sharing its one broker, store and
# identity provider (a file's tests stay on one worker, slow files first): about 13 min instead of
# about 20, but timing-bounded tests then share the cores with the demo's busy loops and some
# miss their bounds, so the default stays one process.
TEST_WORKERS ?= 0

test: install lint runtime infra-prepare  ## Lint, type-check, then every test (unit, integration, end to end) on real servers.
	$(UV) run pytest $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile)

lint: install  ## ruff, ruff format, mypy strict, and the layers (import-linter contracts in .importlinter).
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy $(SOURCES)
	$(UV) run lint-imports --config .importlinter

format: install
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

# Unit tests need no server, no Java, no Go: the pytest plugin fails one that reaches for them.
UNIT := not integration and not e2e and not robustness and not toolchain

unit: install  ## Only the tests that need no server, no Java and no Go.
	$(UV) run pytest -m "$(UNIT)"

integration: install infra-prepare  ## Every test that is not a unit test.
	$(UV) run pytest -m "not ($(UNIT))"

robustness: install  ## Faults on real servers: kill -9, broker and store outages, poison (docs/reliability.md).
	$(UV) run pytest -m robustness

# The runtime without the dev group (no pytest, testcontainers, validators) in an environment of
# its own: the rebub command and its main commands still load.
RUNTIME_ENV := .rebub/runtime-env
runtime: install  ## The rebub command as `uv sync --no-dev` installs it: --help of rebub, up, demo.
	@UV_PROJECT_ENVIRONMENT=$(RUNTIME_ENV) $(UV) sync --frozen --no-dev --quiet
	@for command in "" up demo infra; do $(RUNTIME_ENV)/bin/rebub $$command --help >/dev/null || exit 1; done
	@echo "rebub runs without the dev group ($(RUNTIME_ENV))"

# The modules of bench/ that are benchmarks (each starts the local servers unless they run).
BENCHES := notifier_letters circulation_desk patron_sync_import desk_screens

bench: install  ## Every benchmark on the local servers; figures and how to read them: bench/README.md.
	@for name in $(BENCHES); do echo "== bench.$$name"; $(UV) run python -m bench.$$name || exit 1; done

# Downloads and builds (Kafka's jars, FerretDB, Keycloak; cached) before the tests, so that no
# test's time limit includes them.
infra-prepare: install
	$(UV) run rebub infra prepare
infra-up: install
	$(UV) run rebub infra up
infra-down: install
	$(UV) run rebub infra down
infra-status: install
	$(UV) run rebub infra status

clean: infra-down
	rm -rf .rebub
