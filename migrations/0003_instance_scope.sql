-- Scope the user cache by Clerk instance (the publishable key's Frontend API host), so two
-- instances sharing one database (a development and a production key, two dev stacks) never
-- read, overwrite, reconcile or tombstone each other's rows.
--
-- Rows written before this migration start with the empty instance ''. At start-up an instance
-- claims them in one transaction (`UserRepo::claim_unowned`); unowned tombstones are dropped
-- there, since the instance they belonged to cannot be known.

ALTER TABLE users ADD COLUMN instance text NOT NULL DEFAULT '';
ALTER TABLE users ALTER COLUMN instance DROP DEFAULT;
ALTER TABLE users DROP CONSTRAINT users_pkey;
ALTER TABLE users ADD PRIMARY KEY (instance, id);

DROP INDEX users_primary_email_idx;
CREATE INDEX users_primary_email_idx ON users (instance, lower(primary_email)) WHERE deleted_at_ms IS NULL;
DROP INDEX users_last_seen_pass_idx;
CREATE INDEX users_last_seen_pass_idx ON users (instance, last_seen_pass) WHERE deleted_at_ms IS NULL;
DROP INDEX users_deleted_at_idx;
CREATE INDEX users_deleted_at_idx ON users (instance, deleted_at_ms) WHERE deleted_at_ms IS NOT NULL;

ALTER TABLE webhook_deliveries ADD COLUMN instance text NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ALTER COLUMN instance DROP DEFAULT;
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_pkey;
ALTER TABLE webhook_deliveries ADD PRIMARY KEY (instance, svix_id);

-- One reconciliation state row per instance (was: one row, id = 1).
ALTER TABLE sync_state DROP COLUMN id;
ALTER TABLE sync_state ADD COLUMN instance text NOT NULL DEFAULT '';
ALTER TABLE sync_state ALTER COLUMN instance DROP DEFAULT;
ALTER TABLE sync_state ADD PRIMARY KEY (instance);
