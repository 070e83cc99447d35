package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// Bench drives scenarios against one system under test. It creates the
// sessions a scenario needs on first use and keeps them for the next
// scenarios.
type Bench struct {
	cfg   Config
	cl    *client
	pools map[string]*pool
	setup []SetupStep
	clock atomic.Int64 // the last client timestamp given to an event
}

// New checks cfg and returns a Bench; it sends nothing yet.
func New(cfg Config) (*Bench, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	cl, err := newClient(cfg.URLs, cfg.Creds.APIKey)
	if err != nil {
		return nil, err
	}
	b := &Bench{cfg: cfg, cl: cl, pools: map[string]*pool{}}
	b.clock.Store(time.Now().UnixMilli())
	return b, nil
}

// Close releases the bench's connections.
func (b *Bench) Close() { b.cl.close() }

// timestamp returns a client timestamp no event of this bench had, so
// that every event is new (events are idempotent on metricId, type and
// timestamp).
func (b *Bench) timestamp() int64 { return b.clock.Add(1) }

// Setup reports the sessions made so far.
func (b *Bench) Setup() []SetupStep { return b.setup }

// Run runs one scenario under load and returns its result. Errors are
// failed checks, counted in the result; the returned error is for a run
// that could not happen (bad load, sessions that could not be created).
func (b *Bench) Run(ctx context.Context, scenario string, load Load) (*Result, error) {
	if err := load.check(); err != nil {
		return nil, err
	}
	o := ops[scenario]
	if o == nil {
		return nil, fmt.Errorf("bench: unknown scenario %q", scenario)
	}
	owned := make([][]*session, load.Concurrency)
	var p *pool
	if name := poolOf(scenario); name != "" {
		n := load.Concurrency
		switch name {
		case mainPool:
			n = max(b.cfg.Sessions, load.Concurrency)
		case takeoverPool:
			n = max(load.Concurrency, 2) // contention needs two devices
		}
		var err error
		if p, err = b.ensurePool(ctx, name, n, load.Concurrency); err != nil {
			return nil, err
		}
		// Worker i owns sessions i, i+N, i+2N...: exactly one worker
		// touches a session, so it knows what the session holds.
		for i, s := range p.sessions[:n] {
			owned[i%load.Concurrency] = append(owned[i%load.Concurrency], s)
		}
	}
	how := fmt.Sprintf("%d workers", load.Concurrency)
	if load.Rate > 0 {
		how = fmt.Sprintf("%.0f req/s, at most %d in flight", load.Rate, load.Concurrency)
	}
	fmt.Fprintf(b.cfg.Log, "bench: %s%s for %s (+%s warmup), %s\n", b.prefix(), scenario, load.Duration, load.Warmup, how)
	cpu := startCPU(b.cfg.ServerPIDs)
	r := b.drive(ctx, scenario, o, owned, load)
	r.BenchCPU, r.ServerCPU = cpu.stop()
	if p != nil {
		r.Sessions, r.Queue = 0, p.queue
		for _, o := range owned {
			r.Sessions += len(o)
		}
	}
	if scenario == Takeover && ctx.Err() == nil {
		if err := b.checkStreams(ctx); err != nil {
			r.Errors++
			r.ErrorSamples = append(r.ErrorSamples, err.Error())
		}
	}
	r.Label = b.cfg.Label
	return r, ctx.Err()
}

// Probe runs the config's commit probe, if any.
func (b *Bench) Probe(ctx context.Context, load Load) (*Result, error) {
	if b.cfg.Probe == nil {
		return nil, nil
	}
	fmt.Fprintf(b.cfg.Log, "bench: %sraw commit rate for %s (+%s warmup)\n", b.prefix(), load.Duration, load.Warmup)
	r, err := b.cfg.Probe(ctx, load.Warmup, load.Duration)
	if err != nil {
		return nil, fmt.Errorf("bench: commit probe: %w", err)
	}
	r.Label = b.cfg.Label
	return r, nil
}

// Run runs cfg on a new Bench (see RunAll).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	b, err := New(cfg)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return b.RunAll(ctx)
}

// RunAll runs the config's commit probe, then each of its scenarios in
// turn, under the config's load.
func (b *Bench) RunAll(ctx context.Context) (*Report, error) {
	cfg := b.cfg
	if err := cfg.Load.check(); err != nil {
		return nil, err
	}
	rep := &Report{Label: cfg.Label, URLs: cfg.URLs, Started: time.Now().UTC(), Conditions: startConditions()}
	defer func() { rep.Setup, rep.Conditions.LoadEnd = b.Setup(), LoadAverage() }()
	if r, err := b.Probe(ctx, cfg.Load); err != nil {
		return rep, err
	} else if r != nil {
		rep.Results = append(rep.Results, r)
	}
	for _, sc := range cfg.Scenarios {
		r, err := b.Run(ctx, sc, cfg.Load)
		if r != nil {
			rep.Results = append(rep.Results, r)
		}
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}
