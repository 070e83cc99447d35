package bench

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// maxErrorSamples is how many error messages a result keeps.
const maxErrorSamples = 5

// tally gathers what the workers of one run measured.
type tally struct {
	mu        sync.Mutex
	samples   []time.Duration // measured latencies
	lastDone  time.Time       // the last measured answer
	errors    int64
	errSample []string
	late      int64
	sent      int64 // open loop: slots sent
	outcomes  map[string]int64
}

func (t *tally) addError(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errors++
	if len(t.errSample) < maxErrorSamples {
		t.errSample = append(t.errSample, err.Error())
	}
}

// merge adds one worker's measurements.
func (t *tally) merge(m *measure, outcomes map[string]int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.samples = append(t.samples, m.samples...)
	if m.lastDone.After(t.lastDone) {
		t.lastDone = m.lastDone
	}
	t.late += m.late
	t.sent += m.sent
	for k, v := range outcomes {
		t.outcomes[k] += v
	}
}

// measure is one worker's measurements.
type measure struct {
	samples  []time.Duration
	lastDone time.Time
	late     int64
	sent     int64
}

func (m *measure) add(from, done time.Time) {
	m.samples = append(m.samples, done.Sub(from))
	if done.After(m.lastDone) {
		m.lastDone = done
	}
}

// loop is one run of a scenario: what its workers share.
type loop struct {
	b     *Bench
	name  string
	op    op
	load  Load
	t     *tally
	start time.Time
	// Closed loop: the measure starts after the warmup, once every
	// worker has had its first answer (UnixNano; 0 until then).
	warm        atomic.Int64
	measureFrom atomic.Int64
	// Open loop: request i is due at start + i*interval, for i < slots.
	slots      int64
	interval   time.Duration
	nextSlot   atomic.Int64
	drainUntil time.Time
}

// drive runs op on load.Concurrency workers, worker i on the sessions
// owned[i], and returns the result.
func (b *Bench) drive(ctx context.Context, name string, o op, owned [][]*session, load Load) *Result {
	l := &loop{b: b, name: name, op: o, load: load, t: &tally{outcomes: map[string]int64{}}, start: time.Now().Add(5 * time.Millisecond)}
	if load.Rate > 0 {
		l.interval = max(time.Duration(float64(time.Second)/load.Rate), time.Microsecond)
		end := l.start.Add(load.Warmup + load.Duration)
		l.slots = int64(end.Sub(l.start) / l.interval)
		// Requests due before the end are sent even after it, until
		// this deadline; those still unsent then are dropped.
		l.drainUntil = end.Add(max(load.Duration, time.Second))
		l.measureFrom.Store(l.start.Add(load.Warmup).UnixNano())
	}
	var wg sync.WaitGroup
	for i := range load.Concurrency {
		w := &worker{
			b:        b,
			rng:      rand.New(rand.NewPCG(uint64(b.cfg.Seed), uint64(i)+1<<32)),
			own:      owned[i],
			outcomes: map[string]int64{},
		}
		wg.Go(func() {
			time.Sleep(time.Until(l.start))
			m := &measure{}
			if load.Rate > 0 {
				l.open(ctx, w, m)
			} else {
				l.closed(ctx, w, m)
			}
			l.t.merge(m, w.outcomes)
		})
	}
	wg.Wait()
	return l.result()
}

// one runs the op once on the worker's next session and returns when its
// request was sent and answered. A failed check is counted, and the
// session's state read again.
func (l *loop) one(ctx context.Context, w *worker) (sent, done time.Time) {
	s := w.session()
	w.sent = time.Time{}
	err := l.op(ctx, w, s)
	if w.sent.IsZero() {
		err = fmt.Errorf("bench: %s sent no request", l.name)
		w.sent, w.done = time.Now(), time.Now()
	}
	sent, done = w.sent, w.done
	if err != nil && ctx.Err() == nil {
		l.t.addError(err)
		if s != nil {
			l.b.resync(ctx, s)
		}
	}
	return sent, done
}

// closed sends, waits for the answer, and repeats. The measure starts
// after the warmup and once every worker has had an answer, so that it
// starts in the steady state even when answers take longer than the
// warmup; it measures the requests sent within Duration from then (and at
// least one per worker), each latency from the request's sending.
func (l *loop) closed(ctx context.Context, w *worker, m *measure) {
	first := true
	for ctx.Err() == nil {
		// Each worker sends at least one measured request, so that
		// answers slower than the duration are measured too.
		if mf := l.measureFrom.Load(); mf != 0 && time.Now().UnixNano() >= mf+int64(l.load.Duration) && len(m.samples) > 0 {
			return
		}
		sent, done := l.one(ctx, w)
		if mf := l.measureFrom.Load(); mf != 0 && sent.UnixNano() >= mf {
			m.add(sent, done)
		}
		if first {
			first = false
			if l.warm.Add(1) == int64(l.load.Concurrency) {
				l.measureFrom.Store(max(time.Now().UnixNano(), l.start.Add(l.load.Warmup).UnixNano()))
			}
		}
	}
}

// open takes the next due request, waits for its due time, and sends it;
// latency counts from the due time, so the time it waited for a free
// worker counts too.
func (l *loop) open(ctx context.Context, w *worker, m *measure) {
	measureFrom := time.Unix(0, l.measureFrom.Load())
	for ctx.Err() == nil {
		slot := l.nextSlot.Add(1) - 1
		if slot >= l.slots {
			return
		}
		due := l.start.Add(time.Duration(slot) * l.interval)
		now := time.Now()
		if now.After(l.drainUntil) {
			return
		}
		measured := !due.Before(measureFrom)
		if measured && now.Sub(due) > LateAfter {
			m.late++ // no worker was free when it was due
		}
		time.Sleep(due.Sub(now))
		m.sent++
		_, done := l.one(ctx, w)
		if measured {
			m.add(due, done)
		}
	}
}

// result sums up the run.
func (l *loop) result() *Result {
	t := l.t
	r := &Result{
		Scenario: l.name, Mode: "closed", Concurrency: l.load.Concurrency,
		Requests: int64(len(t.samples)), Errors: t.errors, ErrorSamples: t.errSample,
	}
	if l.load.Rate > 0 {
		r.Mode, r.Rate, r.Late, r.Dropped = "open", l.load.Rate, t.late, l.slots-t.sent
	}
	if len(t.outcomes) > 0 {
		r.Outcomes = maps.Clone(t.outcomes)
	}
	if r.Requests > 0 {
		// From the start of the measure to its last answer: about the
		// duration, longer when answers are slow or an open loop fell
		// behind.
		window := t.lastDone.Sub(time.Unix(0, l.measureFrom.Load()))
		if l.load.Rate > 0 {
			window = max(window, l.load.Duration)
		}
		r.Seconds = window.Seconds()
		r.PerSecond = float64(r.Requests) / window.Seconds()
	}
	r.Latency = Summarize(t.samples)
	return r
}
