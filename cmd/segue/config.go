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
	"time"

	"github.com/segue/segue/auth"
	"github.com/segue/segue/sqlite"
)

// envDefault returns the environment variable's value, or def.
func envDefault(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// newFlags returns a flag set with the flags every command shares.
func newFlags(name string, stderr io.Writer, getenv func(string) string) (*flag.FlagSet, *string, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envDefault(getenv, "SEGUE_DATA", "./segue-data"), "data folder (env SEGUE_DATA)")
	sync := fs.String("sqlite-sync", envDefault(getenv, "SEGUE_SQLITE_SYNC", "FULL"), "SQLite synchronous mode, FULL or NORMAL (env SEGUE_SQLITE_SYNC)")
	return fs, data, sync
}

// openStore opens the data folder's database, creating both if needed.
func openStore(ctx context.Context, dir, sync string) (*sqlite.DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	path := filepath.Join(dir, "segue.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{Synchronous: sync})
	if err != nil {
		return nil, err
	}
	// The database holds the instance secret: only its owner may read it.
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(f, 0o600); err != nil && !os.IsNotExist(err) {
			db.Close()
			return nil, fmt.Errorf("data folder: %w", err)
		}
	}
	return db, nil
}

// instanceSecret returns the data folder's random secret, made on first
// use. It keys media URL signatures and the demo key.
func instanceSecret(ctx context.Context, db *sqlite.DB) ([]byte, error) {
	b := make([]byte, 32)
	rand.Read(b)
	v, err := db.SetSettingOnce(ctx, "instance_secret", hex.EncodeToString(b))
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(v)
}

func authService(db *sqlite.DB) *auth.Service {
	return &auth.Service{Store: db, Now: time.Now}
}
