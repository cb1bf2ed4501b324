#!/bin/bash
# Runs before the clickhouse-server image's own /entrypoint.sh (docker-compose.clickhouse.yml):
#
#  1. Passwords arrive as Docker secrets. The image reads CLICKHOUSE_PASSWORD_FILE itself; for
#     the other users, every variable the users file (or a mounted config.d file: the cluster's
#     secret and macros, docker-compose.cluster.yml) reads with from_env="NAME" is exported
#     from NAME_FILE, so it lives in the server's environment only, never in the container's
#     configuration (`docker inspect`).
#  2. The users file names the app database as ${CLICKHOUSE_DATABASE} (grants cannot take a
#     variable: from_env replaces a whole element). It is rendered here, with the same
#     database the image creates (CLICKHOUSE_DB) and the migrations use, into users.d/ —
#     where the image's entrypoint writes its own default-user.xml the same way.
#
# TRADEWATCH_USERS_TEMPLATE, TRADEWATCH_USERS_FILE, TRADEWATCH_CONFIG_DIR and TRADEWATCH_NEXT_ENTRYPOINT exist so
# test/full-stack-invariants.test.ts can run this script outside the image.
set -euo pipefail

template="${TRADEWATCH_USERS_TEMPLATE:-/tradewatch/users.xml}"
rendered="${TRADEWATCH_USERS_FILE:-/etc/clickhouse-server/users.d/tradewatch.xml}"
next="${TRADEWATCH_NEXT_ENTRYPOINT:-/entrypoint.sh}"

fail() {
  echo "tradewatch entrypoint: $*" >&2
  exit 1
}

text="$(<"$template")" || fail "cannot read the users file $template"
config_dir="${TRADEWATCH_CONFIG_DIR:-/etc/clickhouse-server/config.d}"
shopt -s nullglob
configs=("$config_dir"/*.xml)
shopt -u nullglob
wanted="$(cat - "${configs[@]}" <<<"$text" | grep -o 'from_env="[A-Za-z0-9_]*"' | cut -d'"' -f2 | sort -u)"

for name in $wanted; do
  file_var="${name}_FILE"
  if [[ -n "${!file_var:-}" ]]; then
    [[ -z "${!name:-}" ]] || fail "$name and $file_var are both set; set one of them"
    [[ -r "${!file_var}" ]] || fail "$file_var=${!file_var}: not a readable file"
    value="$(<"${!file_var}")"
    export "$name=$value"
    unset "$file_var"
  fi
  [[ -n "${!name:-}" ]] || fail "$name (or $file_var) is not set: the users file or a config.d file reads it"
done

database="${CLICKHOUSE_DATABASE:-}"
[[ "$database" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] ||
  fail "CLICKHOUSE_DATABASE=\"$database\": expected an identifier (letters, digits, underscore)"
[[ -z "${CLICKHOUSE_DB:-}" || "${CLICKHOUSE_DB}" == "$database" ]] ||
  fail "CLICKHOUSE_DB=\"${CLICKHOUSE_DB}\" differs from CLICKHOUSE_DATABASE=\"$database\""

printf '%s\n' "${text//'${CLICKHOUSE_DATABASE}'/$database}" >"$rendered"

exec "$next" "$@"
