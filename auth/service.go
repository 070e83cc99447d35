package auth

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/segue/segue"
	"github.com/segue/segue/internal/storecache"
)

// Store keeps users, keys and tokens.
type Store interface {
	CreateUser(ctx context.Context, u User) error // CONFLICT if the name is taken
	UserByName(ctx context.Context, name string) (User, error)
	UserByID(ctx context.Context, id string) (User, error)
	CreateKey(ctx context.Context, k Key) error // CONFLICT if the name is taken
	KeyByHash(ctx context.Context, hash string) (Key, error)
	KeyByName(ctx context.Context, name string) (Key, error)
	SetKeyDisabled(ctx context.Context, name string, disabled bool) error
	CreateToken(ctx context.Context, t Token) error
	TokenByHash(ctx context.Context, hash string) (Token, error)
}

// Service authenticates requests and manages users, keys and tokens.
type Service struct {
	Store Store
	Now   func() time.Time
	// Keys, Tokens and Users keep what Authenticate found (CacheFor). The
	// zero caches read the store every time.
	Keys   storecache.Cache[Key]
	Tokens storecache.Cache[Token]
	Users  storecache.Cache[User]
}

// CacheFor makes Authenticate reuse the keys, tokens and users it found
// (ttl 0: read the store every time). Call it before first use.
//
// If the Store is a Stamper, they are kept until its stamp changes, which
// is read at most every storecache.DefaultEvery: a key disabled by any
// process is refused within about that time, and a token is read once
// rather than once per ttl. A value is served only while it, or the last
// read of the stamp that found the stamp unchanged, is younger than ttl,
// so if the stamp cannot be read nothing older than ttl is served.
// Otherwise they are kept for ttl, and a disabled key is refused within
// ttl.
func (s *Service) CacheFor(ttl time.Duration) {
	var stamp *storecache.Stamp
	if st, ok := s.Store.(Stamper); ok {
		stamp = &storecache.Stamp{Read: st.AuthStamp}
	}
	s.Keys.TTL, s.Tokens.TTL, s.Users.TTL = ttl, ttl, ttl
	s.Keys.Stamp, s.Tokens.Stamp, s.Users.Stamp = stamp, stamp, stamp
}

// MaxNameLength bounds user and key names.
const MaxNameLength = 64

func checkName(what, name string) error {
	if name == "" || len(name) > MaxNameLength {
		return segue.Errorf(segue.EBadRequest, "%s name must be 1 to %d characters", what, MaxNameLength)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '@') {
			return segue.Errorf(segue.EBadRequest, "%s name %q may hold only letters, digits and - _ . @", what, name)
		}
	}
	return nil
}

// NewID returns a random UUID (version 4).
func NewID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// MaxStreamsLimit bounds how many streams one account may hold.
const MaxStreamsLimit = 100

// CreateUser adds a listener with one stream.
func (s *Service) CreateUser(ctx context.Context, name string, tier Tier) (User, error) {
	return s.AddUser(ctx, User{Name: name, Tier: tier, MaxStreams: 1})
}

// AddUser adds a listener with the name, tier and stream limit of u.
func (s *Service) AddUser(ctx context.Context, u User) (User, error) {
	if err := checkName("user", u.Name); err != nil {
		return User{}, err
	}
	if _, err := ParseTier(string(u.Tier)); err != nil {
		return User{}, err
	}
	if u.MaxStreams < 1 || u.MaxStreams > MaxStreamsLimit {
		return User{}, segue.Errorf(segue.EBadRequest, "streams must be between 1 and %d, got %d", MaxStreamsLimit, u.MaxStreams)
	}
	u.ID, u.CreatedAt = NewID(), s.Now().UTC()
	if err := s.Store.CreateUser(ctx, u); err != nil {
		return User{}, err
	}
	return u, nil
}

// EnsureUser returns the user named name, creating it with tier if absent.
func (s *Service) EnsureUser(ctx context.Context, name string, tier Tier) (User, error) {
	u, err := s.Store.UserByName(ctx, name)
	if segue.ErrorCode(err) != segue.ENotFound {
		return u, err
	}
	u, err = s.CreateUser(ctx, name, tier)
	if segue.ErrorCode(err) == segue.EConflict { // another instance made it first
		return s.Store.UserByName(ctx, name)
	}
	return u, err
}

// CreateKey registers a security profile and returns its secret, which is
// shown only now.
func (s *Service) CreateKey(ctx context.Context, name string) (Key, string, error) {
	secret := NewSecret("sgk_")
	k, err := s.addKey(ctx, name, secret)
	return k, secret, err
}

// EnsureKey registers secret under name unless a key with that secret
// exists already.
func (s *Service) EnsureKey(ctx context.Context, name, secret string) (Key, error) {
	k, err := s.Store.KeyByHash(ctx, Hash(secret))
	if segue.ErrorCode(err) != segue.ENotFound {
		return k, err
	}
	k, err = s.addKey(ctx, name, secret)
	if segue.ErrorCode(err) == segue.EConflict { // another instance may have made it first
		if again, err2 := s.Store.KeyByHash(ctx, Hash(secret)); err2 == nil {
			return again, nil
		}
	}
	return k, err
}

func (s *Service) addKey(ctx context.Context, name, secret string) (Key, error) {
	if err := checkName("key", name); err != nil {
		return Key{}, err
	}
	k := Key{ID: NewID(), Name: name, Hash: Hash(secret), CreatedAt: s.Now().UTC()}
	if err := s.Store.CreateKey(ctx, k); err != nil {
		return Key{}, err
	}
	return k, nil
}

// CreateToken issues a bearer token for the user named userName; the
// secret is shown only now. ttl <= 0 means DefaultTokenTTL; no scopes
// means music::playback.
func (s *Service) CreateToken(ctx context.Context, userName string, ttl time.Duration, scopes []string) (string, Token, error) {
	u, err := s.Store.UserByName(ctx, userName)
	if err != nil {
		return "", Token{}, err
	}
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	if len(scopes) == 0 {
		scopes = []string{ScopePlayback}
	}
	for _, sc := range scopes {
		if sc == "" || len(sc) > MaxNameLength || strings.ContainsFunc(sc, unicode.IsSpace) {
			return "", Token{}, segue.Errorf(segue.EBadRequest, "scope %q: 1 to %d characters, no spaces", sc, MaxNameLength)
		}
	}
	secret := NewSecret("sgt_")
	t := Token{Hash: Hash(secret), UserID: u.ID, Scopes: scopes, ExpiresAt: s.Now().Add(ttl).UTC()}
	if err := s.Store.CreateToken(ctx, t); err != nil {
		return "", Token{}, err
	}
	return secret, t, nil
}

// Authenticate checks the x-api-key and Authorization headers of a request
// and returns its caller, or an error with the code SPEC.md §1 gives for
// each failure.
func (s *Service) Authenticate(ctx context.Context, apiKey, authorization string) (Principal, error) {
	if apiKey == "" {
		return Principal{}, segue.Errorf(segue.EInvalidAPIKey, "the x-api-key header is missing")
	}
	now := s.Now()
	k, err := cached(ctx, &s.Keys, Hash(apiKey), now, s.Store.KeyByHash)
	if segue.ErrorCode(err) == segue.ENotFound {
		return Principal{}, segue.Errorf(segue.EInvalidAPIKey, "the x-api-key is not a registered security profile")
	} else if err != nil {
		return Principal{}, err
	}
	if k.Disabled {
		return Principal{}, segue.Errorf(segue.EAccessDenied, "the security profile is disabled")
	}
	scheme, tok, _ := strings.Cut(strings.TrimSpace(authorization), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return Principal{}, segue.Errorf(segue.EInvalidAuthType, "the Authorization header must be \"Bearer <token>\"")
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return Principal{}, segue.Errorf(segue.EInvalidAuthToken, "the bearer token is empty")
	}
	t, err := cached(ctx, &s.Tokens, Hash(tok), now, s.Store.TokenByHash)
	if segue.ErrorCode(err) == segue.ENotFound {
		return Principal{}, segue.Errorf(segue.EInvalidAccessToken, "the access token is not valid")
	} else if err != nil {
		return Principal{}, err
	}
	if t.Revoked || !now.Before(t.ExpiresAt) {
		return Principal{}, segue.Errorf(segue.EInvalidAccessToken, "the access token has expired or was revoked")
	}
	if !t.HasScope(ScopePlayback) {
		return Principal{}, segue.Errorf(segue.EAccessDenied, "the access token lacks the %s scope", ScopePlayback)
	}
	u, err := cached(ctx, &s.Users, t.UserID, now, s.Store.UserByID)
	if err != nil {
		return Principal{}, fmt.Errorf("auth: user of token: %w", err)
	}
	return Principal{User: u, KeyID: k.ID}, nil
}
