package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Scenario names, as the CLI takes them, in the order Run runs them.
const (
	Healthz   = "healthz"    // GET /healthz: the HTTP stack alone
	Current   = "current"    // GET …/current: a read
	Next      = "next"       // GET …/next: a durable write
	QueueNext = "queue-next" // POST …/queue/next: an insert
	Shuffle   = "shuffle"    // PUT …/shuffle ON/OFF on 10,000-entry queues
	Event     = "event"      // POST /event: one event
	Events    = "events"     // POST /events: a batch of BatchSize events
	Takeover  = "takeover"   // start/progress/pause of many devices of one account with one stream
	Mixed     = "mixed"      // 70% current, 20% next, 10% event
)

// Scenarios lists every scenario in the order Run runs them.
var Scenarios = []string{Healthz, Current, Next, QueueNext, Shuffle, Event, Events, Takeover, Mixed}

// Fixed sizes of the scenarios.
const (
	// ShuffleQueue is the length of the queues the shuffle scenario
	// toggles.
	ShuffleQueue = 10_000
	// BatchSize is the number of events in one POST /events.
	BatchSize = 10
	// SessionsPerListener is the most sessions the bench gives one
	// listener, and ListenerStreams the streams each listener must be
	// allowed, so that the sessions of one listener never take each
	// other's streams (except in the takeover scenario, whose listener
	// has one stream).
	SessionsPerListener = 50
	ListenerStreams     = 100
	// LateAfter: an open-loop request is late when no connection was free
	// to send it within this long after its due time.
	LateAfter = time.Millisecond
)

// Credentials are who the bench plays as. All listeners share one API key.
type Credentials struct {
	APIKey string
	// Tokens are bearer tokens of distinct UNLIMITED listeners that may
	// each stream on ListenerStreams devices. Sessions are spread over
	// them; ListenersNeeded says how many a run needs.
	Tokens []string
	// Solo is the bearer token of an UNLIMITED listener with one stream,
	// whose devices contend for it in the takeover scenario.
	Solo string
}

// ProbeFunc measures the store's raw commit rate for warmup+d and reports
// the commits after the warmup.
type ProbeFunc func(ctx context.Context, warmup, d time.Duration) (*Result, error)

// Load is how one scenario is driven.
type Load struct {
	// Concurrency is the number of workers: in a closed loop each sends,
	// waits for the answer and repeats; in an open loop it caps the
	// requests in flight.
	Concurrency int
	// Rate, when positive, makes an open loop: requests are due at Rate
	// per second and latency counts from the due time.
	Rate float64
	// Duration is the measured time, after Warmup, whose answers are
	// checked but not measured.
	Duration, Warmup time.Duration
}

// Config is a bench run.
type Config struct {
	// URLs are the servers' base URLs; requests go round-robin over them.
	URLs  []string
	Creds Credentials
	// TrackIDs are catalog track ids the sessions' queues are built from
	// (repeats are allowed in a queue).
	TrackIDs []string
	// Scenarios to run, in order (Run); default all.
	Scenarios []string
	Load
	// Sessions is how many sessions the read, write and event scenarios
	// spread over (at least Concurrency); Queue is the number of entries
	// of each.
	Sessions, Queue int
	// Probe, when set, measures the store's raw commit rate before the
	// scenarios run.
	Probe ProbeFunc
	// ServerPIDs are the server processes, when the bench started them
	// on this machine: each result says how much CPU they used.
	ServerPIDs []int
	// Label names the system under test in reports.
	Label string
	// Seed makes the queues and choices reproducible.
	Seed int64
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// ListenersNeeded returns how many listeners (Credentials.Tokens) a run
// with these sessions and concurrency needs, also counting the shuffle
// scenario's sessions and the queue-length comparison of a suite.
func ListenersNeeded(sessions, concurrency int) int {
	total := max(sessions, concurrency) + 3*concurrency
	return max(concurrency, (total+SessionsPerListener-1)/SessionsPerListener)
}

// check validates a load.
func (l Load) check() error {
	switch {
	case l.Concurrency < 1:
		return fmt.Errorf("bench: concurrency must be at least 1")
	case l.Rate < 0:
		return fmt.Errorf("bench: rate must not be negative")
	case l.Duration <= 0:
		return fmt.Errorf("bench: duration must be positive")
	case l.Warmup < 0:
		return fmt.Errorf("bench: warmup must not be negative")
	}
	return nil
}

// check validates a config and fills its defaults.
func (c *Config) check() error {
	if len(c.URLs) == 0 {
		return fmt.Errorf("bench: no server URL")
	}
	if len(c.Scenarios) == 0 {
		c.Scenarios = Scenarios
	}
	for _, s := range c.Scenarios {
		if !slices.Contains(Scenarios, s) {
			return fmt.Errorf("bench: unknown scenario %q (known: %s)", s, strings.Join(Scenarios, ", "))
		}
	}
	if c.Queue < 1 || c.Queue > 100_000 {
		return fmt.Errorf("bench: queue must be 1 to 100000 entries, got %d", c.Queue)
	}
	if c.Sessions < 1 {
		return fmt.Errorf("bench: sessions must be at least 1")
	}
	if len(c.TrackIDs) == 0 {
		return fmt.Errorf("bench: no track ids to build queues from")
	}
	if c.Creds.APIKey == "" || len(c.Creds.Tokens) == 0 {
		return fmt.Errorf("bench: credentials need an API key and at least one listener token")
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	return nil
}
