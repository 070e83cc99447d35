package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/auth"
)

func (s *suite) testSettings(t *testing.T) {
	db := s.open(t)
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if v, err := db.Setting(ctx, "secret"); err != nil || v != "" {
		t.Fatalf("unset Setting = %q, %v; want empty", v, err)
	}
	for _, value := range []string{"first", "second"} {
		if v, err := db.SetSettingOnce(ctx, "secret", value); err != nil || v != "first" {
			t.Fatalf("SetSettingOnce(%s) = %q, %v; want first", value, v, err)
		}
	}
	if v, err := db.Setting(ctx, "secret"); err != nil || v != "first" {
		t.Fatalf("Setting = %q, %v; want first", v, err)
	}

	t.Run("ConcurrentSetOnce", func(t *testing.T) {
		// Instances that start together must agree on one value.
		got := make([]string, 8)
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() {
				v, err := db.SetSettingOnce(ctx, "race", fmt.Sprint("v", i))
				if err != nil {
					t.Error(err)
				}
				got[i] = v
			})
		}
		wg.Wait()
		for i := range got {
			if got[i] != got[0] || got[i] == "" {
				t.Fatalf("SetSettingOnce answered %q", got)
			}
		}
	})
}

// testReopen opens the database twice (migrations run again) while the
// first handle stays open: both see each other's writes.
func (s *suite) testReopen(t *testing.T) {
	first := s.open(t)
	a := &auth.Service{Store: first, Now: time.Now}
	u, err := a.CreateUser(ctx, "ann", auth.TierFree)
	must(t, err)
	_, err = first.SetSettingOnce(ctx, "secret", "first")
	must(t, err)
	for i := range 2 {
		again := s.open(t)
		if got, err := again.UserByID(ctx, u.ID); err != nil || got != u {
			t.Fatalf("open %d: user = %+v, %v; want %+v", i, got, err, u)
		}
		if v, err := again.SetSettingOnce(ctx, "secret", fmt.Sprint("other", i)); err != nil || v != "first" {
			t.Errorf("open %d: SetSettingOnce = %q, %v; want first", i, v, err)
		}
		if n, err := again.CatalogSize(ctx); err != nil || n != 0 {
			t.Errorf("open %d: CatalogSize = %d, %v; want 0", i, n, err)
		}
		name := fmt.Sprint("bob", i)
		if _, err := (&auth.Service{Store: again, Now: time.Now}).CreateUser(ctx, name, auth.TierPrime); err != nil {
			t.Fatal(err)
		}
		if _, err := first.UserByName(ctx, name); err != nil {
			t.Errorf("open %d: the first handle does not see %s: %v", i, name, err)
		}
	}
}

func (s *suite) testUsers(t *testing.T) {
	e := s.newEnv(t)
	e.c.Set(t0.Add(123456789 * time.Nanosecond)) // times keep their nanoseconds
	u, err := e.auth.AddUser(ctx, auth.User{Name: "ann@x.org", Tier: auth.TierPrime, MaxStreams: 3})
	must(t, err)
	for what, get := range map[string]func() (auth.User, error){
		"ByName": func() (auth.User, error) { return e.db.UserByName(ctx, u.Name) },
		"ByID":   func() (auth.User, error) { return e.db.UserByID(ctx, u.ID) },
	} {
		if got, err := get(); err != nil || got != u {
			t.Errorf("User%s = %+v, %v; want %+v", what, got, err, u)
		}
	}
	_, err = e.db.UserByName(ctx, "nobody")
	wantCode(t, err, segue.ENotFound)
	_, err = e.db.UserByID(ctx, auth.NewID())
	wantCode(t, err, segue.ENotFound)
	dup := u
	dup.ID = auth.NewID()
	wantCode(t, e.db.CreateUser(ctx, dup), segue.EConflict)

	t.Run("ConcurrentSameName", func(t *testing.T) {
		var mu sync.Mutex
		codes := map[string]int{}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				err := e.db.CreateUser(ctx, auth.User{ID: auth.NewID(), Name: "race", Tier: auth.TierFree, MaxStreams: 1, CreatedAt: t0})
				code := "ok"
				if err != nil {
					code = segue.ErrorCode(err)
				}
				mu.Lock()
				codes[code]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if codes["ok"] != 1 || codes[segue.EConflict] != 7 {
			t.Errorf("8 CreateUser of one name: %v; want 1 ok and 7 %s", codes, segue.EConflict)
		}
	})
}

func (s *suite) testKeys(t *testing.T) {
	db := s.open(t)
	k := auth.Key{ID: auth.NewID(), Name: "web", Hash: auth.Hash("secret"), CreatedAt: t0.Add(time.Nanosecond)}
	must(t, db.CreateKey(ctx, k))
	if got, err := db.KeyByHash(ctx, k.Hash); err != nil || got != k {
		t.Errorf("KeyByHash = %+v, %v; want %+v", got, err, k)
	}
	if got, err := db.KeyByName(ctx, k.Name); err != nil || got != k {
		t.Errorf("KeyByName = %+v, %v; want %+v", got, err, k)
	}
	stamp := func() int64 {
		t.Helper()
		n, err := db.AuthStamp(ctx)
		must(t, err)
		return n
	}
	before := stamp()
	for _, disabled := range []bool{true, false} {
		must(t, db.SetKeyDisabled(ctx, k.Name, disabled))
		if got, err := db.KeyByName(ctx, k.Name); err != nil || got.Disabled != disabled {
			t.Errorf("after SetKeyDisabled(%v): %+v, %v", disabled, got, err)
		}
		if now := stamp(); now == before {
			t.Errorf("SetKeyDisabled(%v) left the auth stamp at %d", disabled, now)
		} else {
			before = now
		}
	}

	t.Run("Errors", func(t *testing.T) {
		_, err := db.KeyByHash(ctx, auth.Hash("other"))
		wantCode(t, err, segue.ENotFound)
		_, err = db.KeyByName(ctx, "nope")
		wantCode(t, err, segue.ENotFound)
		n, err := db.AuthStamp(ctx)
		must(t, err)
		wantCode(t, db.SetKeyDisabled(ctx, "nope", true), segue.ENotFound)
		if after, err := db.AuthStamp(ctx); err != nil || after != n {
			t.Errorf("a SetKeyDisabled of no key moved the auth stamp from %d to %d (%v)", n, after, err)
		}
		sameName := auth.Key{ID: auth.NewID(), Name: k.Name, Hash: auth.Hash("other"), CreatedAt: t0}
		wantCode(t, db.CreateKey(ctx, sameName), segue.EConflict)
		sameSecret := auth.Key{ID: auth.NewID(), Name: "other", Hash: k.Hash, CreatedAt: t0}
		if err := db.CreateKey(ctx, sameSecret); err == nil {
			t.Errorf("CreateKey with a stored hash succeeded")
		}
	})
}

func (s *suite) testTokens(t *testing.T) {
	e := s.newEnv(t)
	l := e.user(t, "ann", auth.TierUnlimited, 1)
	for _, tok := range []auth.Token{
		{Hash: auth.Hash("t1"), UserID: l.UserID, Scopes: []string{auth.ScopePlayback, "other"}, ExpiresAt: t0.Add(time.Hour + 1)},
		{Hash: auth.Hash("t2"), UserID: l.UserID, Scopes: []string{"x"}, ExpiresAt: t0, Revoked: true},
	} {
		must(t, e.db.CreateToken(ctx, tok))
		got, err := e.db.TokenByHash(ctx, tok.Hash)
		if err != nil || got.UserID != tok.UserID || !got.ExpiresAt.Equal(tok.ExpiresAt) || got.Revoked != tok.Revoked ||
			fmt.Sprint(got.Scopes) != fmt.Sprint(tok.Scopes) {
			t.Errorf("TokenByHash = %+v, %v; want %+v", got, err, tok)
		}
	}
	_, err := e.db.TokenByHash(ctx, auth.Hash("nope"))
	wantCode(t, err, segue.ENotFound)
	if err := e.db.CreateToken(ctx, auth.Token{Hash: auth.Hash("t3"), UserID: auth.NewID(), ExpiresAt: t0}); err == nil {
		t.Errorf("CreateToken for an unknown user succeeded")
	}

	t.Run("Authenticate", func(t *testing.T) {
		_, key, err := e.auth.CreateKey(ctx, "app")
		must(t, err)
		u, err := e.db.UserByID(ctx, l.UserID)
		must(t, err)
		secret, _, err := e.auth.CreateToken(ctx, u.Name, 0, nil)
		must(t, err)
		p, err := e.auth.Authenticate(ctx, key, "Bearer "+secret)
		if err != nil || p.User != u {
			t.Fatalf("Authenticate = %+v, %v; want user %+v", p, err, u)
		}
		_, err = e.auth.Authenticate(ctx, key, "Bearer sgt_nope")
		wantCode(t, err, segue.EInvalidAccessToken)
	})
}
