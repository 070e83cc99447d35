// Package auth is who may call Segue: security profiles (the x-api-key
// header), users with their subscription tier, and bearer tokens with
// scopes. Secrets (API keys and tokens) are random, shown once, and stored
// only as SHA-256 hashes.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/segue/segue"
)

// Tier is a user's subscription tier.
type Tier string

// Subscription tiers (SPEC.md §5).
const (
	TierUnlimited Tier = "UNLIMITED"
	TierPrime     Tier = "PRIME"
	TierFree      Tier = "FREE"
)

// ParseTier checks a tier name.
func ParseTier(s string) (Tier, error) {
	switch t := Tier(s); t {
	case TierUnlimited, TierPrime, TierFree:
		return t, nil
	}
	return "", segue.Errorf(segue.EBadRequest, "tier %q is not one of UNLIMITED, PRIME, FREE", s)
}

// ScopePlayback is the scope the playback API requires.
const ScopePlayback = "music::playback"

// DefaultTokenTTL is how long a token lives unless asked otherwise.
const DefaultTokenTTL = time.Hour

// User is a listener.
type User struct {
	ID         string
	Name       string
	Tier       Tier
	MaxStreams int // devices that may stream at once
	CreatedAt  time.Time
}

// Key is a security profile: the x-api-key a client sends.
type Key struct {
	ID        string
	Name      string
	Hash      string
	Disabled  bool
	CreatedAt time.Time
}

// Token is a bearer token as stored: only its hash.
type Token struct {
	Hash      string
	UserID    string
	Scopes    []string
	ExpiresAt time.Time
	Revoked   bool
}

// Principal is the authenticated caller of a request.
type Principal struct {
	User  User
	KeyID string
}

// HasScope reports whether the token carries scope.
func (t Token) HasScope(scope string) bool {
	for _, s := range t.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// NewSecret returns a random secret with a readable prefix ("sgk_" for
// keys, "sgt_" for tokens).
func NewSecret(prefix string) string {
	b := make([]byte, 32)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Hash returns the stored form of a secret.
func Hash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
