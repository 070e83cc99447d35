package postgres

import (
	"context"
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
// and users (migration 0006), which every transaction that changes a
// stored one increments, from whichever instance or command made it.
func (db *DB) AuthStamp(ctx context.Context) (int64, error) {
	return db.stamp(ctx, "auth_stamp")
}

// CreateUser implements auth.Store.
func (db *DB) CreateUser(ctx context.Context, u auth.User) error {
	_, err := db.exec(ctx, "INSERT INTO users (id, name, tier, max_streams, created_at) VALUES ($1, $2, $3, $4, $5)",
		u.ID, u.Name, string(u.Tier), u.MaxStreams, u.CreatedAt.UnixNano())
	if isUnique(err) {
		return segue.Errorf(segue.EConflict, "a user named %q exists", u.Name)
	}
	if err != nil {
		return fmt.Errorf("postgres: create user: %w", err)
	}
	return nil
}

func (db *DB) user(ctx context.Context, where string, arg string) (auth.User, error) {
	var u auth.User
	var tier string
	var created int64
	err := db.r.QueryRow(ctx, "SELECT id, name, tier, max_streams, created_at FROM users WHERE "+where+" = $1", arg).
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
	_, err := db.exec(ctx, "INSERT INTO api_keys (id, name, hash, disabled, created_at) VALUES ($1, $2, $3, $4, $5)",
		k.ID, k.Name, k.Hash, k.Disabled, k.CreatedAt.UnixNano())
	if isUnique(err) {
		return segue.Errorf(segue.EConflict, "a key named %q exists", k.Name)
	}
	if err != nil {
		return fmt.Errorf("postgres: create key: %w", err)
	}
	return nil
}

func (db *DB) key(ctx context.Context, where, arg, what string) (auth.Key, error) {
	var k auth.Key
	var created int64
	err := db.r.QueryRow(ctx, "SELECT id, name, hash, disabled, created_at FROM api_keys WHERE "+where+" = $1", arg).
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
	// One statement: the key changes and the stamp moves (for the caches
	// of auth.Service.CacheFor) together; it counts the stamp's row,
	// updated only if the key was.
	tag, err := db.exec(ctx, `WITH k AS (UPDATE api_keys SET disabled = $1 WHERE name = $2 RETURNING 1)
		UPDATE auth_stamp SET n = n + 1 WHERE id = 1 AND EXISTS (SELECT 1 FROM k)`, disabled, name)
	if err != nil {
		return fmt.Errorf("postgres: set key disabled: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return segue.Errorf(segue.ENotFound, "no key %q", name)
	}
	return nil
}

// CreateToken implements auth.Store.
func (db *DB) CreateToken(ctx context.Context, t auth.Token) error {
	_, err := db.exec(ctx, "INSERT INTO tokens (hash, user_id, scopes, expires_at, revoked) VALUES ($1, $2, $3, $4, $5)",
		t.Hash, t.UserID, strings.Join(t.Scopes, " "), t.ExpiresAt.UnixNano(), t.Revoked)
	if err != nil {
		return fmt.Errorf("postgres: create token: %w", err)
	}
	return nil
}

// TokenByHash implements auth.Store.
func (db *DB) TokenByHash(ctx context.Context, hash string) (auth.Token, error) {
	var t auth.Token
	var scopes string
	var exp int64
	err := db.r.QueryRow(ctx, "SELECT hash, user_id, scopes, expires_at, revoked FROM tokens WHERE hash = $1", hash).
		Scan(&t.Hash, &t.UserID, &scopes, &exp, &t.Revoked)
	if err != nil {
		return auth.Token{}, notFound(err, "no such token")
	}
	t.Scopes, t.ExpiresAt = strings.Fields(scopes), time.Unix(0, exp).UTC()
	return t, nil
}
