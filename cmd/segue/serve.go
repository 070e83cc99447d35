package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/pprof"
	"slices"
	"strings"
	"time"

	"github.com/segue/segue/auth"
	"github.com/segue/segue/catalog"
	"github.com/segue/segue/httpapi"
	"github.com/segue/segue/media"
	"github.com/segue/segue/openapi"
	"github.com/segue/segue/playback"
)

// demoUsers are created on first start, one per tier.
var demoUsers = []struct {
	name string
	tier auth.Tier
}{
	{"demo-unlimited", auth.TierUnlimited},
	{"demo-prime", auth.TierPrime},
	{"demo-free", auth.TierFree},
}

// demoTokenTTL is how long the demo tokens printed at start live.
const demoTokenTTL = 24 * time.Hour

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, sf := newFlags("serve", stderr, getenv)
	addr := fs.String("addr", envDefault(getenv, "SEGUE_ADDR", "127.0.0.1:8080"), "address to listen on (env SEGUE_ADDR)")
	baseURL := fs.String("base-url", getenv("SEGUE_BASE_URL"), "public URL of the server for links and media URLs (env SEGUE_BASE_URL; default http://ADDR)")
	demo := fs.Bool("demo", envDefault(getenv, "SEGUE_DEMO", "true") == "true", "create and print the demo key and users (env SEGUE_DEMO)")
	logFormat := fs.String("log-format", envDefault(getenv, "SEGUE_LOG_FORMAT", "text"), "log format: text or json (env SEGUE_LOG_FORMAT)")
	mediaTTL := fs.Duration("media-url-ttl", media.DefaultTTL, "how long a signed media URL stays valid")
	pprofAddr := fs.String("pprof-addr", getenv("SEGUE_PPROF_ADDR"), "serve net/http/pprof on this separate address, e.g. 127.0.0.1:6060 (env SEGUE_PPROF_ADDR; off by default)")
	streamIdle, err := time.ParseDuration(envDefault(getenv, "SEGUE_STREAM_IDLE", playback.DefaultStreamIdle.String()))
	if err != nil {
		return fmt.Errorf("serve: SEGUE_STREAM_IDLE: %w", err)
	}
	fs.DurationVar(&streamIdle, "stream-idle", streamIdle, "free a stream after this long without an event (env SEGUE_STREAM_IDLE)")
	cacheTTL, err := time.ParseDuration(envDefault(getenv, "SEGUE_CACHE_TTL", "1s"))
	if err != nil {
		return fmt.Errorf("serve: SEGUE_CACHE_TTL: %w", err)
	}
	fs.DurationVar(&cacheTTL, "cache-ttl", cacheTTL, "keep API keys, tokens, users and tracks found in the store until they change (a stamp checked every 100ms), or for this long while the stamp cannot be read; 0 reads the store every time (env SEGUE_CACHE_TTL)")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("serve: unexpected argument %q", pos[0])
	}
	if streamIdle <= 0 {
		return fmt.Errorf("serve: --stream-idle must be positive")
	}
	if cacheTTL < 0 || cacheTTL > time.Minute {
		return fmt.Errorf("serve: --cache-ttl must be between 0 and 1m")
	}
	var logger *slog.Logger
	switch *logFormat {
	case "text":
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	case "json":
		logger = slog.New(slog.NewJSONHandler(stderr, nil))
	default:
		return fmt.Errorf("serve: --log-format must be text or json")
	}

	db, err := openStoreFor(ctx, sf, true)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := loadDemoCatalog(ctx, db, logger); err != nil {
		return err
	}
	if err := db.IndexCatalog(ctx); err != nil {
		return err
	}
	secret, err := instanceSecret(ctx, db)
	if err != nil {
		return err
	}
	authSvc := authService(db)
	authSvc.CacheFor(cacheTTL)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	base := strings.TrimRight(*baseURL, "/")
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	metrics := httpapi.NewMetrics(func(ctx context.Context) (int, int, error) {
		return db.Gauges(ctx, time.Now().Add(-30*time.Minute))
	})
	db.ObserveWith(metrics.ObserveStore)
	srv := &httpapi.Server{
		Auth: authSvc,
		Playback: &playback.Service{
			Store: db, Catalog: playback.CacheTracks(db, cacheTTL, time.Now), Now: time.Now, StreamIdle: streamIdle, OnTakeOver: metrics.TakeOver,
		},
		Metrics: metrics,
		Catalog: db,
		Signer:  media.Signer{Key: secret, TTL: *mediaTTL, Now: time.Now},
		BaseURL: base, Logger: logger, Ready: db.Ping, OpenAPI: openapi.YAML(), Now: time.Now,
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	fmt.Fprintf(stdout, "Segue is listening on %s (data in %s)\n", base, sf.where())
	if *demo {
		if err := printDemo(ctx, db, authSvc, secret, base, stdout); err != nil {
			return err
		}
	}
	go purgeLoop(ctx, srv.Playback, logger)
	if *pprofAddr != "" {
		stopProfiler, err := serveProfiler(*pprofAddr, logger)
		if err != nil {
			return err
		}
		defer stopProfiler()
	}

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	logger.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// loadDemoCatalog loads the Chinook catalog into an empty store.
func loadDemoCatalog(ctx context.Context, db store, logger *slog.Logger) error {
	n, err := db.CatalogSize(ctx)
	if err != nil || n > 0 {
		return err
	}
	d, err := catalog.Chinook()
	if err != nil {
		return err
	}
	if err := db.LoadCatalog(ctx, d); err != nil {
		// Instances starting together on one database: one loads it.
		if n, _ := db.CatalogSize(ctx); n > 0 {
			return nil
		}
		return err
	}
	logger.Info("loaded the Chinook demo catalog", "tracks", len(d.Tracks))
	return nil
}

// demoKey derives the demo security profile's secret from the instance
// secret, so it is the same at every start yet stored only as a hash.
func demoKey(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("demo security profile"))
	return "sgk_demo_" + hex.EncodeToString(m.Sum(nil))[:32]
}

// printDemo makes sure the demo key and users exist, issues fresh tokens
// and prints them with a curl line to paste.
func printDemo(ctx context.Context, db store, a *auth.Service, secret []byte, base string, stdout io.Writer) error {
	key := demoKey(secret)
	if _, err := a.EnsureKey(ctx, "demo", key); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nDemo credentials (tokens last %s; each start prints new ones):\n  x-api-key: %s\n", demoTokenTTL, key)
	var first string
	for _, u := range demoUsers {
		if _, err := a.EnsureUser(ctx, u.name, u.tier); err != nil {
			return err
		}
		tok, _, err := a.CreateToken(ctx, u.name, demoTokenTTL, nil)
		if err != nil {
			return err
		}
		if first == "" {
			first = tok
		}
		fmt.Fprintf(stdout, "  %-15s %-10s Bearer %s\n", u.name, u.tier, tok)
	}
	album, err := demoAlbum(ctx, db)
	if err != nil || album.ID == "" {
		return err
	}
	fmt.Fprintf(stdout, "\nTry (plays the album %q as demo-unlimited):\n"+
		"  curl -s -X POST %s/v1/playback/sessions -H 'x-api-key: %s' -H 'Authorization: Bearer %s' "+
		"-H 'X-Amzn-Device-Id: my-laptop' -H 'Content-Type: application/json' -d '{\"playParams\":{\"id\":\"%s\"},\"limit\":3}'\n\n",
		album.Title, base, key, first, album.ID)
	return nil
}

// demoAlbum is the album the printed curl line plays: Chinook's first,
// or else the first album of the catalog by id (a data folder that held
// scanned or imported music before its first start has no Chinook).
func demoAlbum(ctx context.Context, db store) (catalog.AlbumInfo, error) {
	ids := []string{"B0CA000001"}
	if got, err := db.Albums(ctx, ids); err != nil || len(got) == 1 {
		return got[ids[0]], err
	}
	names, err := db.LibraryNames(ctx)
	if err != nil {
		return catalog.AlbumInfo{}, err
	}
	ids = slices.Sorted(maps.Values(names.Albums))
	if len(ids) == 0 {
		return catalog.AlbumInfo{}, nil
	}
	got, err := db.Albums(ctx, ids[:1])
	return got[ids[0]], err
}

// purgeLoop deletes expired sessions at start and then every hour.
func purgeLoop(ctx context.Context, p *playback.Service, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := p.Purge(ctx)
		if err != nil && ctx.Err() == nil {
			logger.Error("purge expired sessions", "err", err)
		} else if n > 0 {
			logger.Info("purged expired sessions", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// serveProfiler serves the runtime profiles of net/http/pprof on their
// own listener, never on the API's, and returns what stops it.
func serveProfiler(addr string, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve: --pprof-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	logger.Info("profiles", "addr", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() { hs.Close() }, nil
}
