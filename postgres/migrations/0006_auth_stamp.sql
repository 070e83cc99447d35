-- The stamp of keys, tokens and users: one row whose n every transaction
-- that changes a stored one (SetKeyDisabled) increments, so that each
-- instance keeps what it authenticated with until n differs (AuthStamp,
-- auth.Service.CacheFor): SQLite's migration 0010.
CREATE TABLE auth_stamp (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  BIGINT NOT NULL
);
INSERT INTO auth_stamp (id, n) VALUES (1, 0);
