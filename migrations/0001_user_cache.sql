-- The local copy of Clerk's user directory (see DESIGN.md, "How the user cache stays true").

-- One row per Clerk user id. A live row holds the full Backend API user JSON in `data` plus
-- the columns queries need. A deleted user leaves a tombstone: `deleted_at_ms` set and every
-- personal field NULL, so a late `user.updated` cannot bring the user back.
CREATE TABLE users (
    id              text        PRIMARY KEY,
    -- The Backend API `User` JSON (includes private_metadata: never serve it as is; go
    -- through `PublicUser`). NULL on a tombstone.
    data            jsonb,
    primary_email   text,
    first_name      text,
    last_name       text,
    -- Clerk's `created_at` / `updated_at`, Unix ms. `updated_at_ms` orders writes.
    created_at_ms   bigint,
    updated_at_ms   bigint,
    -- Set once the user is deleted (Unix ms); never cleared.
    deleted_at_ms   bigint,
    -- Who wrote the row last: 'api' (read-through), 'webhook', 'reconcile'.
    source          text        NOT NULL,
    -- When this replica set last confirmed the row against Clerk (drives the read-through TTL).
    synced_at       timestamptz NOT NULL DEFAULT now(),
    -- The last reconciliation pass that saw the user in `GET /v1/users`.
    last_seen_pass  bigint,
    CONSTRAINT users_live_has_data CHECK (
        deleted_at_ms IS NOT NULL OR (data IS NOT NULL AND updated_at_ms IS NOT NULL)
    ),
    CONSTRAINT users_tombstone_is_purged CHECK (
        deleted_at_ms IS NULL OR (
            data IS NULL AND primary_email IS NULL AND first_name IS NULL
            AND last_name IS NULL AND created_at_ms IS NULL AND updated_at_ms IS NULL
        )
    )
);

-- Lookups by email (case-insensitive) over live users.
CREATE INDEX users_primary_email_idx ON users (lower(primary_email)) WHERE deleted_at_ms IS NULL;
-- Reconciliation: live users not seen by the current pass.
CREATE INDEX users_last_seen_pass_idx ON users (last_seen_pass) WHERE deleted_at_ms IS NULL;
-- Pruning old tombstones.
CREATE INDEX users_deleted_at_idx ON users (deleted_at_ms) WHERE deleted_at_ms IS NOT NULL;

-- Svix deliveries already applied, by `svix-id` (stable across retries): a redelivery is a
-- no-op. Recorded in the same transaction as the change it guards.
CREATE TABLE webhook_deliveries (
    svix_id     text        PRIMARY KEY,
    event_type  text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX webhook_deliveries_received_at_idx ON webhook_deliveries (received_at);

-- Reconciliation passes are numbered by this sequence (stored in users.last_seen_pass).
CREATE SEQUENCE reconcile_pass_seq;

-- The state of reconciliation: one row.
CREATE TABLE sync_state (
    id                  smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    -- The pass running or last run.
    pass_id             bigint,
    started_at          timestamptz,
    finished_at         timestamptz,
    -- Whether the last finished pass fetched every page.
    complete            boolean,
    -- Progress of the pass (updated after every page).
    pages               bigint      NOT NULL DEFAULT 0,
    next_offset         bigint      NOT NULL DEFAULT 0,
    users_seen          bigint      NOT NULL DEFAULT 0,
    upserted            bigint      NOT NULL DEFAULT 0,
    tombstoned          bigint      NOT NULL DEFAULT 0,
    -- Why the last pass stopped early, if it did.
    last_error          text,
    -- The last pass that completed.
    last_complete_pass  bigint,
    last_complete_at    timestamptz
);

INSERT INTO sync_state (id) VALUES (1);
