package bench

import (
	"fmt"
	json "github.com/goccy/go-json"
	"strconv"
	"strings"
)

// entity is what the checks read of one element of data.entities.
type entity struct {
	SessionID string `json:"sessionId"`
	Ref       string `json:"entityReferenceId"`
	MetricID  string `json:"metricId"`
	Track     struct {
		ID string `json:"id"`
	} `json:"track"`
}

// window is a checked window answer.
type window struct {
	Entities []entity
	Inserted []string
	Version  int64 // from the ETag
}

// apiError is the error envelope of SPEC.md §1.
type apiError struct {
	Status  string         `json:"status"`
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Payload map[string]any `json:"payload"`
}

// snippet returns the start of a body, for error messages.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// wantStatus checks the status of an answer.
func wantStatus(a *answer, want int) error {
	if a.status != want {
		return fmt.Errorf("status %d, want %d: %s", a.status, want, snippet(a.body))
	}
	return nil
}

// decodeData decodes the {"data": ...} envelope of a 200 answer into v
// (a pointer), in one pass over the body.
func decodeData[T any](a *answer, v *T) error {
	if err := wantStatus(a, 200); err != nil {
		return err
	}
	var env struct {
		Data *T `json:"data"` // nil when missing or null
	}
	if err := json.Unmarshal(a.body, &env); err != nil {
		return fmt.Errorf("body is not JSON, or its data does not decode: %v: %s", err, snippet(a.body))
	}
	if env.Data == nil {
		return fmt.Errorf("no data in the body: %s", snippet(a.body))
	}
	*v = *env.Data
	return nil
}

// checkWindow checks a 200 window answer about session sid: at least one
// entity, each of that session with an entry, a play and a track, and an
// ETag holding the session's version.
func checkWindow(a *answer, sid string) (*window, error) {
	var d struct {
		Entities []entity `json:"entities"`
		Inserted []string `json:"insertedEntityReferenceIds"`
	}
	if err := decodeData(a, &d); err != nil {
		return nil, err
	}
	if len(d.Entities) == 0 {
		return nil, fmt.Errorf("data.entities is empty: %s", snippet(a.body))
	}
	for i, e := range d.Entities {
		if e.SessionID != sid {
			return nil, fmt.Errorf("entities[%d].sessionId = %q, want %q", i, e.SessionID, sid)
		}
		if e.Ref == "" || e.MetricID == "" || e.Track.ID == "" {
			return nil, fmt.Errorf("entities[%d] lacks entityReferenceId, metricId or track.id: %s", i, snippet(a.body))
		}
	}
	v, err := etagVersion(a.header.Get("ETag"))
	if err != nil {
		return nil, err
	}
	return &window{Entities: d.Entities, Inserted: d.Inserted, Version: v}, nil
}

// etagVersion reads a session version from an ETag such as "12".
func etagVersion(tag string) (int64, error) {
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(tag, "W/"), `"`), 10, 64)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("ETag %q is not a session version", tag)
	}
	return v, nil
}

// checkEvent checks the answer to one new event of metricId: accepted, and
// not a duplicate (each event the bench sends is new).
func checkEvent(a *answer, metricID string) error {
	var d struct {
		MetricID  string `json:"metricId"`
		Accepted  *bool  `json:"accepted"`
		Duplicate *bool  `json:"duplicate"`
	}
	if err := decodeData(a, &d); err != nil {
		return err
	}
	if d.MetricID != metricID || d.Accepted == nil || !*d.Accepted || d.Duplicate == nil || *d.Duplicate {
		return fmt.Errorf("event answer %s, want metricId %s accepted and not a duplicate", snippet(a.body), metricID)
	}
	return nil
}

// checkBatch checks the answer to a batch of n new events of metricId:
// one result per event, in order, each accepted and not a duplicate.
func checkBatch(a *answer, metricID string, n int) error {
	var d struct {
		Results []struct {
			Index     int       `json:"index"`
			MetricID  string    `json:"metricId"`
			Accepted  bool      `json:"accepted"`
			Duplicate *bool     `json:"duplicate"`
			Error     *apiError `json:"error"`
		} `json:"results"`
	}
	if err := decodeData(a, &d); err != nil {
		return err
	}
	if len(d.Results) != n {
		return fmt.Errorf("%d results for %d events: %s", len(d.Results), n, snippet(a.body))
	}
	for i, r := range d.Results {
		if r.Error != nil {
			return fmt.Errorf("results[%d]: error %s %s: %s", i, r.Error.Code, r.Error.Message, snippet(a.body))
		}
		if r.Index != i || r.MetricID != metricID || !r.Accepted || r.Duplicate == nil || *r.Duplicate {
			return fmt.Errorf("results[%d] = %+v, want index %d, metricId %s, accepted, not a duplicate", i, r, i, metricID)
		}
	}
	return nil
}

// checkError checks an error answer: the status, the envelope, and the
// code. It returns the envelope.
func checkError(a *answer, status int, code string) (*apiError, error) {
	if err := wantStatus(a, status); err != nil {
		return nil, err
	}
	var env struct {
		Error *apiError `json:"error"`
	}
	if err := json.Unmarshal(a.body, &env); err != nil || env.Error == nil {
		return nil, fmt.Errorf("status %d without an error envelope: %s", status, snippet(a.body))
	}
	if env.Error.Code != code || env.Error.Status != strconv.Itoa(status) {
		return nil, fmt.Errorf("error %s %s, want %d %s: %s", env.Error.Status, env.Error.Code, status, code, snippet(a.body))
	}
	return env.Error, nil
}

// checkHealthz checks GET /healthz: 200 {"status":"ok"}.
func checkHealthz(a *answer) error {
	if err := wantStatus(a, 200); err != nil {
		return err
	}
	var d struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(a.body, &d); err != nil || d.Status != "ok" {
		return fmt.Errorf("healthz answered %s, want {\"status\":\"ok\"}", snippet(a.body))
	}
	return nil
}
