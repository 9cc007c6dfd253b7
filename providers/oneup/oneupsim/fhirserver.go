package oneupsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"vitals/fhir"
)

// Page sizes: the vendor's default and largest _count.
const (
	defaultCount = 10
	maxCount     = 100
)

var resourceType = regexp.MustCompile(`^[A-Z][A-Za-z]{1,63}$`)

// fhirPrefix is the FHIR base path the request used: "/r4" or "/fhir/r4".
func fhirPrefix(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/fhir/r4/") {
		return "/fhir/r4"
	}
	return "/r4"
}

// authorize returns the token's user, or answers 401 as the vendor does.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) *user {
	u := s.bearer(r)
	if u == nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="1upHealth", error="invalid_token"`)
		outcome(w, http.StatusUnauthorized, "login", "the access token is missing, invalid or expired")
	}
	return u
}

// visible calls f with each resource visible to a user now: their
// Patient and the data of every connected system whose pull has brought
// it, in no order. The records are shared with other requests: f reads
// them and copies what it keeps.
func (s *Server) visible(u *user, f func(*record)) {
	now := s.now()
	s.mu.Lock()
	systems := make(map[int]time.Time, len(u.systems))
	for id, at := range u.systems {
		systems[id] = at
	}
	s.mu.Unlock()
	p := s.patientRecord(u)
	f(&p)
	for id, connected := range systems {
		if now.Before(connected.Add(s.opt.DataDelay)) {
			continue // the vendor's first pull has not run yet
		}
		sys, _ := s.system(id)
		var recs []record
		if s.opt.Bundle != nil && id == s.opt.BundleSystem {
			recs = s.opt.Bundle.records(sys, connected.Add(s.opt.DataDelay))
		} else {
			recs = s.synthetic(u, sys, connected)
		}
		for i := range recs {
			if !recs[i].updated.After(now) {
				f(&recs[i])
			}
		}
	}
}

func sortRecords(recs []record) {
	sort.Slice(recs, func(i, j int) bool {
		if !recs[i].updated.Equal(recs[j].updated) {
			return recs[i].updated.Before(recs[j].updated)
		}
		if recs[i].typ != recs[j].typ {
			return recs[i].typ < recs[j].typ
		}
		return recs[i].id < recs[j].id
	})
}

// search is GET /r4/{type}?...: a searchset bundle, one page of it.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	typ := r.PathValue("type")
	if !resourceType.MatchString(typ) {
		outcome(w, http.StatusNotFound, "not-supported", "unknown resource type "+strconv.Quote(typ))
		return
	}
	u := s.authorize(w, r)
	if u == nil || s.fault(w, r) {
		return
	}
	q := r.URL.Query()
	match, err := searchFilter(typ, q)
	if err != nil {
		outcome(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	var recs []record
	s.visible(u, func(rec *record) {
		if match(rec, u) {
			recs = append(recs, *rec)
		}
	})
	s.page(w, r, recs, fmt.Sprintf("%s%s/%s", s.baseURL(r), fhirPrefix(r), typ))
}

// everything is GET /r4/Patient/{id}/$everything: every resource of the
// patient, _type and _since honoured.
func (s *Server) everything(w http.ResponseWriter, r *http.Request) {
	u := s.authorize(w, r)
	if u == nil || s.fault(w, r) {
		return
	}
	if r.PathValue("id") != u.patientID() {
		outcome(w, http.StatusNotFound, "not-found", "no Patient "+strconv.Quote(r.PathValue("id"))+" for this user")
		return
	}
	q := r.URL.Query()
	types := map[string]bool{}
	for _, v := range q["_type"] {
		for _, t := range strings.Split(v, ",") {
			types[strings.TrimSpace(t)] = true
		}
	}
	var since time.Time
	if v := q.Get("_since"); v != "" {
		lo, _, err := parseDate(v)
		if err != nil {
			outcome(w, http.StatusBadRequest, "invalid", "_since: "+err.Error())
			return
		}
		since = lo
	}
	var recs []record
	s.visible(u, func(rec *record) {
		if (len(types) == 0 || types[rec.typ]) && !rec.updated.Before(since) {
			recs = append(recs, *rec)
		}
	})
	s.page(w, r, recs, fmt.Sprintf("%s%s/Patient/%s/$everything", s.baseURL(r), fhirPrefix(r), u.patientID()))
}

// read is GET /r4/{type}/{id}.
func (s *Server) read(w http.ResponseWriter, r *http.Request) {
	u := s.authorize(w, r)
	if u == nil || s.fault(w, r) {
		return
	}
	typ, id := r.PathValue("type"), r.PathValue("id")
	var found *record
	s.visible(u, func(rec *record) {
		if found == nil && rec.typ == typ && rec.id == id {
			found = rec
		}
	})
	if found == nil {
		outcome(w, http.StatusNotFound, "not-found", fmt.Sprintf("%s/%s is not known", typ, id))
		return
	}
	body, err := found.body()
	if err != nil {
		outcome(w, http.StatusInternalServerError, "exception", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/fhir+json; charset=utf-8")
	w.Write(body)
}

// page answers with one page of recs (sorted here) as a searchset: _count
// resources after the _after cursor, with a next link while more follow.
// The next link repeats the request's parameters with a new _after, the
// vendor's way (its _skip stops at 9990).
func (s *Server) page(w http.ResponseWriter, r *http.Request, recs []record, base string) {
	q := r.URL.Query()
	count := defaultCount
	if v := q.Get("_count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			outcome(w, http.StatusBadRequest, "invalid", "_count must be a whole number from 1 to 100")
			return
		}
		count = min(n, maxCount)
	}
	sortRecords(recs)
	total := len(recs)
	if v := q.Get("_after"); v != "" {
		at, typ, id, err := decodeAfter(v)
		if err != nil {
			outcome(w, http.StatusBadRequest, "invalid", "_after: not a cursor this server issued")
			return
		}
		i := sort.Search(len(recs), func(i int) bool {
			r := recs[i]
			if !r.updated.Equal(at) {
				return r.updated.After(at)
			}
			if r.typ != typ {
				return r.typ > typ
			}
			return r.id > id
		})
		recs = recs[i:]
	}
	more := len(recs) > count
	if more {
		recs = recs[:count]
	}
	b := fhir.Bundle{
		ResourceType: "Bundle",
		ID:           randomHex(8),
		Meta:         &fhir.Meta{LastUpdated: fhirInstant(s.now())},
		Type:         "searchset",
		Total:        &total,
		Entry:        make([]fhir.BundleEntry, 0, len(recs)),
	}
	self := url.Values{}
	for k, v := range q {
		self[k] = v
	}
	b.Link = append(b.Link, fhir.BundleLink{Relation: "self", URL: withQuery(base, self)})
	if more {
		last := recs[len(recs)-1]
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("_count", strconv.Itoa(count))
		next.Set("_after", encodeAfter(last))
		b.Link = append(b.Link, fhir.BundleLink{Relation: "next", URL: withQuery(base, next)})
	}
	prefix := strings.TrimSuffix(s.baseURL(r)+fhirPrefix(r), "/")
	entries := make([]entry, 0, len(recs))
	for i := range recs {
		body, err := recs[i].body()
		if err != nil {
			outcome(w, http.StatusInternalServerError, "exception", err.Error())
			return
		}
		if recs[i].gen == nil { // a bundle file's resource keeps the file's spacing
			var c bytes.Buffer
			if err := json.Compact(&c, body); err != nil {
				outcome(w, http.StatusInternalServerError, "exception", err.Error())
				return
			}
			body = c.Bytes()
		}
		entries = append(entries, entry{fullURL: prefix + "/" + recs[i].typ + "/" + recs[i].id, resource: body})
	}
	writeSearchset(w, b, entries)
}

// entry is one resource of a searchset page.
type entry struct {
	fullURL  string
	resource []byte // compact JSON
}

// writeSearchset writes a searchset bundle, its entries spliced in as
// they are. json.Encoder would scan every resource again to compact it,
// which costs more than making the resources: those of a page are
// compact already.
func writeSearchset(w http.ResponseWriter, b fhir.Bundle, entries []entry) {
	b.Entry = nil
	out := bytes.NewBuffer(make([]byte, 0, 1024+len(entries)*1024))
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		outcome(w, http.StatusInternalServerError, "exception", err.Error())
		return
	}
	if len(entries) > 0 {
		// Reopen the object Encode closed ("}\n"): entry is its last member.
		out.Truncate(out.Len() - 2)
		out.WriteString(`,"entry":[`)
		for i, e := range entries {
			if i > 0 {
				out.WriteByte(',')
			}
			out.WriteString(`{"fullUrl":`)
			enc.Encode(e.fullURL)
			out.Truncate(out.Len() - 1) // the newline Encode adds
			out.WriteString(`,"resource":`)
			out.Write(e.resource)
			out.WriteString(`,"search":{"mode":"match"}}`)
		}
		out.WriteString("]}\n")
	}
	w.Header().Set("Content-Type", "application/fhir+json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(out.Bytes())
}

func withQuery(base string, q url.Values) string {
	if len(q) == 0 {
		return base
	}
	return base + "?" + q.Encode()
}

func encodeAfter(r record) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d|%s|%s", r.updated.UnixMilli(), r.typ, r.id)))
}

func decodeAfter(s string) (time.Time, string, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", "", err
	}
	parts := strings.SplitN(string(b), "|", 3)
	if len(parts) != 3 {
		return time.Time{}, "", "", fmt.Errorf("bad cursor")
	}
	ms, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return time.Time{}, "", "", err
	}
	return time.UnixMilli(ms).UTC(), parts[1], parts[2], nil
}

// searchFilter turns the search parameters the server understands into a
// test: code (token, comma for OR, repeated for AND), _lastUpdated
// (repeatable, with prefixes) and _id. Parameters it does not know are
// ignored, as FHIR's lenient handling allows; patient and subject among
// them, since a user's token sees only that user's resources.
func searchFilter(typ string, q url.Values) (func(*record, *user) bool, error) {
	var tests []func(*record, *user) bool
	for _, v := range q["code"] {
		tokens := strings.Split(v, ",")
		tests = append(tests, func(r *record, _ *user) bool {
			for _, t := range tokens {
				if matchToken(r.codes, t) {
					return true
				}
			}
			return false
		})
	}
	for _, v := range q["_lastUpdated"] {
		f, err := dateFilter(v)
		if err != nil {
			return nil, fmt.Errorf("_lastUpdated=%s: %w", v, err)
		}
		tests = append(tests, func(r *record, _ *user) bool { return f(r.updated) })
	}
	if v := q.Get("_id"); v != "" {
		ids := strings.Split(v, ",")
		tests = append(tests, func(r *record, _ *user) bool {
			for _, id := range ids {
				if r.id == id {
					return true
				}
			}
			return false
		})
	}
	return func(r *record, u *user) bool {
		if r.typ != typ {
			return false
		}
		for _, t := range tests {
			if !t(r, u) {
				return false
			}
		}
		return true
	}, nil
}

// matchToken applies one token of a token search: "system|code", "code"
// (any system), "system|" (any code of the system) or "|code" (no system).
func matchToken(codes []fhir.Coding, token string) bool {
	system, code, hasSystem := strings.Cut(strings.TrimSpace(token), "|")
	if !hasSystem {
		code, system = system, ""
	}
	for _, c := range codes {
		switch {
		case !hasSystem:
			if c.Code == code {
				return true
			}
		case system == "":
			if c.System == "" && c.Code == code {
				return true
			}
		case code == "":
			if c.System == system {
				return true
			}
		default:
			if c.System == system && c.Code == code {
				return true
			}
		}
	}
	return false
}

// dateFilter reads a date search value with its prefix. A value stands
// for the range its precision covers (2025-06-01 is the whole day), and
// the prefixes compare with that range as FHIR's search rules say.
func dateFilter(v string) (func(time.Time) bool, error) {
	prefix := "eq"
	if len(v) > 2 && v[0] >= 'a' && v[0] <= 'z' {
		prefix, v = v[:2], v[2:]
	}
	lo, hi, err := parseDate(v)
	if err != nil {
		return nil, err
	}
	switch prefix {
	case "eq":
		return func(t time.Time) bool { return !t.Before(lo) && t.Before(hi) }, nil
	case "ne":
		return func(t time.Time) bool { return t.Before(lo) || !t.Before(hi) }, nil
	case "gt", "sa":
		return func(t time.Time) bool { return !t.Before(hi) }, nil
	case "ge":
		return func(t time.Time) bool { return !t.Before(lo) }, nil
	case "lt", "eb":
		return func(t time.Time) bool { return t.Before(lo) }, nil
	case "le":
		return func(t time.Time) bool { return t.Before(hi) }, nil
	}
	return nil, fmt.Errorf("unknown prefix %q", prefix)
}

// parseDate reads a FHIR date, dateTime or instant and returns the range
// [lo, hi) its precision covers. A time without a zone is taken as UTC;
// a "+" that arrived as a space (unescaped in a query) is read as "+".
func parseDate(v string) (lo, hi time.Time, err error) {
	v = strings.ReplaceAll(strings.TrimSpace(v), " ", "+")
	for _, f := range []struct {
		layout string
		add    func(time.Time) time.Time
	}{
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
	} {
		if t, err := time.Parse(f.layout, v); err == nil {
			return t, f.add(t), nil
		}
	}
	if !strings.Contains(v, "T") {
		return lo, hi, fmt.Errorf("%q is not a FHIR date or instant", v)
	}
	date, clock, _ := strings.Cut(v, "T")
	zone := ""
	if i := strings.IndexAny(clock, "Z+-"); i >= 0 {
		clock, zone = clock[:i], clock[i:]
	}
	digits := 0
	if _, frac, ok := strings.Cut(clock, "."); ok {
		digits = len(frac)
	}
	layout := "2006-01-02T15:04:05"
	if strings.Count(clock, ":") == 1 {
		layout = "2006-01-02T15:04"
	}
	if zone != "" {
		layout += "Z07:00"
	}
	t, err := time.Parse(layout, date+"T"+clock+zone)
	if err != nil {
		return lo, hi, fmt.Errorf("%q is not a FHIR date or instant", v)
	}
	step := time.Second
	if layout == "2006-01-02T15:04" || layout == "2006-01-02T15:04Z07:00" {
		step = time.Minute
	}
	for range digits {
		step /= 10
	}
	if step <= 0 {
		step = time.Nanosecond
	}
	return t.UTC(), t.UTC().Add(step), nil
}

// metadata is the CapabilityStatement.
func (s *Server) metadata(w http.ResponseWriter, r *http.Request) {
	searchParams := func(names ...string) []map[string]string {
		var out []map[string]string
		for _, n := range names {
			typ := "token"
			switch n {
			case "_lastUpdated", "date":
				typ = "date"
			case "patient", "subject":
				typ = "reference"
			case "_count":
				typ = "number"
			}
			out = append(out, map[string]string{"name": n, "type": typ})
		}
		return out
	}
	res := func(typ string, params ...string) map[string]any {
		return map[string]any{
			"type":        typ,
			"interaction": []map[string]string{{"code": "read"}, {"code": "search-type"}},
			"searchParam": searchParams(params...),
		}
	}
	cs := map[string]any{
		"resourceType": "CapabilityStatement",
		"status":       "active",
		"date":         "2025-01-01",
		"publisher":    "1upHealth (simulated by vitals)",
		"kind":         "instance",
		"software":     map[string]string{"name": "oneupsim"},
		"implementation": map[string]string{
			"description": "1upHealth FHIR R4 API, local simulation",
			"url":         s.baseURL(r) + fhirPrefix(r),
		},
		"fhirVersion": "4.0.1",
		"format":      []string{"application/fhir+json", "json"},
		"rest": []map[string]any{{
			"mode": "server",
			"security": map[string]any{
				"service": []map[string]any{{"coding": []fhir.Coding{{System: "http://terminology.hl7.org/CodeSystem/restful-security-service", Code: "OAuth"}}}},
			},
			"resource": []map[string]any{
				res("Observation", "_id", "_lastUpdated", "code", "patient", "subject", "_count"),
				res("Condition", "_id", "_lastUpdated", "code", "patient", "subject", "_count"),
				res("Patient", "_id", "_lastUpdated", "_count"),
			},
			"operation": []map[string]string{{"name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}},
		}},
	}
	w.Header().Set("Content-Type", "application/fhir+json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(cs)
}
