-- Staff password lockout keyed by the normalised email, whether or not a staff user has it: an unknown email
-- answers exactly like a known one (401s, then 423 + Retry-After), so the lockout does not reveal which emails
-- exist. Rows older than the lockout window are pruned by the auth housekeeping. users.locked_until stays as the
-- value shown on a staff user's record; login_lockouts decides.
CREATE TABLE login_failures_by_email (
  email TEXT NOT NULL,
  at    TEXT NOT NULL
) STRICT;
INSERT INTO login_failures_by_email (email, at)
  SELECT u.email, f.at FROM login_failures f JOIN users u ON u.id = f.user_id WHERE u.email IS NOT NULL;
DROP TABLE login_failures;
ALTER TABLE login_failures_by_email RENAME TO login_failures;
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_at ON login_failures (at);

CREATE TABLE login_lockouts (
  email        TEXT PRIMARY KEY,
  locked_until TEXT NOT NULL
) STRICT;
CREATE INDEX login_lockouts_until ON login_lockouts (locked_until);
INSERT INTO login_lockouts (email, locked_until)
  SELECT email, locked_until FROM users WHERE email IS NOT NULL AND locked_until IS NOT NULL AND role != 'borrower';
