-- sessions_recent indexed (user_id, updated_at, id), so that every write
-- of a session (each next) deleted its entry from one leaf and inserted
-- it at the end of the listener's range: 1.1 more pages of WAL per write
-- in a commit group of 25, and a third of the session update's B-tree
-- work. The active list needs the newest sessions of one listener: it
-- reads this index hour by hour, newest first, and sorts each hour's
-- sessions by updated_at. SQLite leaves an index entry alone when its
-- key does not change, so the entry moves once an hour of activity.
DROP INDEX sessions_recent;
CREATE INDEX sessions_user_hour ON sessions (user_id, updated_at / 3600000000000);
