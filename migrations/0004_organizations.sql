-- Organizations and their memberships in the local cache (issue 15), scoped by instance like
-- users, with the same write rules: monotonic by Clerk's `updated_at`, deletions as tombstones
-- that purge the row's data and are never undone by a late write.
--
-- The JSON kept is the public form of Clerk's objects: the cache never holds an organization's
-- or a membership's private metadata.

CREATE TABLE organizations (
    instance        text        NOT NULL,
    id              text        NOT NULL,
    -- The Backend API `Organization` JSON without private_metadata. NULL on a tombstone.
    data            jsonb,
    name            text,
    slug            text,
    created_at_ms   bigint,
    updated_at_ms   bigint,
    -- Set once the organization is deleted (Unix ms); never cleared.
    deleted_at_ms   bigint,
    -- 'api' (read-through), 'webhook' or 'reconcile'.
    source          text        NOT NULL,
    synced_at       timestamptz NOT NULL DEFAULT now(),
    last_seen_pass  bigint,
    PRIMARY KEY (instance, id),
    CONSTRAINT organizations_live_has_data CHECK (
        deleted_at_ms IS NOT NULL OR (data IS NOT NULL AND updated_at_ms IS NOT NULL)
    ),
    CONSTRAINT organizations_tombstone_is_purged CHECK (
        deleted_at_ms IS NULL OR (
            data IS NULL AND name IS NULL AND slug IS NULL
            AND created_at_ms IS NULL AND updated_at_ms IS NULL
        )
    )
);

CREATE INDEX organizations_last_seen_pass_idx ON organizations (instance, last_seen_pass) WHERE deleted_at_ms IS NULL;

-- One row per membership id (`orgmem_…`). A removed member leaves a tombstone of that id; adding
-- them again makes a new membership (a new id), so a tombstone never hides a later membership.
CREATE TABLE organization_memberships (
    instance         text        NOT NULL,
    id               text        NOT NULL,
    -- Kept on the tombstone too: which organization and user the deleted membership was of.
    organization_id  text        NOT NULL,
    user_id          text        NOT NULL,
    role             text,
    -- The Backend API `OrganizationMembership` JSON without private metadata (its own or the
    -- embedded organization's). NULL on a tombstone.
    data             jsonb,
    created_at_ms    bigint,
    updated_at_ms    bigint,
    deleted_at_ms    bigint,
    source           text        NOT NULL,
    synced_at        timestamptz NOT NULL DEFAULT now(),
    last_seen_pass   bigint,
    PRIMARY KEY (instance, id),
    CONSTRAINT memberships_live_has_data CHECK (
        deleted_at_ms IS NOT NULL OR (data IS NOT NULL AND updated_at_ms IS NOT NULL AND role IS NOT NULL)
    ),
    CONSTRAINT memberships_tombstone_is_purged CHECK (
        deleted_at_ms IS NULL OR (
            data IS NULL AND role IS NULL AND created_at_ms IS NULL AND updated_at_ms IS NULL
        )
    )
);

-- The members of an organization (live rows).
CREATE INDEX organization_memberships_org_idx ON organization_memberships (instance, organization_id) WHERE deleted_at_ms IS NULL;
CREATE INDEX organization_memberships_last_seen_pass_idx ON organization_memberships (instance, last_seen_pass) WHERE deleted_at_ms IS NULL;

-- Every change of an organization or membership row is announced on `clerk_user_changed`
-- (payload `org:` + the organization id), so each replica drops that organization from its
-- in-process tier, as with users (0002). Bookkeeping updates are not announced.
CREATE FUNCTION notify_org_changed() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'organizations' THEN
        PERFORM pg_notify('clerk_user_changed', 'org:' || NEW.id);
    ELSE
        PERFORM pg_notify('clerk_user_changed', 'org:' || NEW.organization_id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER organizations_changed_insert AFTER INSERT ON organizations
    FOR EACH ROW EXECUTE FUNCTION notify_org_changed();

CREATE TRIGGER organizations_changed_update AFTER UPDATE ON organizations
    FOR EACH ROW
    WHEN (OLD.data IS DISTINCT FROM NEW.data OR OLD.deleted_at_ms IS DISTINCT FROM NEW.deleted_at_ms)
    EXECUTE FUNCTION notify_org_changed();

CREATE TRIGGER organization_memberships_changed_insert AFTER INSERT ON organization_memberships
    FOR EACH ROW EXECUTE FUNCTION notify_org_changed();

CREATE TRIGGER organization_memberships_changed_update AFTER UPDATE ON organization_memberships
    FOR EACH ROW
    WHEN (OLD.data IS DISTINCT FROM NEW.data OR OLD.deleted_at_ms IS DISTINCT FROM NEW.deleted_at_ms)
    EXECUTE FUNCTION notify_org_changed();
