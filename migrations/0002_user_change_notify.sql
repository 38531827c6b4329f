-- Every change of a user row is announced on the channel `clerk_user_changed` (payload: the user
-- id), at commit, to every replica: each drops that user from its in-process cache.
-- Reconciliation's bookkeeping updates (last_seen_pass, synced_at) change nothing a reader sees
-- and are not announced.
CREATE FUNCTION notify_user_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('clerk_user_changed', NEW.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER users_changed_insert AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION notify_user_changed();

CREATE TRIGGER users_changed_update AFTER UPDATE ON users
    FOR EACH ROW
    WHEN (OLD.data IS DISTINCT FROM NEW.data OR OLD.deleted_at_ms IS DISTINCT FROM NEW.deleted_at_ms)
    EXECUTE FUNCTION notify_user_changed();
