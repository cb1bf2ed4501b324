# Tradewatch — the commands a newcomer types. `make help` lists them.
SHELL := /usr/bin/env bash
COMPOSE := docker compose -f docker-compose.kafka.yml -f docker-compose.clickhouse.yml -f docker-compose.observability.yml

.PHONY: help install dev stack migrate test lint typecheck start stop logs ps clean

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# Not `npm ci`: the registries reachable here serve only Linux builds of the platform
# packages (chdb, Biome, esbuild), so the lock file cannot list the others and `npm ci`
# refuses it as out of sync. `npm install --no-save` installs exactly the locked versions
# and integrity hashes and leaves the lock file as it is.
node_modules/.package-lock.json: package.json package-lock.json
	npm install --no-save --no-audit --no-fund
	@touch $@

.kafka/lib: stack/kafka/pom.xml | node_modules/.package-lock.json
	rm -rf $@
	npm run --silent setup:kafka
	@touch $@

install: node_modules/.package-lock.json .kafka/lib ## npm packages and the Kafka broker jars (Maven Central)

dev: install ## embedded stack (Kafka + ClickHouse, no Docker), migrations, synthetic trades, live row count
	npm run --silent dev

stack: install ## embedded stack and migrations only, for other terminals to use
	npm run --silent stack

migrate: install ## topics + ClickHouse migrations against KAFKA_BROKERS / CLICKHOUSE_URL
	npm run --silent migrate

test: install ## lint, typecheck, and every test against a real broker and the real engine
	npm test

lint: install
	npm run --silent lint

typecheck: install
	npm run --silent typecheck

start: ## full stack with Docker Compose (needs a Docker engine)
	$(COMPOSE) up -d --wait

stop: ## stop the Docker Compose stack
	$(COMPOSE) down

logs:
	$(COMPOSE) logs -f --tail=100

ps:
	$(COMPOSE) ps

clean: ## delete the embedded stack's data and the resolved jars
	rm -rf .stack .kafka
