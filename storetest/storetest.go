// Package storetest is the one conformance suite every Segue store runs:
// what playback, auth and the commands rely on of a store, its error
// codes, and what must hold when several goroutines, or several handles
// on one database (as instances sharing it), change one account at once.
//
// A store's test calls Run with a function that opens it:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Store { ... })
//	}
package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/auth"
	"github.com/segue/segue/catalog"
	"github.com/segue/segue/playback"
)

// Store is what the suite checks: everything the commands use of a store.
type Store interface {
	playback.Store
	playback.Catalog
	playback.CatalogStamper
	auth.Store
	auth.Stamper
	LoadCatalog(ctx context.Context, d *catalog.Data) error
	ImportCatalog(ctx context.Context, d *catalog.Data) (catalog.ImportStats, error)
	CatalogSize(ctx context.Context) (int, error)
	Ping(ctx context.Context) error
	Setting(ctx context.Context, key string) (string, error)
	SetSettingOnce(ctx context.Context, key, value string) (string, error)
	CountEvents(ctx context.Context, userID, metricID string) (int, error)
	Gauges(ctx context.Context, since time.Time) (sessions, streams int, err error)
	ObserveWith(f func(kind string, d time.Duration))
	Close() error
	Browser
	Librarian
}

// Run runs the suite. open must return a store on an empty database of
// the test t and close it when t ends (t.Cleanup); called again with the
// same t, it must open the same database again, as a second instance
// would. The Chinook catalog is loaded once, into the store opened for
// the top-level t; the other tests read it through that store and keep
// their sessions, users and keys in stores of their own.
func Run(t *testing.T, open func(t *testing.T) Store) { RunWith(t, open, Options{}) }

// Options adapt the suite to a kind of store.
type Options struct {
	// OneServer says that only the first handle open on a database may
	// change its sessions, as with an Exclusive SQLite store, which keeps
	// them in memory; later opens are admin handles. The concurrency
	// tests then run their two services on the first handle.
	OneServer bool
}

// RunWith runs the suite with options.
func RunWith(t *testing.T, open func(t *testing.T) Store, opt Options) {
	d, err := catalog.Chinook()
	if err != nil {
		t.Fatal(err)
	}
	cat := open(t)
	start := time.Now()
	if err := cat.LoadCatalog(context.Background(), d); err != nil {
		t.Fatalf("LoadCatalog(Chinook): %v", err)
	}
	t.Logf("loaded Chinook (%d tracks, %d playlists) in %v", len(d.Tracks), len(d.Playlists), time.Since(start).Round(time.Millisecond))
	s := &suite{open: open, cat: cat, data: d, opt: opt}
	groups := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"Settings", s.testSettings},
		{"Reopen", s.testReopen},
		{"Users", s.testUsers},
		{"Keys", s.testKeys},
		{"Tokens", s.testTokens},
		{"Catalog", s.testCatalog},
		{"SmallCatalog", s.testSmallCatalog},
		{"ImportJSON", s.testImportJSON},
		{"Library", s.testLibrary},
		{"CatalogStamp", s.testCatalogStamp},
		{"Browse", s.testBrowse},
		{"Search", s.testSearch},
		{"SessionRoundTrip", s.testSessionRoundTrip},
		{"Sessions", s.testSessions},
		{"UpdateSession", s.testUpdateSession},
		{"TouchSession", s.testTouchSession},
		{"ActiveSessions", s.testActiveSessions},
		{"PurgeSessions", s.testPurgeSessions},
		{"Account", s.testAccount},
		{"History", s.testHistory},
		{"Idempotency", s.testIdempotency},
		{"Gauges", s.testGauges},
		{"Concurrent", s.testConcurrent},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			g.run(t)
		})
	}
}

var (
	ctx = context.Background()
	t0  = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	// epoch is before any time the tests store.
	epoch = time.Unix(0, 0)
)

// suite is what the tests share: how to open a store, and the store that
// holds the Chinook catalog.
type suite struct {
	open func(t *testing.T) Store
	cat  Store
	data *catalog.Data
	opt  Options
}

// clock is a settable time source, safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// env is a fresh store with a playback service on it that reads the
// shared catalog.
type env struct {
	db   Store
	c    *clock
	svc  *playback.Service
	auth *auth.Service
}

func (s *suite) newEnv(t *testing.T) *env {
	t.Helper()
	db := s.open(t)
	c := &clock{t: t0}
	return &env{
		db: db, c: c,
		svc:  &playback.Service{Store: db, Catalog: s.cat, Now: c.Now},
		auth: &auth.Service{Store: db, Now: c.Now},
	}
}

// user creates a user and returns it as a listener on device "dev-NAME".
func (e *env) user(t *testing.T, name string, tier auth.Tier, streams int) playback.Listener {
	t.Helper()
	u, err := e.auth.AddUser(ctx, auth.User{Name: name, Tier: tier, MaxStreams: streams})
	if err != nil {
		t.Fatalf("AddUser(%s): %v", name, err)
	}
	return playback.Listener{UserID: u.ID, Tier: u.Tier, MaxStreams: u.MaxStreams, DeviceID: "dev-" + name}
}

// create starts a session on a catalog id with a window of 3.
func (e *env) create(t *testing.T, l playback.Listener, id string, loop playback.LoopMode) *playback.View {
	t.Helper()
	v, err := e.svc.Create(ctx, l, playback.CreateRequest{ID: id, Loop: loop, Limit: 3})
	if err != nil {
		t.Fatalf("Create(%s): %v", id, err)
	}
	return v
}

// lookupPlay reads a play through the account.
func (e *env) lookupPlay(userID, metric string) (p playback.Play, err error) {
	err = e.db.Account(ctx, userID, func(a playback.AccountTx) error {
		p, err = a.Play(metric)
		return err
	})
	return p, err
}

// account runs fn in a write transaction on the user's account and fails
// the test if it fails.
func (e *env) account(t *testing.T, userID string, fn func(a playback.AccountTx) error) {
	t.Helper()
	if err := e.db.Account(ctx, userID, fn); err != nil {
		t.Fatalf("Account: %v", err)
	}
}

// snapshot reads a session and its entries, in natural order, as stored.
func snapshot(t *testing.T, db Store, userID, id string) (s playback.Session, entries []playback.Entry) {
	t.Helper()
	err := db.ViewSession(ctx, userID, id, func(q *playback.Queue, _ playback.AccountReader) error {
		s = *q.S
		for ref := q.S.NatHead; ref != ""; {
			en, err := q.Get(ref)
			if err != nil {
				return err
			}
			entries, ref = append(entries, en), en.NatNext
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ViewSession: %v", err)
	}
	return s, entries
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := segue.ErrorCode(err); err == nil || got != code {
		t.Fatalf("err = %v (code %s), want %s", err, got, code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
