-- The application's role, shared by `npm start`'s embedded Postgres (provisionApplicationRole in
-- src/db/admin.ts) and docker-compose.yml's (deploy/boomerang-postgres-init.sh), so both give it the
-- same rights: a login role that is neither superuser nor able to create databases or roles, the
-- owner of the `public` schema of the database this runs in and of every object in it (migrations
-- run as it), and the only role besides superusers allowed to connect to that database.
--
-- Run by a superuser, connected to the application's database, in the transaction that first sets
-- boomerang.app_role (a name, [a-z_][a-z0-9_]*) and boomerang.app_password with set_config(…, true).
-- Idempotent: run again, it sets the password and moves to the role the objects another role made
-- (the superuser of older versions ran the migrations).
DO $$
DECLARE
  app_role text := current_setting('boomerang.app_role');
  app_password text := current_setting('boomerang.app_password');
  owned_by_another record;
BEGIN
  IF app_role !~ '^[a-z_][a-z0-9_]*$' THEN
    RAISE EXCEPTION 'Invalid role name "%"', app_role;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = app_role) THEN
    EXECUTE format('CREATE ROLE %I', app_role);
  END IF;
  EXECUTE format(
    'ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L',
    app_role, app_password);
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), app_role);
  EXECUTE format('ALTER SCHEMA public OWNER TO %I', app_role);
  REVOKE ALL ON SCHEMA public FROM PUBLIC;
  -- Tables (with their sequences and indexes) and views.
  FOR owned_by_another IN
    SELECT c.relname AS name, c.relkind AS kind FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
       AND pg_get_userbyid(c.relowner) <> app_role
  LOOP
    EXECUTE format('ALTER %s public.%I OWNER TO %I',
      CASE owned_by_another.kind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
      owned_by_another.name, app_role);
  END LOOP;
END
$$;
