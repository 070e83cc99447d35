package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/segue/segue/auth"
	"github.com/segue/segue/catalog"
	"github.com/segue/segue/httpapi"
	"github.com/segue/segue/library"
	"github.com/segue/segue/playback"
	"github.com/segue/segue/postgres"
	"github.com/segue/segue/sqlite"
)

// envDefault returns the environment variable's value, or def.
func envDefault(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// store is what the commands need of a store; *sqlite.DB and
// *postgres.DB both provide it.
type store interface {
	playback.Store
	playback.Catalog
	auth.Store
	Ping(ctx context.Context) error
	Close() error
	CatalogSize(ctx context.Context) (int, error)
	LoadCatalog(ctx context.Context, d *catalog.Data) error
	ImportCatalog(ctx context.Context, d *catalog.Data) (catalog.ImportStats, error)
	SetSettingOnce(ctx context.Context, key, value string) (string, error)
	// Gauges counts sessions active since since and streams held.
	Gauges(ctx context.Context, since time.Time) (sessions, streams int, err error)
	// ObserveWith reports how long each transaction takes to f.
	ObserveWith(f func(kind string, d time.Duration))
	// The catalog browse API, and the search index of a catalog loaded
	// before the index existed.
	httpapi.CatalogReader
	IndexCatalog(ctx context.Context) error
	// The music a user brings (segue library scan).
	library.Store
}

// storeFlags are the flags every command shares: where the data is.
type storeFlags struct {
	data, db, sync *string
}

// newFlags returns a flag set with the flags every command shares.
func newFlags(name string, stderr io.Writer, getenv func(string) string) (*flag.FlagSet, storeFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs, storeFlags{
		data: fs.String("data", envDefault(getenv, "SEGUE_DATA", "./segue-data"), "data folder (env SEGUE_DATA)"),
		db:   fs.String("db", getenv("SEGUE_DB"), "database: empty for SQLite in the data folder, or a postgres:// DSN (env SEGUE_DB)"),
		sync: fs.String("sqlite-sync", envDefault(getenv, "SEGUE_SQLITE_SYNC", "FULL"), "SQLite synchronous mode, FULL or NORMAL (env SEGUE_SQLITE_SYNC)"),
	}
}

// where says in words where the data is.
func (f storeFlags) where() string {
	if *f.db != "" {
		return "PostgreSQL"
	}
	return *f.data
}

// openStore opens the store the flags name, creating it if needed.
func openStore(ctx context.Context, f storeFlags) (store, error) {
	return openStoreFor(ctx, f, false)
}

// openStoreFor opens the store; server says that it is for segue serve,
// which takes a data folder's SQLite file for itself (sqlite.Options.Exclusive).
func openStoreFor(ctx context.Context, f storeFlags, server bool) (store, error) {
	if *f.db != "" {
		if !strings.HasPrefix(*f.db, "postgres://") && !strings.HasPrefix(*f.db, "postgresql://") {
			return nil, fmt.Errorf("--db: want a postgres:// DSN, or nothing for SQLite in the data folder")
		}
		return postgres.Open(ctx, *f.db)
	}
	dir := *f.data
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	path := filepath.Join(dir, "segue.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{Synchronous: *f.sync, Exclusive: server})
	if err != nil {
		return nil, err
	}
	// The database holds the instance secret: only its owner may read it.
	for _, f := range []string{path, path + "-wal", path + "-shm", path + ".lock"} {
		if err := os.Chmod(f, 0o600); err != nil && !os.IsNotExist(err) {
			db.Close()
			return nil, fmt.Errorf("data folder: %w", err)
		}
	}
	return db, nil
}

// instanceSecret returns the data folder's random secret, made on first
// use. It keys media URL signatures and the demo key.
func instanceSecret(ctx context.Context, db store) ([]byte, error) {
	b := make([]byte, 32)
	rand.Read(b)
	v, err := db.SetSettingOnce(ctx, "instance_secret", hex.EncodeToString(b))
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(v)
}

func authService(db store) *auth.Service {
	return &auth.Service{Store: db, Now: time.Now}
}
