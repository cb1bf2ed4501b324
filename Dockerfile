# The TypeScript services (producers, notifier, console, migrations) in one image; compose picks the
# entry with `command`, e.g. ["alerting/main.ts"]. Sources run through tsx as in development,
# so the image holds exactly the code the tests ran. Node 24 LTS, the version .nvmrc pins.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install --no-save` rather than `npm ci`: see the Makefile (the lock lists only the
# platform builds the project's registries serve); it installs the locked versions.
# chdb is the embedded engine for `make dev` and tests; no service in the image loads it,
# and it is most of node_modules' size.
RUN npm install --omit=dev --no-save --no-audit --no-fund \
 && rm -rf node_modules/chdb node_modules/@chdb \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY lib ./lib
COPY producers ./producers
COPY alerting ./alerting
COPY console ./console
# Migrations: the numbered files and the baseline fresh databases get (0001–0140 are only in
# it); the cluster layout renders its schema with an embedded engine (stack/clickhouse).
# test/dockerfile-copies.test.ts checks every entry point's imports are copied.
COPY clickhouse/migrations ./clickhouse/migrations
COPY clickhouse/baseline ./clickhouse/baseline
COPY clickhouse/cluster ./clickhouse/cluster
COPY stack ./stack
COPY tools/create-topics.ts ./tools/
# The image's `node` user (uid 1000): nothing in /app is writable by the services.
USER node
ENTRYPOINT ["node", "--import", "tsx"]
CMD ["alerting/main.ts"]
