package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/segue/segue/auth"
	"github.com/segue/segue/catalog"
)

// parseArgs parses flags that may come before or after one positional
// argument, and returns the positional arguments.
func parseArgs(fs interface {
	Parse([]string) error
	Args() []string
}, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func printResult(stdout io.Writer, asJSON bool, v any, human string) error {
	if asJSON {
		return json.NewEncoder(stdout).Encode(v)
	}
	_, err := fmt.Fprintln(stdout, human)
	return err
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, sf := newFlags("migrate", stderr, getenv)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	db, err := openStore(ctx, sf)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "database in %s is up to date\n", sf.where())
	return nil
}

func usersCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, sf := newFlags("users create", stderr, getenv)
	tier := fs.String("tier", "UNLIMITED", "subscription tier: UNLIMITED, PRIME or FREE")
	streams := fs.Int("streams", 1, "how many devices may stream at once")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("users create: give exactly one NAME")
	}
	t, err := auth.ParseTier(strings.ToUpper(*tier))
	if err != nil {
		return err
	}
	db, err := openStore(ctx, sf)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := authService(db).AddUser(ctx, auth.User{Name: pos[0], Tier: t, MaxStreams: *streams})
	if err != nil {
		return err
	}
	return printResult(stdout, *asJSON, map[string]any{"id": u.ID, "name": u.Name, "tier": string(u.Tier), "maxStreams": u.MaxStreams},
		fmt.Sprintf("created user %s (%s, %d stream(s)), id %s", u.Name, u.Tier, u.MaxStreams, u.ID))
}

func keysCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, sf := newFlags("keys create", stderr, getenv)
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("keys create: give exactly one NAME")
	}
	db, err := openStore(ctx, sf)
	if err != nil {
		return err
	}
	defer db.Close()
	k, secret, err := authService(db).CreateKey(ctx, pos[0])
	if err != nil {
		return err
	}
	return printResult(stdout, *asJSON, map[string]string{"id": secret, "name": k.Name},
		fmt.Sprintf("created security profile %s; its x-api-key (shown only now): %s", k.Name, secret))
}

func keysSetDisabled(ctx context.Context, args []string, disabled bool, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, sf := newFlags("keys disable", stderr, getenv)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("keys: give exactly one NAME")
	}
	db, err := openStore(ctx, sf)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SetKeyDisabled(ctx, pos[0], disabled); err != nil {
		return err
	}
	state := "enabled"
	if disabled {
		state = "disabled"
	}
	fmt.Fprintf(stdout, "key %s %s\n", pos[0], state)
	return nil
}

func tokensCreate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, sf := newFlags("tokens create", stderr, getenv)
	user := fs.String("user", "", "name of the user the token is for (required)")
	ttl := fs.Duration("ttl", auth.DefaultTokenTTL, "how long the token lives")
	scope := fs.String("scope", auth.ScopePlayback, "space-separated scopes")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *user == "" {
		return fmt.Errorf("tokens create: give --user NAME and nothing else")
	}
	if *ttl <= 0 || *ttl > 365*24*time.Hour {
		return fmt.Errorf("tokens create: --ttl must be between 1s and 8760h")
	}
	db, err := openStore(ctx, sf)
	if err != nil {
		return err
	}
	defer db.Close()
	secret, t, err := authService(db).CreateToken(ctx, *user, *ttl, strings.Fields(*scope))
	if err != nil {
		return err
	}
	exp := t.ExpiresAt.Format(time.RFC3339)
	return printResult(stdout, *asJSON, map[string]string{"token": secret, "user": *user, "expiresAt": exp},
		fmt.Sprintf("token for %s (expires %s, shown only now): %s", *user, exp, secret))
}

func catalogImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, sf := newFlags("catalog import", stderr, getenv)
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("catalog import: give exactly one FILE.json")
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return fmt.Errorf("catalog import: %w", err)
	}
	d, err := catalog.ParseImport(f)
	f.Close()
	var st catalog.ImportStats
	if err == nil {
		var db store
		if db, err = openStore(ctx, sf); err != nil {
			return err
		}
		defer db.Close()
		st, err = db.ImportCatalog(ctx, d)
	}
	var ie *catalog.ImportError
	if errors.As(err, &ie) {
		if *asJSON {
			json.NewEncoder(stdout).Encode(map[string]any{"problems": ie.Problems})
		} else {
			for _, p := range ie.Problems {
				fmt.Fprintln(stderr, p)
			}
		}
		return fmt.Errorf("catalog import: %s: %d problem(s), nothing imported", pos[0], len(ie.Problems))
	}
	if err != nil {
		return err
	}
	a, u := st.Added, st.Updated
	return printResult(stdout, *asJSON, st, fmt.Sprintf("imported: %d genres (%d new), %d artists (%d new), %d albums (%d new), %d tracks (%d new), %d playlists (%d new)",
		a.Genres+u.Genres, a.Genres, a.Artists+u.Artists, a.Artists, a.Albums+u.Albums, a.Albums,
		a.Tracks+u.Tracks, a.Tracks, a.Playlists+u.Playlists, a.Playlists))
}
