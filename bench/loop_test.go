package bench

import (
	"context"
	"sync"
	"testing"
	"time"
)

// stallOnce makes the fake server stop answering for d, once, after the
// first request after wait: every request that arrives meanwhile waits
// until the stall ends, as in a stop-the-world pause.
func stallOnce(f *fake, wait, d time.Duration) {
	var mu sync.Mutex
	var first, until time.Time
	f.stall = func() {
		mu.Lock()
		now := time.Now()
		if first.IsZero() {
			first = now
		}
		if until.IsZero() && now.Sub(first) > wait {
			until = now.Add(d)
		}
		u := until
		mu.Unlock()
		time.Sleep(time.Until(u))
	}
}

// TestOpenLoopCountsQueueingDelay: a server that stalls 200 ms once.
// A closed loop of 4 workers sends only 4 requests into the stall and
// then waits, so its p99 hides the stall; an open loop keeps its
// schedule, so every request due during the stall waits, and the wait
// counts from its due time: the p99 shows the stall, and requests are
// counted late.
func TestOpenLoopCountsQueueingDelay(t *testing.T) {
	run := func(rate float64) *Result {
		f, srv := newFake(t, "")
		stallOnce(f, 300*time.Millisecond, 200*time.Millisecond)
		b, err := New(fakeConfig(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		r, err := b.Run(context.Background(), Healthz, Load{Concurrency: 4, Rate: rate, Duration: 1500 * time.Millisecond})
		if err != nil || r.Errors != 0 {
			t.Fatalf("rate %v: %v, %d errors %v", rate, err, r.Errors, r.ErrorSamples)
		}
		return r
	}
	open := run(200)
	// 300 due: all measured, unless a loaded machine kept the bench from
	// sending some before the drain deadline.
	if open.Mode != "open" || open.Requests < 100 || open.Requests+open.Dropped != 300 {
		t.Errorf("open loop at 200/s for 1.5 s: %s, %d requests, %d dropped", open.Mode, open.Requests, open.Dropped)
	}
	if open.Latency.P99 < 150*time.Millisecond || open.Latency.Max < 180*time.Millisecond {
		t.Errorf("open loop p99 %v, max %v: the 200 ms stall is hidden", open.Latency.P99, open.Latency.Max)
	}
	if open.Late == 0 {
		t.Errorf("open loop: no request late, though every connection was stalled")
	}
	closed := run(0)
	if closed.Mode != "closed" || closed.Latency.Max < 150*time.Millisecond {
		t.Errorf("closed loop: %s, max %v: it should have met the stall", closed.Mode, closed.Latency.Max)
	}
	if closed.Requests > 1000 && closed.Latency.P99 >= open.Latency.P99 {
		t.Errorf("closed loop p99 %v over %d requests is not below the open loop's %v", closed.Latency.P99, closed.Requests, open.Latency.P99)
	}
	t.Logf("open: %d requests, p50 %v p99 %v max %v, %d late; closed: %d requests, p50 %v p99 %v max %v",
		open.Requests, open.Latency.P50, open.Latency.P99, open.Latency.Max, open.Late,
		closed.Requests, closed.Latency.P50, closed.Latency.P99, closed.Latency.Max)
}

// TestOpenLoopDropsWhatItCannotSend: a server far slower than the rate,
// with one connection: the loop drains past the end, then gives up and
// counts the rest as dropped.
func TestOpenLoopDropsWhatItCannotSend(t *testing.T) {
	f, srv := newFake(t, "")
	f.stall = func() { time.Sleep(100 * time.Millisecond) }
	b, err := New(fakeConfig(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	start := time.Now()
	r, err := b.Run(context.Background(), Healthz, Load{Concurrency: 1, Rate: 1000, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// 200 due; 2 answered within the measure, about 10 more while draining.
	if r.Dropped < 100 || r.Late == 0 || r.Requests+r.Dropped != 200 {
		t.Errorf("%d measured, %d late, %d dropped; want most of 200 dropped", r.Requests, r.Late, r.Dropped)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the run took %v: draining is not bounded", took)
	}
	if r.PerSecond > 20 {
		t.Errorf("achieved %.0f/s from a server that answers 10/s", r.PerSecond)
	}
}
