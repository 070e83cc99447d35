package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/auth"
	"github.com/segue/segue/internal/storecache"
	"github.com/segue/segue/sqlite"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// newService returns an auth.Service over a fresh SQLite file, its store
// and its clock.
func newService(t *testing.T) (*auth.Service, *sqlite.DB, *clock) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"), sqlite.Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t0}
	return &auth.Service{Store: db, Now: c.Now}, db, c
}

func mustToken(t *testing.T, s *auth.Service, user string, ttl time.Duration, scopes []string) string {
	t.Helper()
	secret, _, err := s.CreateToken(context.Background(), user, ttl, scopes)
	if err != nil {
		t.Fatalf("CreateToken(%s): %v", user, err)
	}
	return secret
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %s", code)
	}
	if got := segue.ErrorCode(err); got != code {
		t.Fatalf("code = %s, want %s (%v)", got, code, err)
	}
}

func TestService_CreateUser(t *testing.T) {
	ctx := context.Background()
	s, db, _ := newService(t)
	u, err := s.CreateUser(ctx, "alice@example.com", auth.TierPrime)
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if u.ID == "" || u.Name != "alice@example.com" || u.Tier != auth.TierPrime || !u.CreatedAt.Equal(t0) {
		t.Errorf("user = %+v", u)
	}
	got, err := db.UserByName(ctx, "alice@example.com")
	if err != nil || got != u {
		t.Errorf("stored user = %+v, %v; want %+v", got, err, u)
	}

	tests := []struct {
		name, user string
		tier       auth.Tier
		code       string
	}{
		{"Empty", "", auth.TierFree, segue.EBadRequest},
		{"TooLong", strings.Repeat("a", auth.MaxNameLength+1), auth.TierFree, segue.EBadRequest},
		{"Space", "bob smith", auth.TierFree, segue.EBadRequest},
		{"Slash", "bob/smith", auth.TierFree, segue.EBadRequest},
		{"Quote", `bob"`, auth.TierFree, segue.EBadRequest},
		{"Unicode", "bøb", auth.TierFree, segue.EBadRequest},
		{"BadTier", "bob", auth.Tier("GOLD"), segue.EBadRequest},
		{"LowercaseTier", "bob", auth.Tier("prime"), segue.EBadRequest},
		{"EmptyTier", "bob", auth.Tier(""), segue.EBadRequest},
		{"Duplicate", "alice@example.com", auth.TierFree, segue.EConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, tt.user, tt.tier)
			wantCode(t, err, tt.code)
		})
	}
	t.Run("MaxLength", func(t *testing.T) {
		name := strings.Repeat("b", auth.MaxNameLength)
		if _, err := s.CreateUser(ctx, name, auth.TierFree); err != nil {
			t.Errorf("CreateUser with a %d-character name: %v", len(name), err)
		}
	})
	t.Run("RejectedNotStored", func(t *testing.T) {
		_, err := db.UserByName(ctx, "bob")
		wantCode(t, err, segue.ENotFound)
	})
}

func TestService_EnsureUser(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newService(t)
	u1, err := s.EnsureUser(ctx, "carol", auth.TierUnlimited)
	if err != nil {
		t.Fatalf("EnsureUser: %v", err)
	}
	u2, err := s.EnsureUser(ctx, "carol", auth.TierFree)
	if err != nil {
		t.Fatalf("EnsureUser again: %v", err)
	}
	if u1 != u2 || u2.Tier != auth.TierUnlimited {
		t.Errorf("EnsureUser twice = %+v then %+v; want the same user, tier kept", u1, u2)
	}
	_, err = s.EnsureUser(ctx, "bad name", auth.TierFree)
	wantCode(t, err, segue.EBadRequest)
}

func TestService_Keys(t *testing.T) {
	ctx := context.Background()
	s, db, _ := newService(t)
	k1, sec1, err := s.CreateKey(ctx, "web")
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	k2, sec2, err := s.CreateKey(ctx, "ios")
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	for _, sec := range []string{sec1, sec2} {
		if !strings.HasPrefix(sec, "sgk_") || len(sec) < 40 {
			t.Errorf("key secret %q: want sgk_ and 32 random bytes", sec)
		}
	}
	if sec1 == sec2 || k1.ID == k2.ID {
		t.Errorf("two keys share secret or id: %q/%q, %s/%s", sec1, sec2, k1.ID, k2.ID)
	}
	if k1.Hash != auth.Hash(sec1) || strings.Contains(k1.Hash, sec1) {
		t.Errorf("key hash = %q, want Hash(secret)", k1.Hash)
	}
	if got, err := db.KeyByHash(ctx, auth.Hash(sec1)); err != nil || got.ID != k1.ID {
		t.Errorf("KeyByHash = %+v, %v", got, err)
	}

	t.Run("DuplicateName", func(t *testing.T) {
		_, _, err := s.CreateKey(ctx, "web")
		wantCode(t, err, segue.EConflict)
	})
	t.Run("BadName", func(t *testing.T) {
		_, _, err := s.CreateKey(ctx, "my key")
		wantCode(t, err, segue.EBadRequest)
	})
	t.Run("EnsureKeySameSecret", func(t *testing.T) {
		a, err := s.EnsureKey(ctx, "demo", "sgk_demo-secret")
		if err != nil {
			t.Fatalf("EnsureKey: %v", err)
		}
		b, err := s.EnsureKey(ctx, "demo", "sgk_demo-secret")
		if err != nil {
			t.Fatalf("EnsureKey again: %v", err)
		}
		if a.ID != b.ID || a.Hash != auth.Hash("sgk_demo-secret") {
			t.Errorf("EnsureKey twice = %s then %s; want the same key", a.ID, b.ID)
		}
	})
	t.Run("EnsureKeyExistingSecretOtherName", func(t *testing.T) {
		got, err := s.EnsureKey(ctx, "renamed", sec1)
		if err != nil || got.ID != k1.ID {
			t.Errorf("EnsureKey(existing secret) = %+v, %v; want key %s", got, err, k1.ID)
		}
	})
	t.Run("EnsureKeyNameTakenOtherSecret", func(t *testing.T) {
		_, err := s.EnsureKey(ctx, "demo", "sgk_another")
		wantCode(t, err, segue.EConflict)
	})
}

func TestService_CreateToken(t *testing.T) {
	ctx := context.Background()
	s, db, _ := newService(t)
	u, err := s.CreateUser(ctx, "dave", auth.TierFree)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		ttl        time.Duration
		scopes     []string
		wantTTL    time.Duration
		wantScopes string
	}{
		{"Defaults", 0, nil, time.Hour, "music::playback"},
		{"NegativeTTL", -time.Second, nil, time.Hour, "music::playback"},
		{"Explicit", 10 * time.Minute, []string{"a", "music::playback"}, 10 * time.Minute, "a music::playback"},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sec, tok, err := s.CreateToken(ctx, "dave", tt.ttl, tt.scopes)
			if err != nil {
				t.Fatalf("CreateToken: %v", err)
			}
			if !strings.HasPrefix(sec, "sgt_") || seen[sec] {
				t.Errorf("token secret %q: want a fresh sgt_ secret", sec)
			}
			seen[sec] = true
			stored, err := db.TokenByHash(ctx, auth.Hash(sec))
			if err != nil {
				t.Fatalf("TokenByHash: %v", err)
			}
			for _, tk := range []auth.Token{tok, stored} {
				if tk.Hash != auth.Hash(sec) || tk.UserID != u.ID || tk.Revoked ||
					!tk.ExpiresAt.Equal(t0.Add(tt.wantTTL)) || strings.Join(tk.Scopes, " ") != tt.wantScopes {
					t.Errorf("token = %+v; want user %s, expiry now+%v, scopes %q", tk, u.ID, tt.wantTTL, tt.wantScopes)
				}
			}
		})
	}
	t.Run("UnknownUser", func(t *testing.T) {
		_, _, err := s.CreateToken(ctx, "nobody", 0, nil)
		wantCode(t, err, segue.ENotFound)
	})
}

func TestService_Authenticate(t *testing.T) {
	ctx := context.Background()
	s, db, c := newService(t)
	u, err := s.CreateUser(ctx, "erin", auth.TierUnlimited)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, "frank", auth.TierPrime); err != nil {
		t.Fatal(err)
	}
	key, keySecret, err := s.CreateKey(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	_, offSecret, err := s.CreateKey(ctx, "off")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetKeyDisabled(ctx, "off", true); err != nil {
		t.Fatal(err)
	}
	tok := mustToken(t, s, "erin", time.Hour, nil)
	short := mustToken(t, s, "erin", time.Minute, nil)
	noScope := mustToken(t, s, "erin", time.Hour, []string{"music::library"})
	revoked := auth.NewSecret("sgt_")
	if err := db.CreateToken(ctx, auth.Token{Hash: auth.Hash(revoked), UserID: u.ID,
		Scopes: []string{auth.ScopePlayback}, ExpiresAt: t0.Add(time.Hour), Revoked: true}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, key, authz string
		now              time.Time
		code             string // "" for success
	}{
		{"OK", keySecret, "Bearer " + tok, t0, ""},
		{"OKLowercaseScheme", keySecret, "bearer " + tok, t0, ""},
		{"OKExtraSpaces", keySecret, "  Bearer   " + tok + " ", t0, ""},
		{"OKJustBeforeExpiry", keySecret, "Bearer " + tok, t0.Add(time.Hour - time.Nanosecond), ""},
		{"MissingKey", "", "Bearer " + tok, t0, segue.EInvalidAPIKey},
		{"UnknownKey", "sgk_unknown", "Bearer " + tok, t0, segue.EInvalidAPIKey},
		{"KeyHashInsteadOfSecret", key.Hash, "Bearer " + tok, t0, segue.EInvalidAPIKey},
		{"DisabledKey", offSecret, "Bearer " + tok, t0, segue.EAccessDenied},
		{"NoAuthorization", keySecret, "", t0, segue.EInvalidAuthType},
		{"Basic", keySecret, "Basic dXNlcjpwYXNz", t0, segue.EInvalidAuthType},
		{"TokenWithoutScheme", keySecret, tok, t0, segue.EInvalidAuthType},
		{"BearerEmpty", keySecret, "Bearer ", t0, segue.EInvalidAuthToken},
		{"BearerOnly", keySecret, "Bearer", t0, segue.EInvalidAuthToken},
		{"BearerSpaces", keySecret, "Bearer    ", t0, segue.EInvalidAuthToken},
		{"UnknownToken", keySecret, "Bearer sgt_unknown", t0, segue.EInvalidAccessToken},
		{"TokenHashInsteadOfSecret", keySecret, "Bearer " + auth.Hash(tok), t0, segue.EInvalidAccessToken},
		{"ExpiredToken", keySecret, "Bearer " + short, t0.Add(time.Minute), segue.EInvalidAccessToken},
		{"ExpiredAtExpiry", keySecret, "Bearer " + tok, t0.Add(time.Hour), segue.EInvalidAccessToken},
		{"ExpiredLongAgo", keySecret, "Bearer " + tok, t0.Add(24 * time.Hour), segue.EInvalidAccessToken},
		{"RevokedToken", keySecret, "Bearer " + revoked, t0, segue.EInvalidAccessToken},
		{"MissingScope", keySecret, "Bearer " + noScope, t0, segue.EAccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = tt.now
			p, err := s.Authenticate(ctx, tt.key, tt.authz)
			if tt.code != "" {
				wantCode(t, err, tt.code)
				if p != (auth.Principal{}) {
					t.Errorf("principal = %+v with an error", p)
				}
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if p.User != u || p.KeyID != key.ID {
				t.Errorf("principal = %+v, want user %+v and key %s", p, u, key.ID)
			}
		})
	}
	t.Run("OtherUsersToken", func(t *testing.T) {
		c.t = t0
		p, err := s.Authenticate(ctx, keySecret, "Bearer "+mustToken(t, s, "frank", 0, nil))
		if err != nil || p.User.Name != "frank" || p.User.Tier != auth.TierPrime {
			t.Errorf("Authenticate(frank's token) = %+v, %v", p, err)
		}
	})
}

// TestService_ScopeIsNotSplit checks that a token grants exactly the
// scopes CreateToken reported: one scope containing a space must not turn
// into two when it is stored.
func TestService_ScopeIsNotSplit(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newService(t)
	if _, err := s.CreateUser(ctx, "gus", auth.TierFree); err != nil {
		t.Fatal(err)
	}
	_, keySecret, err := s.CreateKey(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	sec, tok, err := s.CreateToken(ctx, "gus", 0, []string{"music::library music::playback"})
	if segue.ErrorCode(err) == segue.EBadRequest {
		return // refusing such a scope is fine too
	} else if err != nil {
		t.Fatal(err)
	}
	_, err = s.Authenticate(ctx, keySecret, "Bearer "+sec)
	if tok.HasScope(auth.ScopePlayback) != (err == nil) {
		t.Errorf("CreateToken reported scopes %q (playback: %v), but Authenticate = %v",
			tok.Scopes, tok.HasScope(auth.ScopePlayback), err)
	}
}

func TestSecretsAndHash(t *testing.T) {
	t.Run("NewSecret", func(t *testing.T) {
		seen := map[string]bool{}
		for i := 0; i < 100; i++ {
			for _, prefix := range []string{"sgk_", "sgt_"} {
				s := auth.NewSecret(prefix)
				if !strings.HasPrefix(s, prefix) || len(s) != len(prefix)+43 || seen[s] {
					t.Fatalf("NewSecret(%q) = %q: want prefix + 43 fresh base64url characters", prefix, s)
				}
				seen[s] = true
			}
		}
	})
	t.Run("Hash", func(t *testing.T) {
		tests := []struct{ in, want string }{
			{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
			{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		}
		for _, tt := range tests {
			if got := auth.Hash(tt.in); got != tt.want {
				t.Errorf("Hash(%q) = %s, want %s", tt.in, got, tt.want)
			}
		}
		sec := auth.NewSecret("sgt_")
		sum := sha256.Sum256([]byte(sec))
		if got := auth.Hash(sec); got != hex.EncodeToString(sum[:]) {
			t.Errorf("Hash(%q) = %s, want hex SHA-256", sec, got)
		}
	})
	t.Run("ParseTier", func(t *testing.T) {
		for _, s := range []string{"UNLIMITED", "PRIME", "FREE"} {
			if tr, err := auth.ParseTier(s); err != nil || string(tr) != s {
				t.Errorf("ParseTier(%q) = %q, %v", s, tr, err)
			}
		}
		_, err := auth.ParseTier("free")
		wantCode(t, err, segue.EBadRequest)
	})
}

// countingStore is a real store that counts the token reads made of it.
type countingStore struct {
	*sqlite.DB
	tokenReads int
}

func (s *countingStore) TokenByHash(ctx context.Context, hash string) (auth.Token, error) {
	s.tokenReads++
	return s.DB.TokenByHash(ctx, hash)
}

// plainStore hides the auth.Stamper of the store it holds.
type plainStore struct{ auth.Store }

// cachedService points s at store with its caches on for a TTL of 1 s,
// and returns the API key and token of a user "ann" made through it.
func cachedService(t *testing.T, s *auth.Service, store auth.Store) (key, tok string) {
	t.Helper()
	ctx := context.Background()
	s.Store = store
	s.CacheFor(time.Second)
	if _, err := s.CreateUser(ctx, "ann", auth.TierPrime); err != nil {
		t.Fatal(err)
	}
	_, key, err := s.CreateKey(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	return key, mustToken(t, s, "ann", time.Hour, nil)
}

// TestService_AuthenticateCache: over a store with an auth stamp, a token
// is read once while the stamp stays, a disabled key is refused at the
// next read of the stamp, a new token works at once, and an expired
// cached token is refused at once.
func TestService_AuthenticateCache(t *testing.T) {
	ctx := context.Background()
	s, db, c := newService(t)
	store := &countingStore{DB: db}
	key, tok := cachedService(t, s, store)
	for i := 0; i < 100; i++ { // 10 s, ten times the TTL
		if i > 0 {
			c.t = c.t.Add(storecache.DefaultEvery)
		}
		if p, err := s.Authenticate(ctx, key, "Bearer "+tok); err != nil || p.User.Name != "ann" {
			t.Fatalf("Authenticate at +%v = %+v, %v", c.t.Sub(t0), p, err)
		}
	}
	if store.tokenReads != 1 {
		t.Errorf("the token was read %d times in 10 s with the stamp unchanged, want 1", store.tokenReads)
	}
	if err := db.SetKeyDisabled(ctx, "web", true); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(storecache.DefaultEvery / 2)
	if _, err := s.Authenticate(ctx, key, "Bearer "+tok); err != nil {
		t.Fatalf("before the stamp is read again, a cached key: %v", err)
	}
	c.t = c.t.Add(storecache.DefaultEvery / 2)
	if _, err := s.Authenticate(ctx, key, "Bearer "+tok); segue.ErrorCode(err) != segue.EAccessDenied {
		t.Fatalf("at the next read of the stamp, a disabled key: %v, want ACCESS_DENIED", err)
	}
	if err := db.SetKeyDisabled(ctx, "web", false); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(storecache.DefaultEvery)
	short := mustToken(t, s, "ann", 3*time.Second, nil)
	if _, err := s.Authenticate(ctx, key, "Bearer "+short); err != nil {
		t.Fatalf("a new token: %v", err)
	}
	c.t = c.t.Add(3 * time.Second)
	if _, err := s.Authenticate(ctx, key, "Bearer "+short); segue.ErrorCode(err) != segue.EInvalidAccessToken {
		t.Fatalf("an expired, cached token: %v, want INVALID_ACCESS_TOKEN", err)
	}
}

// TestService_AuthenticateCacheTTL: over a store without a stamp, a
// disabled key keeps working until the TTL runs out and is then refused.
func TestService_AuthenticateCacheTTL(t *testing.T) {
	ctx := context.Background()
	s, db, c := newService(t)
	key, tok := cachedService(t, s, plainStore{db})
	if p, err := s.Authenticate(ctx, key, "Bearer "+tok); err != nil || p.User.Name != "ann" {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	if err := db.SetKeyDisabled(ctx, "web", true); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(500 * time.Millisecond)
	if _, err := s.Authenticate(ctx, key, "Bearer "+tok); err != nil {
		t.Fatalf("within the TTL of a cached key: %v", err)
	}
	c.t = c.t.Add(600 * time.Millisecond)
	if _, err := s.Authenticate(ctx, key, "Bearer "+tok); segue.ErrorCode(err) != segue.EAccessDenied {
		t.Fatalf("after the TTL, a disabled key: %v, want ACCESS_DENIED", err)
	}
}
