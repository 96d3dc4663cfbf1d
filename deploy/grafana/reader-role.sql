-- The read-only PostgreSQL role Grafana's datasource logs in as (deploy/README.md, "Audit dashboards (Grafana)").
-- Run it with psql as the role the audit-writer logs in as (`ironcurtain` in compose), with the password on stdin:
--   { printf '\\set reader_password %s\n' "$(cat .deploy/secrets/grafana-db-password)"; cat deploy/grafana/reader-role.sql; } \
--     | docker compose exec -T postgres psql --username=ironcurtain --dbname=ironcurtain
-- It is safe to run again (after a password change, or after the audit-writer made new tables).
-- Variables: reader_password (required), reader_role (ironcurtain_grafana), audit_schema (ironcurtain_audit).
\set ON_ERROR_STOP on
\if :{?reader_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'reader_password is not set: put "\set reader_password ..." before this file'; END $$;
\endif
\if :{?reader_role}
\else
  \set reader_role ironcurtain_grafana
\endif
\if :{?audit_schema}
\else
  \set audit_schema ironcurtain_audit
\endif

SELECT format('CREATE ROLE %I', :'reader_role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'reader_role') \gexec

-- Only what reading the trail needs: no superuser, no role or database creation, no replication, no RLS bypass.
ALTER ROLE :"reader_role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT
  CONNECTION LIMIT 10 PASSWORD :'reader_password';
-- The panels name audit_records without a schema: the role's search_path is the audit schema.
ALTER ROLE :"reader_role" SET search_path = :"audit_schema";
-- Belt and braces (a session may change these; the grants below are what keep the role from writing).
ALTER ROLE :"reader_role" SET default_transaction_read_only = on;
ALTER ROLE :"reader_role" SET statement_timeout = '30s';

-- The audit-writer's migration creates the schema when it is missing; so may this, owned by the same role.
CREATE SCHEMA IF NOT EXISTS :"audit_schema";
GRANT CONNECT ON DATABASE :"DBNAME" TO :"reader_role";
GRANT USAGE ON SCHEMA :"audit_schema" TO :"reader_role";
GRANT SELECT ON ALL TABLES IN SCHEMA :"audit_schema" TO :"reader_role";
-- Tables the audit-writer (this role) creates later in the schema are readable too.
ALTER DEFAULT PRIVILEGES IN SCHEMA :"audit_schema" GRANT SELECT ON TABLES TO :"reader_role";
