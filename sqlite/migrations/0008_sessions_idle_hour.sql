-- sessions_idle indexed updated_at itself, so that every write of a
-- session (each next) moved its entry from one leaf of the index to the
-- last one: 1.7 more pages written per next, of 8.7. Purging idle
-- sessions and counting recent ones need only the hour: the entry now
-- moves once an hour of activity, and the queries check updated_at on the
-- rows of the boundary hour.
DROP INDEX sessions_idle;
CREATE INDEX sessions_idle_hour ON sessions (updated_at / 3600000000000);
