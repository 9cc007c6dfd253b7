package providers

import (
	"errors"
	"fmt"
	"time"
)

// Errors a caller branches on. Provider clients wrap them with what they
// were doing; test with errors.Is and errors.As.
var (
	// ErrNeedsRelink means the provider no longer accepts the account's
	// credentials (the refresh token was refused, or a fresh access token
	// was rejected): only linking the account again in a browser helps.
	ErrNeedsRelink = errors.New("the provider no longer accepts this account's credentials: link it again")
	// ErrRefreshLost comes with ErrNeedsRelink when the refresh token
	// refused had been sent once before without an answer being saved:
	// a process stopped mid-refresh (killed, or its machine lost) after
	// the provider had rotated the token, and the new one went with it.
	ErrRefreshLost = errors.New("an earlier refresh was cut off before its new token was saved")
	// ErrUnauthorized is a 401 from a data API: the access token was
	// refused. A client refreshes once, then reports ErrNeedsRelink.
	ErrUnauthorized = errors.New("access token refused")
	// ErrRateLimited is matched by every *RateLimitError.
	ErrRateLimited = errors.New("rate limited")
	// ErrTemporary marks failures worth trying again after a pause: 5xx
	// answers, timeouts, dropped connections and malformed bodies.
	ErrTemporary = errors.New("temporary failure")
)

// RateLimitError is an HTTP 429. RetryAfter is what the server asked for
// (zero when it did not say).
type RateLimitError struct {
	Op         string
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("%s: rate limited, retry after %s", e.Op, e.RetryAfter.Round(time.Second))
	}
	return fmt.Sprintf("%s: rate limited", e.Op)
}

// Is makes errors.Is(err, ErrRateLimited) true.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// StatusError is an answer the provider gave that is not a success: an
// HTTP status, and the vendor's own code and reason when the body had them.
type StatusError struct {
	Op         string
	StatusCode int    // HTTP status
	Code       string // the vendor's error code, if any
	Reason     string // the vendor's explanation, if any
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d", e.Op, e.StatusCode)
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

// Is makes 5xx answers match ErrTemporary and 401 match ErrUnauthorized.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrTemporary:
		return e.StatusCode >= 500
	case ErrUnauthorized:
		return e.StatusCode == 401
	}
	return false
}

// temporaryError wraps a cause as ErrTemporary while keeping its message.
type temporaryError struct{ err error }

func (e temporaryError) Error() string        { return e.err.Error() }
func (e temporaryError) Unwrap() error        { return e.err }
func (e temporaryError) Is(target error) bool { return target == ErrTemporary }

// Temporary marks err as worth retrying. It returns nil for nil.
func Temporary(err error) error {
	if err == nil {
		return nil
	}
	return temporaryError{err}
}
