package bench

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Deployment is one configuration of the system under test in a suite.
type Deployment struct {
	Name      string // for reports: "SQLite FULL", "PostgreSQL, 3 instances"
	Postgres  bool
	Sync      string // SQLite synchronous: FULL or NORMAL
	Instances int
	// Listeners is how many listener tokens the system must provide.
	Listeners int
}

// System is a running deployment: where it answers, who may call it, and
// how to probe its store.
type System struct {
	URLs []string
	// PIDs are the server processes, if they run on this machine.
	PIDs     []int
	Creds    Credentials
	TrackIDs []string
	Probe    ProbeFunc
	// Close stops the servers and removes what the deployment made.
	Close func() error
}

// SuiteConfig is the side-by-side comparison of BENCHMARKS.md.
type SuiteConfig struct {
	// Config gives the load (Concurrency, Duration, Warmup), Sessions,
	// Seed and Log; its URLs, Creds, TrackIDs, Probe and Scenarios are
	// ignored.
	Config
	// LongQueue is the queue length next is compared on against 10
	// entries (100,000 in BENCHMARKS.md).
	LongQueue int
	// Postgres adds the PostgreSQL deployments (one and three instances).
	Postgres bool
	// Deploy starts a deployment.
	Deploy func(ctx context.Context, d Deployment) (*System, error)
}

// SuiteReport is a suite's runs and the ratios drawn from them.
type SuiteReport struct {
	Started    time.Time  `json:"started"`
	Conditions Conditions `json:"conditions"`
	Runs       []*Report  `json:"runs"`
	Ratios     []Ratio    `json:"ratios"`
}

// Errors counts the errors of every run.
func (s *SuiteReport) Errors() int64 {
	var n int64
	for _, r := range s.Runs {
		n += r.Errors()
	}
	return n
}

// Labels of the suite's deployments and variants.
const (
	labelFull    = "SQLite FULL"
	labelNormal  = "SQLite NORMAL"
	labelPG1     = "PostgreSQL, 1 instance"
	labelPG3     = "PostgreSQL, 3 instances"
	variantShort = "short queues"
	variantLong  = "long queues"
	variantMany  = "many writers"
)

// manyWriters is how many times --concurrency the many-writers variant
// runs next with (64 for 16), over manySessions sessions per writer:
// the target "durable next above the one-commit-per-request limit when
// many sessions write at once".
const (
	manyWriters  = 4
	manySessions = 32
)

// OpenLoopSpan is how many times the scenarios' duration the suite's open
// loop runs. Its p99 is the 1% slowest answers, and a server's garbage
// collections (one every 3 to 5 s under next at half saturation on the
// machine of BENCHMARKS.md) make most of them: over 5 s, whether one
// fell inside the window decided much of the figure.
const OpenLoopSpan = 3

// plan is what a suite runs on one deployment.
type plan struct {
	d         Deployment
	probe     bool     // measure the raw commit rate
	scenarios []string // closed loops
	more      bool     // the open loop and the queue-length variants
}

// Suite runs every deployment in turn and compares them.
func Suite(ctx context.Context, sc SuiteConfig) (*SuiteReport, error) {
	if sc.Deploy == nil {
		return nil, errors.New("bench: suite without Deploy")
	}
	if err := sc.Load.check(); err != nil {
		return nil, err
	}
	if sc.Rate > 0 {
		return nil, errors.New("bench: a suite measures closed loops and picks its own open-loop rate; give no rate")
	}
	listeners := ListenersNeeded(sc.Sessions+manyWriters*manySessions*sc.Concurrency, sc.Concurrency)
	deps := []plan{
		{Deployment{Name: labelFull, Sync: "FULL", Instances: 1}, true, Scenarios, true},
		{Deployment{Name: labelNormal, Sync: "NORMAL", Instances: 1}, true, []string{Healthz, Next, Event}, false},
	}
	if sc.Postgres {
		deps = append(deps,
			plan{Deployment{Name: labelPG1, Postgres: true, Instances: 1}, true, []string{Healthz, Next, Mixed}, false},
			plan{Deployment{Name: labelPG3, Postgres: true, Instances: 3}, false, []string{Healthz, Next, Mixed}, false})
	}
	out := &SuiteReport{Started: time.Now().UTC(), Conditions: startConditions()}
	defer func() { out.Conditions.LoadEnd = LoadAverage() }()
	for _, dep := range deps {
		dep.d.Listeners = listeners
		rep, err := sc.deployment(ctx, dep)
		if rep != nil {
			out.Runs = append(out.Runs, rep)
		}
		if err != nil {
			return out, fmt.Errorf("%s: %w", dep.d.Name, err)
		}
	}
	out.Ratios = ratios(out)
	return out, nil
}

// deployment starts one deployment and runs its scenarios.
func (sc SuiteConfig) deployment(ctx context.Context, p plan) (rep *Report, err error) {
	d := p.d
	fmt.Fprintf(sc.logw(), "bench: starting %s\n", d.Name)
	sys, err := sc.Deploy(ctx, d)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := sys.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	cfg := sc.Config
	cfg.URLs, cfg.ServerPIDs, cfg.Creds, cfg.TrackIDs, cfg.Label = sys.URLs, sys.PIDs, sys.Creds, sys.TrackIDs, d.Name
	cfg.Queue, cfg.Scenarios, cfg.Probe = 10, p.scenarios, nil
	if p.probe {
		cfg.Probe = sys.Probe
	}
	b, err := New(cfg)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	rep, err = b.RunAll(ctx)
	if err != nil || !p.more {
		return rep, err
	}
	// Open loop at half the rate next sustained in a closed loop, for
	// longer than the other scenarios.
	if closed := rep.Find(Next, "closed", d.Name); closed != nil && closed.PerSecond > 0 {
		load := sc.Load
		load.Rate = closed.PerSecond / 2
		load.Duration = OpenLoopSpan * sc.Load.Duration
		r, err := b.Run(ctx, Next, load)
		if err != nil {
			return rep, err
		}
		rep.Results = append(rep.Results, r)
	}
	rep.Setup = b.Setup()
	// next with many writers at once, on sessions of their own; then on
	// short and long queues, the same number of sessions.
	for _, v := range []struct {
		label          string
		writers, queue int
		sessions       int
	}{
		{variantMany, manyWriters * sc.Concurrency, 10, manyWriters * manySessions * sc.Concurrency},
		{variantShort, sc.Concurrency, 10, sc.Concurrency},
		{variantLong, sc.Concurrency, sc.LongQueue, sc.Concurrency},
	} {
		vc := cfg
		vc.Label, vc.Sessions, vc.Queue, vc.Probe = v.label, v.sessions, v.queue, nil
		load := sc.Load
		load.Concurrency = v.writers
		vb, err := New(vc)
		if err != nil {
			return rep, err
		}
		r, err := vb.Run(ctx, Next, load)
		rep.Setup = append(rep.Setup, vb.Setup()...)
		vb.Close()
		if err != nil {
			return rep, err
		}
		rep.Results = append(rep.Results, r)
	}
	return rep, nil
}

func (sc SuiteConfig) logw() interface{ Write([]byte) (int, error) } {
	if sc.Log == nil {
		return discard{}
	}
	return sc.Log
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
