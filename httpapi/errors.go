package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/segue/segue"
	"github.com/segue/segue/playback"
)

// statusOf maps an error code to its HTTP status; it is the only place
// that does.
func statusOf(code string) int {
	switch code {
	case segue.EBadRequest:
		return http.StatusBadRequest
	case segue.EInvalidAuthType, segue.EInvalidAuthToken, segue.EInvalidAccessToken, segue.EInvalidAPIKey:
		return http.StatusUnauthorized
	case segue.EAccessDenied, segue.EFeatureNotAvailable, playback.DisableNoMoreSkips, playback.DisableNeedSubscription,
		playback.DisableNeedUnlimited, playback.DisableNeedShuffleSub:
		return http.StatusForbidden
	case segue.ENotFound, segue.ENoMoreNext, segue.ENoMorePrevious:
		return http.StatusNotFound
	case segue.EMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case segue.EConflict, segue.EStreamTakenOver:
		return http.StatusConflict
	case segue.EPreconditionFailed:
		return http.StatusPreconditionFailed
	case segue.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case segue.EUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case segue.EMaxConcurrency:
		return http.StatusUnprocessableEntity
	case segue.EThrottled:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Status    string `json:"status"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	Reference string `json:"reference"`
	Payload   any    `json:"payload,omitempty"`
}

func errorJSON(err error, reference string) (int, errorBody) {
	code := segue.ErrorCode(err)
	status := statusOf(code)
	return status, errorBody{
		Status: strconv.Itoa(status), Code: code, Message: segue.ErrorMessage(err),
		Reference: reference, Payload: segue.ErrorPayload(err),
	}
}

// writeError answers with the JSON error envelope. Internal causes are
// logged with the request id, never sent.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	id := w.Header().Get("X-Request-Id")
	status, body := errorJSON(err, id)
	if status == http.StatusInternalServerError {
		if l := loggerFrom(r); l != nil {
			l.Error("request failed", "request_id", id, "method", r.Method, "route", r.Pattern, "err", err)
		}
	}
	writeJSON(w, status, map[string]any{"error": body})
}

func errNotFoundPath(r *http.Request) error {
	return segue.Errorf(segue.ENotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
}

func methodNotAllowed(methods []string) http.Handler {
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, r, segue.Errorf(segue.EMethodNotAllowed, "%s is not allowed here; use %s", r.Method, allow))
	})
}
