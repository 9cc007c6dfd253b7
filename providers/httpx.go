package providers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vitals/sanitize"
)

// MaxBody bounds what a client reads from one response: a page of
// readings is far smaller, and a runaway body must not exhaust memory.
const MaxBody = 32 << 20

// MaxIdleConnsPerHost is how many idle connections to one vendor host a
// client from NewHTTPClient keeps: twice the sync engine's default of 4
// concurrent workers, since each may hold one to the API and one to the
// token endpoint on the same host (Omron's are). The standard library
// keeps 2, and the other workers would dial and shake hands again for
// every page.
const MaxIdleConnsPerHost = 8

// NewHTTPClient returns the client for calls to a vendor: each request
// bounded by timeout (http.DefaultClient would wait for ever on a server
// that stops answering), over a copy of http.DefaultTransport that keeps
// enough idle connections for concurrent workers. Share one client
// between the Sources of a run, so that they share its connection pool.
func NewHTTPClient(timeout time.Duration) *http.Client {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok { // replaced by the program (a proxy, a recorder): use it as it is
		return &http.Client{Timeout: timeout}
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	return &http.Client{Timeout: timeout, Transport: t}
}

// Classify turns a transport error or a non-2xx response into the error
// classes of this package; it returns nil for a 2xx response. op names what
// was being done ("omron: fetch weight page"). On error the body is read
// (for the vendor's reason) and closed.
func Classify(op string, resp *http.Response, err error) error {
	if err != nil {
		// Judge what failed under the *url.Error, which is itself a
		// net.Error: a URL that does not parse or has no usable scheme is
		// a configuration to fix, not worth retrying.
		inner := scrubURLError(err)
		var ne net.Error
		if errors.As(inner, &ne) || errors.Is(inner, io.ErrUnexpectedEOF) || errors.Is(inner, io.EOF) {
			return Temporary(fmt.Errorf("%s: %w", op, inner))
		}
		return fmt.Errorf("%s: %w", op, inner)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	defer resp.Body.Close()
	// The body only adds the vendor's reason to the status, which is the
	// error: a body cut short by a read error leaves the reason out.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusTooManyRequests {
		return &RateLimitError{Op: op, RetryAfter: RetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	}
	se := &StatusError{Op: op, StatusCode: resp.StatusCode}
	se.Code, se.Reason = vendorReason(body)
	return se
}

// maxRetryAfter caps what a Retry-After header can ask for: a day is
// already far beyond any wait Retry honours, and a larger count of
// seconds would wrap time.Duration round to a short or negative wait.
const maxRetryAfter = 24 * time.Hour

// RetryAfter reads a Retry-After header: seconds, or an HTTP date. It is
// 0 when the header is absent or unreadable, at most a day.
func RetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	s, err := strconv.ParseUint(h, 10, 64)
	switch {
	case err == nil:
		return time.Duration(min(s, uint64(maxRetryAfter/time.Second))) * time.Second
	case errors.Is(err, strconv.ErrRange) && strings.Trim(h, "0123456789") == "":
		// All digits, beyond uint64. ParseUint reports the overflow
		// before it reads on, so "99999999999999999999x" is out of
		// range too: that is not a number of seconds.
		return maxRetryAfter
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
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
					return VendorText(v, 200)
				}
			case float64:
				return strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
		return ""
	}
	return pick("errorCode", "error_code", "error", "code"), pick("reason", "error_description", "message", "detail")
}

// VendorText makes text that came from outside (a vendor's reason, an
// error a redirect carried) fit to quote in a message: control and bidi
// characters escaped (sanitize.Line), since a terminal would obey them,
// and at most n bytes, ending with "…" when cut, never inside a UTF-8
// sequence.
func VendorText(s string, n int) string {
	return sanitize.Cut(sanitize.Line(s), n)
}

// TokenText reports whether s can be an OAuth token: RFC 6749 (Appendix
// A) makes access and refresh tokens printable ASCII. Anything else could
// not be sent in an Authorization header, and would not come back the
// same from the JSON it is saved in (invalid UTF-8 is replaced there), so
// a rotated refresh token would be lost.
func TokenText(s string) bool {
	for i := range len(s) {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return s != ""
}

// PostForm posts form to target as application/x-www-form-urlencoded,
// asking for JSON, the way both vendors' token and user endpoints want
// it. It returns a 2xx response for the caller to read and close, or the
// error Classify makes of anything else, named by op.
func PostForm(ctx context.Context, hc *http.Client, op, target string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, Classify(op, nil, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err := Classify(op, resp, err); err != nil {
		return nil, err
	}
	return resp, nil
}

// GetJSON sends a GET asking for JSON and returns a 2xx response, or the
// error Classify makes of anything else. Any secret in target's query
// stays out of the error.
func GetJSON(ctx context.Context, hc *http.Client, op, target string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, Classify(op, nil, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err := Classify(op, resp, err); err != nil {
		return nil, err
	}
	return resp, nil
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
//
// A body larger than MaxBody is refused, not cut short: cut, it would only
// read as malformed, and be asked for again and again.
func DecodeJSON(op string, r io.Reader, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil {
		return Temporary(fmt.Errorf("%s: read body: %w", op, err))
	}
	if len(data) > MaxBody {
		return fmt.Errorf("%s: the answer is larger than %d MiB: refusing to read it", op, MaxBody>>20)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return Temporary(fmt.Errorf("%s: malformed response: %w", op, err))
	}
	return nil
}
