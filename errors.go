// Package segue holds what every part of Segue shares: the error type whose
// codes are the API's error codes (SPEC.md §1). Domain packages return
// *Error values; the HTTP layer maps each code to a status in one place.
package segue

import (
	"errors"
	"fmt"
)

// Error codes. The list is append-only: clients match on these strings.
const (
	EBadRequest          = "BAD_REQUEST"
	EInvalidAuthType     = "INVALID_AUTH_TYPE"
	EInvalidAuthToken    = "INVALID_AUTH_TOKEN"
	EInvalidAccessToken  = "INVALID_ACCESS_TOKEN"
	EInvalidAPIKey       = "INVALID_API_KEY"
	EAccessDenied        = "ACCESS_DENIED"
	EFeatureNotAvailable = "FEATURE_NOT_AVAILABLE"
	ENotFound            = "RESOURCE_NOT_FOUND"
	ENoMoreNext          = "NO_MORE_NEXT_ENTITY"
	ENoMorePrevious      = "NO_MORE_PREVIOUS_ENTITY"
	EConflict            = "CONFLICT"
	EPreconditionFailed  = "PRECONDITION_FAILED"
	ETooLarge            = "PAYLOAD_TOO_LARGE"
	EUnsupportedMedia    = "UNSUPPORTED_MEDIA_TYPE"
	EMethodNotAllowed    = "METHOD_NOT_ALLOWED"
	EMaxConcurrency      = "MAX_CONCURRENCY_REACHED"
	EStreamTakenOver     = "STREAM_TAKEN_OVER"
	EThrottled           = "THROTTLED"
	EInternal            = "INTERNAL"
	EUnavailable         = "SERVICE_UNAVAILABLE"
)

// Error is an error a client may see: a code from the list above and a
// message safe to show. Err, when set, is the internal cause; it is logged,
// never sent.
type Error struct {
	Code    string
	Message string
	Payload any
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or
// EInternal when there is none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the client-safe message of err; internal errors get
// a generic message so that no internal text leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorPayload returns the structured detail of err, if any.
func ErrorPayload(err error) any {
	var e *Error
	if errors.As(err, &e) {
		return e.Payload
	}
	return nil
}
