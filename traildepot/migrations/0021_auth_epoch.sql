-- A counter moved by every change that can end an access token's session: a session updated (revoked, rotated) or
-- deleted, a user's status or role changed, a user deleted. The API remembers live sessions until it moves, so such
-- a change, from any process, ends the session's tokens on the very next request.
CREATE TABLE auth_epoch (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n  INTEGER NOT NULL
) STRICT;
INSERT INTO auth_epoch (id, n) VALUES (1, 0);
CREATE TRIGGER auth_epoch_session_update AFTER UPDATE ON auth_sessions BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_session_delete AFTER DELETE ON auth_sessions BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_user_update AFTER UPDATE OF status, role ON users BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER auth_epoch_user_delete AFTER DELETE ON users BEGIN UPDATE auth_epoch SET n = n + 1 WHERE id = 1; END;
