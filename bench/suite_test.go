package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestSuite runs the whole suite on fake deployments and checks that
// every comparison of BENCHMARKS.md is drawn, from the right results.
func TestSuite(t *testing.T) {
	var deployed []Deployment
	closed := 0
	sc := SuiteConfig{
		Config:    Config{Load: Load{Concurrency: 2, Duration: 200 * time.Millisecond, Warmup: 20 * time.Millisecond}, Sessions: 6, Seed: 1},
		LongQueue: 40,
		Postgres:  true,
		Deploy: func(ctx context.Context, d Deployment) (*System, error) {
			deployed = append(deployed, d)
			_, srv := newFake(t, "")
			cfg := fakeConfig(srv.URL)
			return &System{
				URLs: []string{srv.URL}, Creds: cfg.Creds, TrackIDs: cfg.TrackIDs,
				Probe: func(ctx context.Context, warmup, d time.Duration) (*Result, error) {
					return timeCommits(ctx, warmup, d, func(int) error { time.Sleep(time.Millisecond); return nil })
				},
				Close: func() error { closed++; return nil },
			}, nil
		},
	}
	rep, err := Suite(context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	if len(deployed) != 4 || closed != 4 || deployed[3].Instances != 3 || !deployed[2].Postgres || deployed[1].Sync != "NORMAL" {
		t.Errorf("deployed %+v, closed %d", deployed, closed)
	}
	if rep.Errors() != 0 {
		t.Errorf("%d errors", rep.Errors())
	}
	want := []string{
		"current vs /healthz (SQLite FULL)", "next vs /healthz", "queue-next vs /healthz", "shuffle vs /healthz",
		"event vs /healthz", "events vs /healthz", "takeover vs /healthz", "mixed vs /healthz",
		"durable next vs raw commit rate (SQLite FULL)", "durable next, 8 writers, vs raw commit rate (SQLite FULL)",
		"durable next vs raw commit rate (PostgreSQL)",
		"SQLite NORMAL vs FULL: raw commit", "SQLite NORMAL vs FULL: next", "SQLite NORMAL vs FULL: event",
		"next: long vs 10-entry queues", "PostgreSQL 3 vs 1 instances: next", "PostgreSQL 3 vs 1 instances: mixed",
		"next open loop at 50% of saturation",
	}
	if len(rep.Ratios) != len(want) {
		t.Errorf("%d ratios, want %d", len(rep.Ratios), len(want))
	}
	for i, r := range rep.Ratios {
		if i < len(want) && !strings.HasPrefix(r.Comparison, want[i]) {
			t.Errorf("ratio %d is %q, want %q", i, r.Comparison, want[i])
		}
		if r.A.PerSecond <= 0 || r.B.PerSecond <= 0 || r.Throughput != r.A.PerSecond/r.B.PerSecond {
			t.Errorf("%s: %+v", r.Comparison, r)
		}
	}
	full := rep.Runs[0]
	long, short := full.Find(Next, "closed", variantLong), full.Find(Next, "closed", variantShort)
	if long == nil || short == nil || long.Queue != 40 || short.Queue != 10 || long.Sessions != 2 || short.Sessions != 2 {
		t.Errorf("queue variants: %+v, %+v", long, short)
	}
	open, next := full.Find(Next, "open", ""), full.Find(Next, "closed", labelFull)
	if open == nil || open.Rate != next.PerSecond/2 {
		t.Errorf("open loop %+v, want at half of %.0f/s", open, next.PerSecond)
	} else if want := (OpenLoopSpan * sc.Load.Duration).Seconds(); open.Seconds < want {
		t.Errorf("open loop measured for %.2f s, want %.2f s", open.Seconds, want)
	}
	var out bytes.Buffer
	rep.Markdown(&out)
	full.Markdown(&out)
	for _, s := range []string{"| comparison (A vs B) |", "| next (long queues) | closed | 2 |", "| next | open | 2 |", "| commit | probe | 1 |"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("markdown lacks %q:\n%s", s, out.String())
		}
	}
}
