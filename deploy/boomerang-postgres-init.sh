#!/bin/sh
# Boomerang's application role in docker-compose.yml's boomerang-postgres: the postgres image runs
# this once, on the first start of an empty volume (/docker-entrypoint-initdb.d/), as its superuser.
# The statements are `npm start`'s (src/db/application-role.sql, mounted at BOOMERANG_APP_ROLE_SQL),
# so the worker and the endpoint connect with the same rights as there: no superuser, owner of the
# `public` schema of POSTGRES_DB. Idempotent; on a volume made before this script existed, run it
# once by hand (README: Production topology).
#
# The image sources this file instead when it is not executable: hence no `set` and no `exit`.
: "${BOOMERANG_APP_DB_PASSWORD:?set BOOMERANG_APP_DB_PASSWORD in .env (see .env.example)}"
# The password reaches psql through its environment (\getenv), not its command line.
psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet \
  --username "${POSTGRES_USER:?}" --dbname "${POSTGRES_DB:?}" \
  -v app_role="${BOOMERANG_APP_DB_USER:?}" -v statements="${BOOMERANG_APP_ROLE_SQL:?}" <<'SQL'
\getenv app_password BOOMERANG_APP_DB_PASSWORD
BEGIN;
SELECT set_config('boomerang.app_role', :'app_role', true),
       set_config('boomerang.app_password', :'app_password', true) \g /dev/null
\i :statements
COMMIT;
SQL
