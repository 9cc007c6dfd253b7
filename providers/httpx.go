package providers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxBody bounds what a client reads from one response: a page of
// readings is far smaller, and a runaway body must not exhaust memory.
const MaxBody = 32 << 20

// Classify turns a transport error or a non-2xx response into the error
// classes of this package; it returns nil for a 2xx response. op names what
// was being done ("omron: fetch weight page"). On error the body is read
// (for the vendor's reason) and closed.
func Classify(op string, resp *http.Response, err error) error {
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return Temporary(fmt.Errorf("%s: %w", op, scrubURLError(err)))
		}
		return fmt.Errorf("%s: %w", op, scrubURLError(err))
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusTooManyRequests {
		return &RateLimitError{Op: op, RetryAfter: RetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	}
	se := &StatusError{Op: op, StatusCode: resp.StatusCode}
	se.Code, se.Reason = vendorReason(body)
	return se
}

// RetryAfter reads a Retry-After header: seconds, or an HTTP date.
func RetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// vendorReason pulls an error code and explanation out of a JSON error
// body, whatever the vendor calls them. Only these short fields are kept:
// a body is never quoted whole, so nothing secret it echoes can leak.
func vendorReason(body []byte) (code, reason string) {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return "", ""
	}
	pick := func(keys ...string) string {
		for _, k := range keys {
			switch v := m[k].(type) {
			case string:
				if v != "" {
					return truncate(v, 200)
				}
			case float64:
				return strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
		return ""
	}
	return pick("errorCode", "error_code", "error", "code"), pick("reason", "error_description", "message", "detail")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// scrubURLError drops the URL from a *url.Error: a URL can carry a client
// secret or an access token in its query (1upHealth's connect links do).
func scrubURLError(err error) error {
	var ue interface {
		Unwrap() error
		Timeout() bool
	}
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			if ue.Timeout() {
				return fmt.Errorf("request timed out: %w", inner)
			}
			return inner
		}
	}
	return err
}

// DecodeJSON reads a JSON body into v. A body that does not decode is a
// temporary failure: servers under strain send truncated or garbled pages,
// and the same request usually succeeds later.
func DecodeJSON(op string, r io.Reader, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxBody))
	if err != nil {
		return Temporary(fmt.Errorf("%s: read body: %w", op, err))
	}
	if err := json.Unmarshal(data, v); err != nil {
		return Temporary(fmt.Errorf("%s: malformed response: %w", op, err))
	}
	return nil
}
