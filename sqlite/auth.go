package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/auth"
)

var (
	_ auth.Store   = (*DB)(nil)
	_ auth.Stamper = (*DB)(nil)
)

// AuthStamp implements auth.Stamper: it returns the stamp of keys, tokens
// and users (migration 0010), which every transaction that changes a
// stored one increments, from whichever process made it.
func (db *DB) AuthStamp(ctx context.Context) (int64, error) {
	return db.stamp(ctx, "auth_stamp")
}

// CreateUser implements auth.Store.
func (db *DB) CreateUser(ctx context.Context, u auth.User) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO users (id, name, tier, max_streams, created_at) VALUES (?, ?, ?, ?, ?)",
			u.ID, u.Name, string(u.Tier), u.MaxStreams, u.CreatedAt.UnixNano())
		return err
	})
	if isUnique(err) {
		return segue.Errorf(segue.EConflict, "a user named %q exists", u.Name)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create user: %w", err)
	}
	return nil
}

func (db *DB) user(ctx context.Context, where string, arg string) (auth.User, error) {
	var u auth.User
	var tier string
	var created int64
	err := db.r.QueryRowContext(ctx, "SELECT id, name, tier, max_streams, created_at FROM users WHERE "+where+" = ?", arg).
		Scan(&u.ID, &u.Name, &tier, &u.MaxStreams, &created)
	if err != nil {
		return auth.User{}, notFound(err, "no user %q", arg)
	}
	u.Tier, u.CreatedAt = auth.Tier(tier), time.Unix(0, created).UTC()
	return u, nil
}

// UserByName implements auth.Store.
func (db *DB) UserByName(ctx context.Context, name string) (auth.User, error) {
	return db.user(ctx, "name", name)
}

// UserByID implements auth.Store.
func (db *DB) UserByID(ctx context.Context, id string) (auth.User, error) {
	return db.user(ctx, "id", id)
}

// CreateKey implements auth.Store.
func (db *DB) CreateKey(ctx context.Context, k auth.Key) error {
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO api_keys (id, name, hash, disabled, created_at) VALUES (?, ?, ?, ?, ?)",
			k.ID, k.Name, k.Hash, k.Disabled, k.CreatedAt.UnixNano())
		return err
	})
	if isUnique(err) {
		return segue.Errorf(segue.EConflict, "a key named %q exists", k.Name)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create key: %w", err)
	}
	return nil
}

func (db *DB) key(ctx context.Context, where, arg, what string) (auth.Key, error) {
	var k auth.Key
	var created int64
	err := db.r.QueryRowContext(ctx, "SELECT id, name, hash, disabled, created_at FROM api_keys WHERE "+where+" = ?", arg).
		Scan(&k.ID, &k.Name, &k.Hash, &k.Disabled, &created)
	if err != nil {
		return auth.Key{}, notFound(err, "no key %s", what)
	}
	k.CreatedAt = time.Unix(0, created).UTC()
	return k, nil
}

// KeyByHash implements auth.Store.
func (db *DB) KeyByHash(ctx context.Context, hash string) (auth.Key, error) {
	return db.key(ctx, "hash", hash, "with that secret")
}

// KeyByName implements auth.Store.
func (db *DB) KeyByName(ctx context.Context, name string) (auth.Key, error) {
	return db.key(ctx, "name", name, fmt.Sprintf("%q", name))
}

// SetKeyDisabled implements auth.Store.
func (db *DB) SetKeyDisabled(ctx context.Context, name string, disabled bool) error {
	return db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE api_keys SET disabled = ? WHERE name = ?", disabled, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return segue.Errorf(segue.ENotFound, "no key %q", name)
		}
		// Caches of the key (auth.Service.CacheFor) see the change once
		// this commits.
		_, err = tx.ExecContext(ctx, "UPDATE auth_stamp SET n = n + 1 WHERE id = 1")
		return err
	})
}

// CreateToken implements auth.Store.
func (db *DB) CreateToken(ctx context.Context, t auth.Token) error {
	return db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO tokens (hash, user_id, scopes, expires_at, revoked) VALUES (?, ?, ?, ?, ?)",
			t.Hash, t.UserID, strings.Join(t.Scopes, " "), t.ExpiresAt.UnixNano(), t.Revoked)
		return err
	})
}

// TokenByHash implements auth.Store.
func (db *DB) TokenByHash(ctx context.Context, hash string) (auth.Token, error) {
	var t auth.Token
	var scopes string
	var exp int64
	err := db.r.QueryRowContext(ctx, "SELECT hash, user_id, scopes, expires_at, revoked FROM tokens WHERE hash = ?", hash).
		Scan(&t.Hash, &t.UserID, &scopes, &exp, &t.Revoked)
	if err != nil {
		return auth.Token{}, notFound(err, "no such token")
	}
	t.Scopes, t.ExpiresAt = strings.Fields(scopes), time.Unix(0, exp).UTC()
	return t, nil
}
