package oneup

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"vitals/providers"
)

// Kinds of system a person can connect.
const (
	KindClinical = "clinical" // a health system's records
	KindDevice   = "device"   // a wearable, scale or other sensor
)

// System is a device or health system 1upHealth can connect, as its lists
// give it.
type System struct {
	ID          string // the vendor's id ("4709")
	Name        string
	Kind        string // KindClinical or KindDevice
	ResourceURL string
	Logo        string
	APIVersion  string
	Status      string // "connection_working", ...
}

// Working reports whether the vendor says the connection works now.
func (s System) Working() bool { return s.Status == "" || s.Status == "connection_working" }

type systemJSON struct {
	ID          flexString `json:"id"`
	Name        string     `json:"name"`
	ResourceURL string     `json:"resource_url"`
	Logo        string     `json:"logo"`
	APIVersion  string     `json:"api_version"`
	Status      string     `json:"status"`
}

// Systems lists the systems of a kind (KindClinical or KindDevice).
func (c *Client) Systems(ctx context.Context, kind string) ([]System, error) {
	op := "oneup: list " + kind + " systems"
	if kind != KindClinical && kind != KindDevice {
		return nil, fmt.Errorf("%s: kind must be %s or %s", op, KindClinical, KindDevice)
	}
	resp, err := c.get(ctx, op, c.apiURL("/connect/system/"+kind)+"?"+c.credentials().Encode())
	if err != nil {
		return nil, userError(op, err)
	}
	var list []systemJSON
	if err := decode(op, resp.Body, &list); err != nil {
		return nil, err
	}
	out := make([]System, 0, len(list))
	for _, s := range list {
		out = append(out, System{ID: string(s.ID), Name: s.Name, Kind: kind, ResourceURL: s.ResourceURL, Logo: s.Logo, APIVersion: s.APIVersion, Status: s.Status})
	}
	return out, nil
}

// AllSystems lists the health systems, then the devices.
func (c *Client) AllSystems(ctx context.Context) ([]System, error) {
	var all []System
	for _, k := range []string{KindClinical, KindDevice} {
		l, err := c.Systems(ctx, k)
		if err != nil {
			return nil, err
		}
		all = append(all, l...)
	}
	return all, nil
}

// Search keeps the systems whose name contains text (ignoring case), or
// whose id is text. An empty text keeps them all.
func Search(systems []System, text string) []System {
	text = strings.ToLower(strings.TrimSpace(text))
	if text == "" {
		return systems
	}
	var out []System
	for _, s := range systems {
		if s.ID == text || strings.Contains(strings.ToLower(s.Name), text) {
			out = append(out, s)
		}
	}
	return out
}

// Find returns the system with the given id (and kind, when not empty).
func Find(systems []System, id, kind string) (System, bool) {
	for _, s := range systems {
		if s.ID == id && (kind == "" || s.Kind == kind) {
			return s, true
		}
	}
	return System{}, false
}

// ConnectLink is the URL that sends a person's browser to connect a
// system. It carries the person's access token, so it never prints whole:
// String and every fmt verb show it masked. Reveal gives the real URL, for
// the browser and for a person to open themselves, nothing else.
type ConnectLink struct {
	base  string // up to the query
	query url.Values
}

// ConnectLink builds the connect URL of a system:
// {api_url}/connect/system/{kind}/{id}?client_id=...&access_token=...
// state, when not empty, is added for the redirect to echo (the vendor
// documents none; see Connect).
func (c *Client) ConnectLink(sys System, accessToken, state string) ConnectLink {
	q := url.Values{"client_id": {c.cfg.ClientID}, "access_token": {accessToken}}
	if state != "" {
		q.Set("state", state)
	}
	return ConnectLink{
		base:  c.apiURL("/connect/system/" + url.PathEscape(sys.Kind) + "/" + url.PathEscape(sys.ID)),
		query: q,
	}
}

// Reveal returns the whole URL, access token included.
func (l ConnectLink) Reveal() string {
	if l.base == "" {
		return ""
	}
	return l.base + "?" + l.query.Encode()
}

// String returns the URL with the access token masked.
func (l ConnectLink) String() string {
	if l.base == "" {
		return ""
	}
	q := url.Values{}
	for k, v := range l.query {
		q[k] = v
	}
	q.Del("access_token")
	s := l.base + "?access_token=REDACTED"
	if enc := q.Encode(); enc != "" {
		s += "&" + enc
	}
	return s
}

// Format prints the masked URL whatever the verb (%v, %s, %q, %#v, %d...),
// so that no formatting reaches the fields.
func (l ConnectLink) Format(f fmt.State, verb rune) { providers.FormatMasked(f, verb, l.String()) }

// catalog caches the vendor's system lists for a Source, fetched at most
// once, and only when a resource names a system the store does not know.
type catalog struct {
	mu      sync.Mutex
	loaded  bool
	systems []System
}

func (c *catalog) get(ctx context.Context, client *Client) ([]System, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded {
		return c.systems, nil
	}
	l, err := client.AllSystems(ctx)
	if err != nil {
		return nil, err
	}
	c.systems, c.loaded = l, true
	return l, nil
}
