package bench

import (
	"context"
	"strings"
	"testing"
)

// TestScenariosOnACorrectServer runs every scenario against the fake
// server: every check passes.
func TestScenariosOnACorrectServer(t *testing.T) {
	_, srv := newFake(t, "")
	b, err := New(fakeConfig(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, sc := range Scenarios {
		r, err := b.Run(context.Background(), sc, shortLoad)
		if err != nil {
			t.Fatalf("%s: %v", sc, err)
		}
		if r.Requests == 0 || r.Errors != 0 || r.PerSecond <= 0 {
			t.Errorf("%s: %d requests, %d errors %v, %.0f/s", sc, r.Requests, r.Errors, r.ErrorSamples, r.PerSecond)
		}
	}
}

// TestChecksRejectWrongAnswers switches on one bug at a time: the
// scenario that meets it must count errors and keep a message that says
// what was wrong.
func TestChecksRejectWrongAnswers(t *testing.T) {
	for _, tc := range []struct {
		bug, scenario, want string
	}{
		{"healthz", Healthz, `want {"status":"ok"}`},
		{"wrong-session", Next, `sessionId = "someone-else"`},
		{"stuck", Next, "want entry"},
		{"stuck", Current, ""}, // a read of a stuck session is still right
		{"duplicate", Event, "not a duplicate"},
		{"no-refusal", Takeover, "PLAYING for a listener with one stream"},
	} {
		t.Run(tc.bug+"/"+tc.scenario, func(t *testing.T) {
			_, srv := newFake(t, tc.bug)
			b, err := New(fakeConfig(srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			r, err := b.Run(context.Background(), tc.scenario, shortLoad)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if r.Errors != 0 {
					t.Errorf("%d errors: %v", r.Errors, r.ErrorSamples)
				}
				return
			}
			if r.Errors == 0 || len(r.ErrorSamples) == 0 || len(r.ErrorSamples) > maxErrorSamples {
				t.Fatalf("%d errors, samples %v", r.Errors, r.ErrorSamples)
			}
			if !strings.Contains(strings.Join(r.ErrorSamples, "\n"), tc.want) {
				t.Errorf("error samples %q do not say %q", r.ErrorSamples, tc.want)
			}
		})
	}
}

// TestCheckErrorEnvelope: a documented status with another code, or
// without the envelope, is refused.
func TestCheckErrorEnvelope(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		ok     bool
	}{
		{409, `{"error":{"status":"409","code":"STREAM_TAKEN_OVER","message":"x"}}`, true},
		{409, `{"error":{"status":"409","code":"CONFLICT","message":"x"}}`, false},
		{409, `{"error":{"status":"422","code":"STREAM_TAKEN_OVER","message":"x"}}`, false},
		{409, `not json`, false},
		{200, `{"error":{"status":"409","code":"STREAM_TAKEN_OVER"}}`, false},
	} {
		_, err := checkError(&answer{status: tc.status, body: []byte(tc.body)}, 409, "STREAM_TAKEN_OVER")
		if (err == nil) != tc.ok {
			t.Errorf("%d %s: err = %v, want ok=%v", tc.status, tc.body, err, tc.ok)
		}
	}
}
