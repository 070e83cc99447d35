package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestIdleQueriesUseIndex checks that purging idle sessions and counting
// recent ones read the hour index (migration 0008), not every session.
func TestIdleQueriesUseIndex(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"DELETE FROM sessions WHERE " + idleWhere,
		"SELECT count(*) FROM sessions WHERE " + recentWhere,
	} {
		rows, err := db.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, 1, 2)
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
		if !strings.Contains(plan.String(), "sessions_idle_hour") {
			t.Errorf("%s: plan %q does not use sessions_idle_hour", q, plan.String())
		}
	}
}
