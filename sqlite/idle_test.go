package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestSessionQueriesUseHourIndexes checks that purging idle sessions and
// counting recent ones read the hour index (migration 0008), and that the
// active list reads a listener's hours newest first (0009), sorting only
// within an hour, instead of reading or sorting all the listener's
// sessions.
func TestSessionQueriesUseHourIndexes(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		query string
		args  []any
		want  []string
	}{
		{"DELETE FROM sessions WHERE " + idleWhere, []any{1, 2}, []string{"sessions_idle_hour"}},
		{"SELECT count(*) FROM sessions WHERE " + recentWhere, []any{1, 2}, []string{"sessions_idle_hour"}},
		{activeQuery(false), []any{"u", 1, 2, 10}, []string{"sessions_user_hour", "LAST 2 TERMS OF ORDER BY"}},
		{activeQuery(true), []any{"u", 1, 2, 3, 4, 4, "s", 10}, []string{"sessions_user_hour", "LAST 2 TERMS OF ORDER BY"}},
	} {
		rows, err := db.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+c.query, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan strings.Builder
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(detail + "; ")
		}
		rows.Close()
		for _, w := range c.want {
			if !strings.Contains(plan.String(), w) {
				t.Errorf("%s: plan %q does not show %q", c.query, plan.String(), w)
			}
		}
	}
}
