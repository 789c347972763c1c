-- The business audit trail: staff decisions, product/blocklist/settings changes, write-offs, refunds, payment
-- resolutions, approvals and personal-data views go into audit_log beside the sign-ins, each naming the record it
-- is about (entity_type + entity_id) so a record's history is one indexed lookup. Before/after and the reason are
-- kept in details (JSON: {before, after, reason, ...}).
ALTER TABLE audit_log ADD COLUMN entity_type TEXT;
ALTER TABLE audit_log ADD COLUMN entity_id TEXT;
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_at ON audit_log (at);
