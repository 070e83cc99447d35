package bench

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// FreshSchema creates a new, empty schema in the PostgreSQL database dsn
// names and returns a DSN whose search_path is that schema, and a function
// that drops it with everything in it.
func FreshSchema(ctx context.Context, dsn string) (schemaDSN string, drop func(context.Context) error, err error) {
	schema := "segue_bench_" + randomHex(6)
	exec := func(ctx context.Context, sql string) error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if schemaDSN, err = withSearchPath(dsn, schema); err != nil {
		return "", nil, err
	}
	if err := exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("bench: PostgreSQL: create schema %s: %w", schema, err)
	}
	return schemaDSN, func(ctx context.Context) error { return exec(ctx, "DROP SCHEMA "+schema+" CASCADE") }, nil
}

// withSearchPath sets search_path in a postgres:// URL or key=value DSN.
func withSearchPath(dsn, schema string) (string, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " search_path=" + schema, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("bench: PostgreSQL DSN: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
