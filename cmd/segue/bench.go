package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/segue/segue/auth"
	"github.com/segue/segue/bench"
	"github.com/segue/segue/catalog"
)

var benchUsage = `usage: segue bench [flags]

Creates its own listeners (in the store) and sessions (through the API),
drives checked scenarios, and prints requests/s and latency percentiles.
By default it starts its servers as child processes on a fresh store;
--url targets servers that already run. Exits 1 if any check failed.

scenarios: ` + strings.Join(bench.Scenarios, ", ") + `

flags:
`

// benchOpts are the flags of segue bench.
type benchOpts struct {
	sf                     storeFlags
	urls                   []string
	scenarios              []string
	load                   bench.Load
	sessions, queue, long  int
	instances              int
	fresh, keep, probe     bool
	suite, asJSON, allowEr bool
	postgres, tmp, cpuprof string
	seed                   int64
}

func benchCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, sf := newFlags("bench", stderr, getenv)
	o := benchOpts{sf: sf}
	urls := fs.String("url", "", "base URLs of running servers, comma-separated (requests go round-robin); the store flags must name their store")
	scen := fs.String("scenarios", "all", "scenarios to run, comma-separated, or all")
	fs.DurationVar(&o.load.Duration, "duration", 5*time.Second, fmt.Sprintf("measured time of each scenario (and of the commit probe); --suite's open loop runs %d times as long", bench.OpenLoopSpan))
	fs.DurationVar(&o.load.Warmup, "warmup", time.Second, "time before each measure whose answers are checked but not measured")
	fs.IntVar(&o.load.Concurrency, "concurrency", 16, "closed loop: workers that each send, wait and repeat; open loop: most requests in flight")
	fs.Float64Var(&o.load.Rate, "rate", 0, "open loop: requests per second, latency counted from each one's due time (0: closed loop)")
	fs.IntVar(&o.sessions, "sessions", 10_000, "sessions the read, write and event scenarios spread over (at least --concurrency)")
	fs.IntVar(&o.queue, "queue", 10, "entries in each of those sessions' queues (1 to 100000)")
	fs.IntVar(&o.instances, "instances", 1, "servers to start; more than 1 needs PostgreSQL (--db)")
	fs.BoolFunc("fresh", "use a new temporary data folder, or a new PostgreSQL schema with --db, removed afterwards (default: true unless --data, --db, SEGUE_DATA or SEGUE_DB is given)", func(v string) (err error) {
		o.fresh, err = strconv.ParseBool(v)
		return err
	})
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary folder (server logs, fresh data) and print where it is")
	fs.BoolVar(&o.probe, "probe", true, "measure the store's raw durable commit rate first")
	fs.BoolVar(&o.suite, "suite", false, "run the side-by-side comparison of BENCHMARKS.md (fresh stores) and print its ratio table")
	fs.StringVar(&o.postgres, "postgres", envDefault(getenv, "SEGUE_TEST_POSTGRES", ""), "with --suite: a postgres:// DSN to compare 1 and 3 instances on, in a fresh schema (env SEGUE_TEST_POSTGRES)")
	fs.IntVar(&o.long, "long-queue", 100_000, "with --suite: the long queue compared with 10 entries for next")
	fs.StringVar(&o.tmp, "tmpdir", os.TempDir(), "where temporary folders are made (fresh SQLite data is on this disk)")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the queues and choices")
	fs.BoolVar(&o.asJSON, "json", false, "print the whole report as JSON")
	fs.BoolVar(&o.allowEr, "allow-errors", false, "exit 0 even if checks failed")
	fs.StringVar(&o.cpuprof, "cpuprofile", "", "write a CPU profile of the bench itself (not of the servers) to this file")
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage)
		fs.PrintDefaults()
	}
	if pos, err := parseArgs(fs, args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("bench: unexpected argument %q", pos[0])
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["fresh"] {
		o.fresh = !given["data"] && !given["db"] && getenv("SEGUE_DATA") == "" && getenv("SEGUE_DB") == ""
	}
	if o.suite && given["data"] {
		return errors.New("bench: --suite makes its own fresh data folders; --tmpdir says where")
	}
	if o.postgres == "skip" {
		o.postgres = ""
	}
	for _, u := range strings.Split(*urls, ",") {
		if u = strings.TrimSpace(u); u != "" {
			o.urls = append(o.urls, u)
		}
	}
	if *scen != "all" {
		o.scenarios = strings.Split(*scen, ",")
	}
	if err := o.check(); err != nil {
		return err
	}
	if o.cpuprof != "" {
		f, err := os.Create(o.cpuprof)
		if err != nil {
			return fmt.Errorf("bench: --cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("bench: --cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	logw := stderr
	if o.suite {
		return o.runSuite(ctx, stdout, logw)
	}
	return o.runOnce(ctx, stdout, logw)
}

// check refuses contradictory flags.
func (o *benchOpts) check() error {
	switch {
	case o.suite && (len(o.urls) > 0 || *o.sf.db != ""):
		return errors.New("bench: --suite starts its own servers on fresh stores; drop --url and --db (--postgres names the PostgreSQL server)")
	case o.suite && o.load.Rate > 0:
		return errors.New("bench: --suite picks its own open-loop rate; drop --rate")
	case len(o.urls) > 0 && o.fresh:
		return errors.New("bench: --url needs --data or --db naming the servers' store, where the bench creates its listeners")
	case len(o.urls) > 0 && o.instances != 1:
		return errors.New("bench: --instances starts servers; with --url, list them all")
	case o.instances < 1 || o.instances > 1 && *o.sf.db == "":
		return errors.New("bench: --instances above 1 needs PostgreSQL (--db)")
	case o.long < 1 || o.long > 100_000:
		return errors.New("bench: --long-queue must be 1 to 100000")
	}
	for _, s := range o.scenarios {
		if !slices.Contains(bench.Scenarios, s) {
			return fmt.Errorf("bench: unknown scenario %q (known: %s)", s, strings.Join(bench.Scenarios, ", "))
		}
	}
	return nil
}

// runOnce runs the scenarios once on one deployment.
func (o *benchOpts) runOnce(ctx context.Context, stdout, logw io.Writer) error {
	d := bench.Deployment{
		Name: "SQLite " + strings.ToUpper(*o.sf.sync), Postgres: *o.sf.db != "", Sync: *o.sf.sync,
		Instances: o.instances, Listeners: bench.ListenersNeeded(o.sessions, o.load.Concurrency),
	}
	if d.Postgres {
		d.Name = fmt.Sprintf("PostgreSQL, %d instance(s)", o.instances)
	}
	if len(o.urls) > 0 {
		d.Name = "servers at " + strings.Join(o.urls, ", ")
	}
	sys, err := o.deploy(ctx, d, o.target(), logw)
	if err != nil {
		return err
	}
	cfg := bench.Config{
		URLs: sys.URLs, ServerPIDs: sys.PIDs, Creds: sys.Creds, TrackIDs: sys.TrackIDs, Scenarios: o.scenarios,
		Load: o.load, Sessions: o.sessions, Queue: o.queue, Label: d.Name, Seed: o.seed, Log: logw,
	}
	if o.probe {
		cfg.Probe = sys.Probe
	}
	rep, err := bench.Run(ctx, cfg)
	if cerr := sys.Close(); err == nil {
		err = cerr
	}
	if rep != nil {
		if o.asJSON {
			writeIndented(stdout, rep)
		} else {
			fmt.Fprintf(stdout, "Machine: %s\n\n", rep.Conditions)
			rep.Markdown(stdout)
		}
	}
	if err != nil {
		return err
	}
	return o.verdict(rep.Errors())
}

// runSuite runs the comparison of BENCHMARKS.md.
func (o *benchOpts) runSuite(ctx context.Context, stdout, logw io.Writer) error {
	sc := bench.SuiteConfig{
		Config: bench.Config{
			Load: o.load, Sessions: o.sessions, Seed: o.seed, Log: logw,
		},
		LongQueue: o.long,
		Postgres:  o.postgres != "",
		Deploy: func(ctx context.Context, d bench.Deployment) (*bench.System, error) {
			t := target{sync: d.Sync, fresh: true}
			if d.Postgres {
				t.dsn = o.postgres
			}
			return o.deploy(ctx, d, t, logw)
		},
	}
	rep, err := bench.Suite(ctx, sc)
	if rep != nil {
		if o.asJSON {
			writeIndented(stdout, rep)
		} else {
			fmt.Fprintf(stdout, "Machine: %s\n\nRun at %s: each scenario %s after a %s warmup, %d workers, %d sessions.\n\n",
				rep.Conditions, rep.Started.Format(time.RFC3339), o.load.Duration, o.load.Warmup, o.load.Concurrency, o.sessions)
			for _, r := range rep.Runs {
				r.Markdown(stdout)
			}
			fmt.Fprintf(stdout, "### Ratios\n\n")
			rep.Markdown(stdout)
		}
	}
	if err != nil {
		return err
	}
	return o.verdict(rep.Errors())
}

func (o *benchOpts) verdict(errs int64) error {
	if errs > 0 && !o.allowEr {
		return fmt.Errorf("bench: %d failed checks (see the ERROR lines); --allow-errors exits 0 anyway", errs)
	}
	return nil
}

// target is the store a deployment runs on.
type target struct {
	data, dsn, sync string // SQLite data folder and synchronous mode, or a PostgreSQL DSN
	fresh           bool   // a new data folder, or a new schema in the DSN's database
}

// target returns the store the flags name.
func (o *benchOpts) target() target {
	return target{data: *o.sf.data, dsn: *o.sf.db, sync: *o.sf.sync, fresh: o.fresh}
}

// deploy readies the store (fresh if asked), creates the bench's
// listeners in it, and starts the servers unless --url names them.
func (o *benchOpts) deploy(ctx context.Context, d bench.Deployment, t target, logw io.Writer) (sys *bench.System, err error) {
	work, err := os.MkdirTemp(o.tmp, "segue-bench-")
	if err != nil {
		return nil, err
	}
	var cleanups []func() error
	closeAll := func() error {
		var errs []error
		for i := len(cleanups) - 1; i >= 0; i-- {
			errs = append(errs, cleanups[i]())
		}
		if o.keep {
			fmt.Fprintf(logw, "bench: kept %s\n", work)
		} else {
			errs = append(errs, os.RemoveAll(work))
		}
		return errors.Join(errs...)
	}
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	if t.fresh && t.dsn == "" {
		t.data = filepath.Join(work, "data")
	}
	if t.fresh && t.dsn != "" {
		dsn, drop, err := bench.FreshSchema(ctx, t.dsn)
		if err != nil {
			return nil, err
		}
		t.dsn = dsn
		cleanups = append(cleanups, func() error { return drop(context.Background()) })
	}
	sys = &bench.System{Close: closeAll}
	sf := storeFlags{data: &t.data, db: &t.dsn, sync: &t.sync}
	if sys.Creds, sys.TrackIDs, err = provision(ctx, sf, d.Listeners, o.needsCatalog()); err != nil {
		return nil, err
	}
	if t.dsn != "" {
		sys.Probe = bench.ProbePostgres(t.dsn)
	} else {
		sys.Probe = bench.ProbeSQLite(filepath.Join(t.data, "bench-commit-probe.db"), t.sync)
	}
	if len(o.urls) > 0 {
		sys.URLs = o.urls
		return sys, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--addr", "127.0.0.1:0", "--demo=false", "--log-format", "json"}
	if t.dsn != "" {
		args = append(args, "--db", t.dsn)
	} else {
		args = append(args, "--data", t.data, "--sqlite-sync", t.sync)
	}
	servers, err := bench.StartServers(ctx, d.Instances, exe, args, work)
	for _, s := range servers {
		sys.URLs, sys.PIDs = append(sys.URLs, s.URL), append(sys.PIDs, s.PID())
		cleanups = append(cleanups, s.Stop)
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(logw, "bench: %s: servers at %s\n", d.Name, strings.Join(sys.URLs, ", "))
	return sys, nil
}

// needsCatalog reports whether a scenario to run plays sessions.
func (o *benchOpts) needsCatalog() bool {
	return o.suite || len(o.scenarios) == 0 || slices.ContainsFunc(o.scenarios, func(s string) bool { return s != bench.Healthz })
}

// provision opens the store, loads the demo catalog into an empty one if
// sessions will be played, and creates an API key, n listeners that may
// stream on bench.ListenerStreams devices and one that may stream on one,
// each with a token. It returns them with the catalog's Chinook track ids.
func provision(ctx context.Context, sf storeFlags, n int, needCatalog bool) (bench.Credentials, []string, error) {
	var creds bench.Credentials
	db, err := openStore(ctx, sf)
	if err != nil {
		return creds, nil, err
	}
	defer db.Close()
	tracks := []string{"none"} // healthz alone plays nothing
	if needCatalog {
		if tracks, err = chinookTracks(ctx, db); err != nil {
			return creds, nil, err
		}
	}

	a := authService(db)
	run := auth.NewID()[:8]
	if _, creds.APIKey, err = a.CreateKey(ctx, "bench-"+run); err != nil {
		return creds, nil, err
	}
	user := func(name string, streams int) (string, error) {
		if _, err := a.AddUser(ctx, auth.User{Name: name, Tier: auth.TierUnlimited, MaxStreams: streams}); err != nil {
			return "", err
		}
		tok, _, err := a.CreateToken(ctx, name, 24*time.Hour, nil)
		return tok, err
	}
	for i := range n {
		tok, err := user(fmt.Sprintf("bench-%s-%d", run, i), bench.ListenerStreams)
		if err != nil {
			return creds, nil, err
		}
		creds.Tokens = append(creds.Tokens, tok)
	}
	creds.Solo, err = user("bench-"+run+"-solo", 1)
	return creds, tracks, err
}

// chinookTracks loads the demo catalog into an empty store and returns
// the ids of the Chinook tracks the catalog holds.
func chinookTracks(ctx context.Context, db store) ([]string, error) {
	if err := loadDemoCatalog(ctx, db, slog.New(slog.DiscardHandler)); err != nil {
		return nil, err
	}
	want := make([]string, 3503)
	for i := range want {
		want[i] = catalog.ChinookTrackID(i + 1)
	}
	found, err := db.Tracks(ctx, want)
	if err != nil {
		return nil, err
	}
	var tracks []string
	for id := range found {
		tracks = append(tracks, id)
	}
	if len(tracks) == 0 {
		return nil, errors.New("bench: the catalog holds none of the Chinook demo tracks (B0CT000001…), which the bench plays")
	}
	slices.Sort(tracks)
	return tracks, nil
}

// writeIndented writes a report as indented JSON (--json).
func writeIndented(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
