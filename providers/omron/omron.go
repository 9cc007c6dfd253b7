// Package omron is a client of the Omron Wellness partner API (US): the
// OAuth 2.0 authorization-code flow that links an account, token refresh
// and revocation, and the measurement API for blood pressure, activity,
// weight, temperature and SpO2 ("oxygen").
//
// It follows the vendor's guide field by field, and the observed behaviour
// the guide leaves out (shared/reference/omron-notes.md): numbers that
// arrive as strings, -1.0 for "not measured", two spellings of the UTC
// offset, AFib readings whose pressures are zeros, per-type pagination
// keys beside the legacy truncated flag. Every URL comes from Config, so
// the same client talks to staging, production or the local omronsim
// server.
package omron

import (
	"fmt"
	"net/http"
	"time"

	"vitals/providers"
)

// Origin is the system name readings from this API carry (health.Meta.Origin).
const Origin = "Omron Wellness"

// DefaultTimeout bounds one request to Omron when the caller does not give
// an *http.Client of its own.
const DefaultTimeout = 30 * time.Second

// Type is a measurement type as the API's `type` parameter spells it.
type Type string

// The measurement types of the API, in the order a sync walks them.
const (
	BloodPressure Type = "bloodpressure"
	Activity      Type = "activity"
	Weight        Type = "weight"
	Temperature   Type = "temperature"
	Oxygen        Type = "oxygen"
)

// Types lists every measurement type.
var Types = []Type{BloodPressure, Activity, Weight, Temperature, Oxygen}

// ParseType returns the type a stream or notification names.
func ParseType(s string) (Type, bool) {
	for _, t := range Types {
		if string(t) == s {
			return t, true
		}
	}
	return "", false
}

// PaginationKey is the name of the type's pagination key, both in
// result.paginationKey and as the form field that asks for the next page.
func (t Type) PaginationKey() string { return string(t) + "PaginationKey" }

// Client talks to one Omron environment with one partner application's
// credentials. It is safe for concurrent use.
type Client struct {
	cfg Config
	hc  *http.Client
	now func() time.Time
}

// String names the client without its configuration, which holds the
// client secret.
func (c Client) String() string { return "omron.Client{client_id:" + c.cfg.ClientID + "}" }

// Format prints String whatever the verb, so that no fmt verb prints the
// client secret (a value receiver: a *Client and a Client both print so).
func (c Client) Format(f fmt.State, verb rune) { providers.FormatMasked(f, verb, c.String()) }

// New returns a client of the API cfg describes. hc nil uses a client of
// its own from providers.NewHTTPClient with DefaultTimeout.
func New(cfg Config, hc *http.Client) *Client {
	if hc == nil {
		hc = providers.NewHTTPClient(DefaultTimeout)
	}
	return &Client{cfg: cfg, hc: hc, now: time.Now}
}

// Streams returns the measurement types as the streams of a Source.
func Streams() []providers.Stream {
	out := make([]providers.Stream, len(Types))
	for i, t := range Types {
		out[i] = providers.Stream(t)
	}
	return out
}
