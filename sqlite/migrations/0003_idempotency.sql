-- Responses to requests sent with an Idempotency-Key, saved in the same
-- transaction as the change they answer, so that a retry is replayed
-- instead of applied twice. Kept for a day.
CREATE TABLE idempotency (
	user_id     TEXT NOT NULL,
	key         TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	response    BLOB NOT NULL,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_age ON idempotency (created_at);
