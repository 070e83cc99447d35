-- The stamp of keys, tokens and users: one row whose n every transaction
-- that changes a stored one (SetKeyDisabled) increments, so that a server
-- keeps what it authenticated with until n differs (AuthStamp,
-- auth.Service.CacheFor), even when an admin command in another process
-- made the change. New keys, tokens and users need no bump: a lookup that
-- finds nothing is not kept.
CREATE TABLE auth_stamp (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
);
INSERT INTO auth_stamp (id, n) VALUES (1, 0);
