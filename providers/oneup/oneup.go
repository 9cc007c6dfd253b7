// Package oneup is the 1upHealth client: user management (server to
// server, with the application's client secret), the OAuth code exchange
// and refresh, the lists of devices and health systems a person can
// connect and the connect link for one, and a providers.Source that reads
// the person's FHIR R4 Observations and atrial-fibrillation Conditions.
//
// 1upHealth gathers data from the systems a person connected (wearables,
// scales, health systems' records) into one FHIR store. Each reading
// records the system it came from: its Origin is the system's name and
// its Setting home for devices, office for health systems.
//
// Secrets stay out of errors and logs: the client secret travels in form
// bodies or query strings that are never quoted, and the connect link,
// which carries the person's access token, prints masked (see ConnectLink).
package oneup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"vitals/providers"
)

// UserCallsPerHour is the vendor's limit on user-management calls.
const UserCallsPerHour = 300

// Errors callers branch on.
var (
	// ErrUserExists is the vendor's "this user already exists".
	ErrUserExists = errors.New("this user already exists")
	// ErrNoUser means user management knows no such user.
	ErrNoUser = errors.New("no such 1upHealth user")
	// ErrBadClient means 1upHealth refused the application's client_id or
	// client_secret: the configuration is wrong, not the account.
	ErrBadClient = errors.New("1upHealth refused the client_id or client_secret: check the [oneup] section of the configuration")
	// ErrNotLinked means the profile has no 1upHealth account yet.
	ErrNotLinked = errors.New("no 1upHealth account is linked to this profile: run `vitals link oneup` first")
)

// Client talks to 1upHealth for one application (client id and secret).
// Safe for concurrent use.
type Client struct {
	cfg   Config
	http  *http.Client
	users *rate.Limiter
	now   func() time.Time
}

// String names the client without its configuration, which holds the
// client secret.
func (c Client) String() string { return "oneup.Client{client_id:" + c.cfg.ClientID + "}" }

// Format prints String whatever the verb, so that no fmt verb prints the
// client secret (a value receiver: a *Client and a Client both print so).
func (c Client) Format(f fmt.State, verb rune) { providers.FormatMasked(f, verb, c.String()) }

// Option changes a Client.
type Option func(*Client)

// WithClock sets the clock that dates token expiries.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithUserLimit replaces the user-management limiter (UserCallsPerHour,
// with bursts of 10, by default).
func WithUserLimit(l *rate.Limiter) Option { return func(c *Client) { c.users = l } }

// DefaultTimeout bounds one request to 1upHealth when the caller does not
// give an *http.Client of its own.
const DefaultTimeout = 30 * time.Second

// New returns a client. hc nil means a client of its own from
// providers.NewHTTPClient with DefaultTimeout.
func New(cfg Config, hc *http.Client, opts ...Option) *Client {
	if hc == nil {
		hc = providers.NewHTTPClient(DefaultTimeout)
	}
	c := &Client{
		cfg:   cfg,
		http:  hc,
		users: rate.NewLimiter(rate.Every(time.Hour/UserCallsPerHour), 10),
		now:   time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// apiURL joins a path to the API base.
func (c *Client) apiURL(path string) string {
	return strings.TrimRight(c.cfg.APIURL, "/") + path
}

// credentials are the application's client id and secret as parameters.
func (c *Client) credentials() url.Values {
	return url.Values{"client_id": {c.cfg.ClientID}, "client_secret": {c.cfg.ClientSecret}}
}

// postForm sends a form and returns the 2xx response, or the error
// Classify makes of anything else.
func (c *Client) postForm(ctx context.Context, op, target string, form url.Values) (*http.Response, error) {
	return providers.PostForm(ctx, c.http, op, target, form)
}

// get sends a GET and returns the 2xx response. The URL may carry the
// client secret in its query: errors never show it.
func (c *Client) get(ctx context.Context, op, target string) (*http.Response, error) {
	return providers.GetJSON(ctx, c.http, op, target)
}

// decode reads a JSON body and closes it.
func decode(op string, body io.ReadCloser, v any) error {
	defer body.Close()
	return providers.DecodeJSON(op, body, v)
}

// flexString is a JSON string or number, kept as a string: the vendor
// writes ids as numbers in some answers and strings in others.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*f = ""
		return nil
	}
	if unq, err := strconv.Unquote(s); err == nil {
		*f = flexString(unq)
		return nil
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return fmt.Errorf("want a string or a number, got %s", providers.VendorText(s, 20))
	}
	*f = flexString(s)
	return nil
}
