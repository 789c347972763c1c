-- Four-eyes approval (maker-checker): an action an extension declares approvable is proposed by one staff member
-- and carried out when another approves it (src/approvals). At most one pending proposal per action and record.
CREATE TABLE approvals (
  id              TEXT PRIMARY KEY,
  action          TEXT NOT NULL,
  entity_type     TEXT NOT NULL,
  entity_id       TEXT NOT NULL,
  amount          INTEGER,
  input           TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
  reason          TEXT,
  proposed_by     TEXT NOT NULL,
  proposed_at     TEXT NOT NULL,
  expires_at      TEXT NOT NULL,
  decided_by      TEXT,
  decided_at      TEXT,
  decision_reason TEXT,
  result          TEXT
) STRICT;
CREATE INDEX approvals_status ON approvals (status, proposed_at);
CREATE INDEX approvals_entity ON approvals (entity_type, entity_id);
CREATE UNIQUE INDEX approvals_one_pending ON approvals (action, entity_type, entity_id) WHERE status = 'pending';

-- Policies set by an admin, per action: whether approval is required and from which amount. An action without a
-- row here follows the default its extension declares.
CREATE TABLE approval_policies (
  action           TEXT PRIMARY KEY,
  required         INTEGER NOT NULL CHECK (required IN (0, 1)),
  threshold_amount INTEGER CHECK (threshold_amount IS NULL OR threshold_amount >= 0),
  expires_in_hours INTEGER NOT NULL CHECK (expires_in_hours BETWEEN 1 AND 720),
  updated_by       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
) STRICT;
