package oneup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"vitals/fhir"
	"vitals/health"
	"vitals/providers"
	"vitals/store"
)

// PageSize is the _count of every search: the vendor's largest page.
const PageSize = 100

// TagSystemPrefix starts the meta.tag system that names the connected
// system a resource came from: the prefix, then the kind ("clinical" or
// "device"); the tag's code is the system's id and its display its name.
// The vendor documents no provenance; this is the convention of vitals'
// local server (oneupsim), and meta.source matched against the systems'
// resource_url is the fallback for a server that sends only that.
const TagSystemPrefix = "https://api.1up.health/connect/system/"

// Streams of a 1upHealth account: one FHIR search each.
const (
	StreamBloodPressure providers.Stream = "blood-pressure"
	StreamWeight        providers.Stream = "weight"
	StreamBMI           providers.Stream = "bmi"
	StreamBodyFat       providers.Stream = "body-fat"
	StreamHeartRate     providers.Stream = "heart-rate"
	StreamActivity      providers.Stream = "activity"
	StreamTemperature   providers.Stream = "temperature"
	StreamSpO2          providers.Stream = "spo2"
	StreamAFib          providers.Stream = "afib"
)

// search is the FHIR search behind a stream: a resource type and the
// codes it asks for (ORed, "system|code").
type search struct {
	stream   providers.Stream
	resource string
	codes    []string
}

func loinc(codes ...string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = fhir.SystemLOINC + "|" + c
	}
	return out
}

// searches lists the streams' searches. Every code the fhir mapping turns
// into a reading is asked for by exactly one search, so that an account
// delivers what a file import of the same resources would.
func searches() []search {
	return []search{
		// The heart-rhythm code rides with the panels so that an
		// irregular-heartbeat observation meets its reading on one page.
		{StreamBloodPressure, "Observation", append(loinc(fhir.LOINCBloodPressurePanel, fhir.LOINCBloodPressurePanelOld, fhir.LOINCHeartRhythm),
			fhir.SystemMDC+"|"+fhir.MDCBloodPressure)},
		{StreamWeight, "Observation", loinc(fhir.LOINCBodyWeight, fhir.LOINCBodyWeightMeasured)},
		{StreamBMI, "Observation", loinc(fhir.LOINCBMI)},
		{StreamBodyFat, "Observation", loinc(fhir.LOINCBodyFat)},
		{StreamHeartRate, "Observation", append(loinc(fhir.LOINCHeartRate), fhir.SystemMDC+"|"+fhir.MDCPulseRate)},
		{StreamActivity, "Observation", loinc(fhir.LOINCStepsOneUp, fhir.LOINCStepsOther, fhir.LOINCSteps, fhir.LOINCCalories, fhir.LOINCCalories24h)},
		{StreamTemperature, "Observation", loinc(fhir.LOINCBodyTemperature)},
		{StreamSpO2, "Observation", loinc(fhir.LOINCSpO2, fhir.LOINCSpO2Arterial)},
		{StreamAFib, "Condition", []string{fhir.SystemSNOMED + "|" + health.SNOMEDAtrialFibrillation}},
	}
}

// SystemLookup lists the systems connected through an account (*store.DB
// does).
type SystemLookup interface {
	Systems(ctx context.Context, accountID int64) ([]store.System, error)
}

// Source reads one linked 1upHealth account. It implements
// providers.Source.
type Source struct {
	client  *Client
	creds   *providers.Credentials
	account store.Account
	lookup  SystemLookup
	base    *url.URL // the FHIR base, without a trailing slash
	catalog catalog
}

// NewSource returns the Source of a linked account. secrets holds its
// tokens; systems (may be nil) names the systems connected through it, so
// that readings carry their system's name and setting.
func NewSource(cfg Config, secrets providers.SecretStore, acct store.Account, hc *http.Client, systems SystemLookup) (*Source, error) {
	return New(cfg, hc).Source(secrets, acct, systems)
}

// Source returns the Source of a linked account (see NewSource).
func (c *Client) Source(secrets providers.SecretStore, acct store.Account, systems SystemLookup) (*Source, error) {
	if acct.Provider != store.ProviderOneUp {
		return nil, fmt.Errorf("oneup: account %d is a %s account", acct.ID, acct.Provider)
	}
	base, err := url.Parse(strings.TrimRight(c.cfg.FHIRURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("oneup: fhir_url %q is not an http(s) URL", c.cfg.FHIRURL)
	}
	return &Source{client: c, creds: c.Credentials(secrets, acct.ID), account: acct, lookup: systems, base: base}, nil
}

// Streams lists the account's streams.
func (s *Source) Streams() []providers.Stream {
	var out []providers.Stream
	for _, sr := range searches() {
		out = append(out, sr.stream)
	}
	return out
}

// cursor is where a stream stands, stored as JSON.
//
// While a walk through a search's pages is under way, Next is the next
// page (relative to the FHIR base, with no secret in it), Since the
// watermark the walk started from, Seen the latest meta.lastUpdated met so
// far and Start the server's time when the walk began. When the walk ends
// only Since is kept: the new watermark, the latest meta.lastUpdated seen
// but never later than Start, because a resource changed while the walk
// was under way may sit on a page already read. The next sync asks for
// _lastUpdated=gt<Since>, so a sync with nothing new costs one request.
type cursor struct {
	Next  string `json:"next,omitempty"`
	Since string `json:"since,omitempty"`
	Seen  string `json:"seen,omitempty"`
	Start string `json:"start,omitempty"`
}

func (c cursor) encode() string {
	if c == (cursor{}) {
		return ""
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// decodeCursor reads a stored cursor. One that does not decode starts the
// stream over: readings are upserted, so nothing is doubled. So does a
// watermark that is not an instant (vitals writes them to the
// millisecond): sent as _lastUpdated=gt<it>, it would be refused for
// ever, or, a bare year, skip the whole year.
func decodeCursor(s string) cursor {
	var c cursor
	if s == "" || json.Unmarshal([]byte(s), &c) != nil {
		return cursor{}
	}
	for _, f := range []*string{&c.Since, &c.Seen, &c.Start} {
		if _, ok := parseInstant(*f); !ok || !strings.Contains(*f, "T") {
			*f = ""
		}
	}
	return c
}

// instantLayout writes watermarks with milliseconds: by FHIR's search
// rules a coarser value would stand for a whole second, and gt would skip
// the rest of it.
const instantLayout = "2006-01-02T15:04:05.000Z07:00"

func parseInstant(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, _, err := fhir.ParseDateTime(s)
	return t, err == nil
}

// Fetch returns the page of stream after cursor: one FHIR search request
// (plus a token refresh when one is due).
func (s *Source) Fetch(ctx context.Context, stream providers.Stream, cur string) (providers.Page, error) {
	var sr search
	for _, x := range searches() {
		if x.stream == stream {
			sr = x
		}
	}
	if sr.stream == "" {
		return providers.Page{}, fmt.Errorf("oneup: unknown stream %q", stream)
	}
	op := "oneup: fetch " + string(stream) + " page"
	c := decodeCursor(cur)
	if c.Next != "" {
		// A stored next link is checked as a fresh one is: the token
		// goes wherever it points. One that fails (a damaged cursor)
		// walks again from the watermark.
		rel, err := s.relative(s.base.String() + "/" + c.Next)
		if err != nil {
			rel = ""
			c = cursor{Since: c.Since}
		}
		c.Next = rel
	}
	target := s.base.String() + "/" + c.Next
	if c.Next == "" {
		q := url.Values{"code": {strings.Join(sr.codes, ",")}, "_count": {strconv.Itoa(PageSize)}}
		if c.Since != "" {
			q.Set("_lastUpdated", "gt"+c.Since)
		}
		target = s.base.String() + "/" + sr.resource + "?" + q.Encode()
	}
	resp, err := s.creds.Do(ctx, s.client.http, op, func(ctx context.Context, tok string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return nil, err // Do keeps the URL out of the error
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/fhir+json")
		return req, nil
	})
	if err != nil {
		var se *providers.StatusError
		if c.Next != "" && errors.As(err, &se) && (se.StatusCode == 400 || se.StatusCode == 404 || se.StatusCode == 410) {
			// The server no longer knows the page (its cursor expired):
			// walk again from the watermark.
			return providers.Page{Cursor: cursor{Since: c.Since}.encode(), More: true}, nil
		}
		return providers.Page{}, err
	}
	date := resp.Header.Get("Date")
	var b fhir.Bundle
	if err := decode(op, resp.Body, &b); err != nil {
		return providers.Page{}, err
	}
	if b.ResourceType != "Bundle" {
		return providers.Page{}, providers.Temporary(fmt.Errorf("%s: the answer is a %q, not a Bundle", op, b.ResourceType))
	}
	if c.Next == "" { // the walk begins: note the server's time
		c.Start = ""
		if b.Meta != nil {
			if t, ok := parseInstant(b.Meta.LastUpdated); ok {
				c.Start = t.UTC().Format(instantLayout)
			}
		}
		if t, err := http.ParseTime(date); c.Start == "" && err == nil {
			c.Start = t.UTC().Format(instantLayout)
		}
	}
	batch, ignored, latest, err := s.mapEntries(ctx, b.Entry)
	if err != nil {
		return providers.Page{}, fmt.Errorf("%s: %w", op, err)
	}
	if seen, ok := parseInstant(c.Seen); !latest.IsZero() && (!ok || latest.After(seen)) {
		c.Seen = latest.UTC().Format(instantLayout)
	}
	page := providers.Page{Batch: batch, Ignored: ignored}
	if next := b.NextLink(); next != "" {
		rel, err := s.relative(next)
		if err != nil {
			return providers.Page{}, fmt.Errorf("%s: %w", op, err)
		}
		// A server that links a page to itself must not loop.
		if rel != c.Next && s.base.String()+"/"+rel != target {
			c.Next = rel
			page.Cursor, page.More = c.encode(), true
			return page, nil
		}
	}
	page.Cursor = cursor{Since: watermark(c)}.encode()
	return page, nil
}

// watermark is where the next walk starts when this one ends: the latest
// lastUpdated seen, capped at the server's time when the walk began, and
// never before the watermark the walk started from (a server that sends
// older resources than asked for, or whose clock is behind, must not
// send the next sync back over them).
func watermark(c cursor) string {
	seen, ok := parseInstant(c.Seen)
	if !ok {
		return c.Since
	}
	w := c.Seen
	if start, ok := parseInstant(c.Start); ok && start.Before(seen) {
		w, seen = c.Start, start
	}
	if since, ok := parseInstant(c.Since); ok && !seen.After(since) {
		return c.Since
	}
	return w
}

// secretParams are query parameters a next link must never carry into a
// stored cursor.
var secretParams = []string{"access_token", "client_secret", "refresh_token", "id_token"}

// relative checks that a next link stays under the FHIR base (the bearer
// token goes wherever it points) and returns it relative to the base,
// without any secret parameter.
func (s *Source) relative(next string) (string, error) {
	u, err := url.Parse(next)
	if err != nil {
		return "", fmt.Errorf("the next link does not parse")
	}
	dir := *s.base // relative links resolve inside the base, not beside it
	dir.Path += "/"
	u = dir.ResolveReference(u)
	// The path is judged as it is sent, escaped: decoded, "/r4%2Fx"
	// would pass for a page under /r4 while the server reads another.
	path, prefix := u.EscapedPath(), strings.TrimSuffix(s.base.EscapedPath(), "/")+"/"
	if u.Scheme != s.base.Scheme || u.Host != s.base.Host || !strings.HasPrefix(path, prefix) {
		return "", fmt.Errorf("the next link leaves the FHIR base %s (it points at %s://%s): refusing to send the token there", s.base.Redacted(), u.Scheme, u.Host)
	}
	for _, seg := range strings.Split(path, "/") {
		// Literal dot segments are resolved above; escaped ones
		// (%2e%2e) are not, nor an escaped slash or backslash, but a
		// server may resolve them.
		dec, err := url.PathUnescape(seg)
		if err != nil || dec == "." || dec == ".." || strings.ContainsAny(dec, "/\\") {
			return "", fmt.Errorf("the next link climbs out of the FHIR base %s: refusing to send the token there", s.base.Redacted())
		}
	}
	// The query must parse whole: a pair the parser drops ("a;b", a bad
	// escape) could hide a secret from the loop below.
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", errors.New("the next link's query does not parse")
	}
	raw := u.RawQuery
	for k := range q {
		if slices.Contains(secretParams, strings.ToLower(k)) {
			q.Del(k)
			raw = q.Encode()
		}
	}
	rel := strings.TrimPrefix(path, prefix)
	if raw != "" {
		rel += "?" + raw
	}
	return rel, nil
}

// origin is where a resource came from.
type origin struct {
	name    string
	setting health.Setting
}

// mapEntries maps a page's resources through the fhir package, grouped by
// the system each came from so that every reading carries its system's
// name and setting. It also returns the latest meta.lastUpdated met.
func (s *Source) mapEntries(ctx context.Context, entries []fhir.BundleEntry) (health.Batch, map[string]int, time.Time, error) {
	var batch health.Batch
	ignored := map[string]int{}
	var latest time.Time
	if len(entries) == 0 {
		return batch, ignored, latest, nil
	}
	r := s.resolver(ctx)
	type group struct {
		origin  origin
		entries []fhir.BundleEntry
	}
	var groups []*group
	byOrigin := map[origin]*group{}
	for _, e := range entries {
		var h fhir.ResourceHeader
		_ = json.Unmarshal(e.Resource, &h) // the mapping reports what does not decode
		if h.Meta != nil {
			if t, ok := parseInstant(h.Meta.LastUpdated); ok && t.After(latest) {
				latest = t
			}
		}
		o, err := r.resolve(h.Meta)
		if err != nil {
			return health.Batch{}, nil, time.Time{}, err
		}
		g, ok := byOrigin[o]
		if !ok {
			g = &group{origin: o}
			byOrigin[o] = g
			groups = append(groups, g)
		}
		g.entries = append(g.entries, e)
	}
	for _, g := range groups {
		b, ign, err := mapGroup(g.entries, g.origin)
		if err != nil {
			return health.Batch{}, nil, time.Time{}, err
		}
		for k, n := range ign {
			ignored[k] += n
		}
		batch.Append(b)
	}
	return batch, ignored, latest, nil
}

// mapGroup maps the resources of one system. A resource the mapping
// rejects is counted as ignored rather than failing the page: one broken
// resource must not hold a stream back for ever.
func mapGroup(entries []fhir.BundleEntry, o origin) (health.Batch, map[string]int, error) {
	opt := fhir.Options{Origin: o.name, Setting: o.setting}
	b, ign, err := fhir.MapResource(collection(entries), opt)
	if err == nil {
		stampOrigin(&b, o)
		return b, ign, nil
	}
	var batch health.Batch
	ignored := map[string]int{}
	for _, e := range entries {
		b, ign, err := fhir.MapResource(collection([]fhir.BundleEntry{e}), opt)
		if err != nil {
			var h fhir.ResourceHeader
			_ = json.Unmarshal(e.Resource, &h)
			what := h.ResourceType
			if what == "" {
				what = "resource"
			}
			var ee *fhir.EntryError
			if errors.As(err, &ee) && ee.Field != "" {
				ignored[what+" unreadable ("+ee.Field+")"]++
			} else {
				ignored[what+" unreadable"]++
			}
			continue
		}
		stampOrigin(&b, o)
		batch.Append(b)
		for k, n := range ign {
			ignored[k] += n
		}
	}
	return batch, ignored, nil
}

// stampOrigin names the system on every reading: the mapping would take
// meta.source, which for 1upHealth is the system's API address.
func stampOrigin(b *health.Batch, o origin) {
	if o.setting == "" { // not resolved: keep what the resource says
		return
	}
	b.EachMeta(func(m *health.Meta) { m.Origin = o.name })
}

// collection wraps entries in a collection bundle for the mapping.
func collection(entries []fhir.BundleEntry) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"resourceType":"Bundle","type":"collection","entry":`)
	b, _ := json.Marshal(entries)
	buf.Write(b)
	buf.WriteByte('}')
	return buf.Bytes()
}

// resolver finds the system of a resource: from its tag through the
// systems connected in the store, then the vendor's lists; from its
// meta.source through the lists' resource_url.
type resolver struct {
	ctx       context.Context
	s         *Source
	stored    map[string]store.System // nil until first needed
	noCatalog bool                    // the vendor's lists failed for this page
}

func (s *Source) resolver(ctx context.Context) *resolver { return &resolver{ctx: ctx, s: s} }

// storedSystems reads the systems connected through the account, once a
// page. A store that cannot say fails the page: mapped without them, its
// readings could be stored under the wrong name and setting, and a stream
// does not fetch a page again once past it to put that right.
func (r *resolver) storedSystems() (map[string]store.System, error) {
	if r.stored != nil {
		return r.stored, nil
	}
	stored := map[string]store.System{}
	if r.s.lookup != nil {
		l, err := r.s.lookup.Systems(r.ctx, r.s.account.ID)
		if err != nil {
			return nil, fmt.Errorf("list the systems connected to account %d: %w", r.s.account.ID, err)
		}
		for _, sys := range l {
			stored[sys.ID] = sys
		}
	}
	r.stored = stored
	return stored, nil
}

// catalogued returns the vendor's lists, or nil when they cannot be had:
// the readings then keep what their resources say. Unlike the store's
// list this is a fallback, not a failure of the page: the lists only
// matter for systems connected outside vitals, whose resources' tags
// usually name them too. A failure is not asked again for the rest of
// the page, so a list endpoint that is down costs one request a page,
// not one a resource.
func (r *resolver) catalogued() []System {
	if r.noCatalog {
		return nil
	}
	l, err := r.s.catalog.get(r.ctx, r.s.client)
	if err != nil {
		r.noCatalog = true
		return nil
	}
	return l
}

func settingOf(kind string) health.Setting {
	switch kind {
	case KindDevice:
		return health.SettingHome
	case KindClinical:
		return health.SettingOffice
	}
	return ""
}

func (r *resolver) resolve(m *fhir.Meta) (origin, error) {
	unknown := origin{name: "1upHealth"}
	if m == nil {
		return unknown, nil
	}
	for _, t := range m.Tag {
		kind, ok := strings.CutPrefix(t.System, TagSystemPrefix)
		if !ok || t.Code == "" {
			continue
		}
		stored, err := r.storedSystems()
		if err != nil {
			return origin{}, err
		}
		if sys, ok := stored[t.Code]; ok && sys.Name != "" {
			if sys.Kind != "" {
				kind = sys.Kind
			}
			return origin{name: sys.Name, setting: settingOf(kind)}, nil
		}
		if sys, ok := Find(r.catalogued(), t.Code, ""); ok {
			return origin{name: sys.Name, setting: settingOf(sys.Kind)}, nil
		}
		if t.Display != "" && settingOf(kind) != "" {
			return origin{name: t.Display, setting: settingOf(kind)}, nil
		}
	}
	if m.Source != "" {
		want := strings.TrimRight(m.Source, "/")
		for _, sys := range r.catalogued() {
			if sys.ResourceURL != "" && strings.TrimRight(sys.ResourceURL, "/") == want {
				stored, err := r.storedSystems()
				if err != nil {
					return origin{}, err
				}
				if st, ok := stored[sys.ID]; ok && st.Name != "" {
					return origin{name: st.Name, setting: settingOf(sys.Kind)}, nil
				}
				return origin{name: sys.Name, setting: settingOf(sys.Kind)}, nil
			}
		}
	}
	return unknown, nil
}
