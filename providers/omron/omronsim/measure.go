package omronsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Status codes of the measurement API's own errors. Omron's list is not
// public: these are the server's choice.
const (
	StatusOK              = 0
	StatusInvalidParam    = 1 // errorCode INVALID_PARAMETER
	StatusScopeNotGranted = 2 // errorCode SCOPE_NOT_GRANTED
)

type measurementQuery struct {
	types  []string
	since  string // yyyy-MM-dd, compared with readings' local dates
	limit  int
	desc   bool
	hourly bool
	keys   map[string]*int64
}

// sinceLayouts are the guide's "Valid JSON Date" examples: 2015-12-01,
// 12-01-2015, 12/01/2015.
var sinceLayouts = []string{time.DateOnly, "01-02-2006", "01/02/2006"}

func (s *Server) measurement(w http.ResponseWriter, r *http.Request) {
	f := s.drawFault(EndpointMeasurement)
	if s.transportFault(w, r, f) {
		return
	}
	g := s.bearer(r, f == FaultRevoked)
	if g == nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Unauthorized"})
		return
	}
	if err := r.ParseForm(); err != nil {
		statusError(w, StatusInvalidParam, "INVALID_PARAMETER", "the form could not be read")
		return
	}
	q, status, reason := s.parseQuery(r.PostForm, g)
	if status != StatusOK {
		code := "INVALID_PARAMETER"
		if status == StatusScopeNotGranted {
			code = "SCOPE_NOT_GRANTED"
		}
		statusError(w, status, code, reason)
		return
	}
	body := s.page(g, q)
	if f == FaultMalformed {
		body = body[:len(body)/2]
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

func statusError(w http.ResponseWriter, status int, code, reason string) {
	writeOrdered(w, http.StatusOK, []pair{{"status", status}, {"reason", reason}, {"errorCode", code}})
}

func (s *Server) parseQuery(form url.Values, g *grant) (measurementQuery, int, string) {
	q := measurementQuery{limit: s.opt.PageSize, desc: true, keys: map[string]*int64{}}
	since := strings.TrimSpace(form.Get("since"))
	if since == "" {
		return q, StatusInvalidParam, "since is required"
	}
	for _, l := range sinceLayouts {
		if t, err := time.Parse(l, since); err == nil {
			q.since = t.Format(time.DateOnly)
			break
		}
	}
	if q.since == "" {
		return q, StatusInvalidParam, "since must be a date such as 2015-12-01"
	}
	if v := form.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return q, StatusInvalidParam, "limit must be a positive whole number"
		}
		q.limit = min(n, s.opt.MaxPageSize)
	}
	switch strings.ToLower(form.Get("sortOrder")) {
	case "", "desc":
	case "asc":
		q.desc = false
	default:
		return q, StatusInvalidParam, "sortOrder must be asc or desc"
	}
	switch strings.ToLower(form.Get("includeHourlyActivity")) {
	case "", "false":
	case "true":
		q.hourly = true
	default:
		return q, StatusInvalidParam, "includeHourlyActivity must be true or false"
	}
	if t := form.Get("type"); t != "" {
		if !slices.Contains(Types, t) {
			return q, StatusInvalidParam, "type must be one of bloodpressure, activity, weight, temperature, oxygen"
		}
		if !g.has(t) {
			return q, StatusScopeNotGranted, "the user did not grant the " + t + " scope"
		}
		q.types = []string{t}
	} else {
		for _, t := range Types {
			if g.has(t) {
				q.types = append(q.types, t)
			}
		}
	}
	for _, t := range q.types {
		if v := form.Get(t + "PaginationKey"); v != "" {
			k, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return q, StatusInvalidParam, t + "PaginationKey is not a key this server gave"
			}
			q.keys[t] = &k
		}
	}
	return q, StatusOK, ""
}

// page answers a query in the guide's shape: the requested types' arrays,
// then paginationKey (one key per type, null on its last page), truncated
// and measurementCount. Legacy patients get no keys, and truncated when a
// type has more than a page.
func (s *Server) page(g *grant, q measurementQuery) []byte {
	p := g.patient
	p.ready()
	// The patient's own lock, not the server's: pages of different
	// patients render at once.
	p.mu.RLock()
	defer p.mu.RUnlock()
	var b bytes.Buffer
	b.WriteString(`{"status":0,"result":{`)
	var keys []pair
	truncated, count := false, 0
	for _, t := range q.types {
		items, next := pageOf(p.data[t], q, t)
		name, _ := json.Marshal(resultArray(t))
		b.Write(name)
		b.WriteString(":[")
		for i, r := range items {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(r.render(q.hourly))
		}
		b.WriteString("],")
		count += len(items)
		if p.Legacy {
			truncated = truncated || next != nil
			continue
		}
		keys = append(keys, pair{t + "PaginationKey", next})
	}
	if !p.Legacy {
		b.WriteString(`"paginationKey":{`)
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			name, _ := json.Marshal(k.k)
			val, _ := json.Marshal(k.v)
			b.Write(name)
			b.WriteByte(':')
			b.Write(val)
		}
		b.WriteString("},")
	}
	b.WriteString(`"truncated":` + strconv.FormatBool(truncated) + `,"measurementCount":` + strconv.Itoa(count) + "}}")
	return b.Bytes()
}

// pageOf selects a page of one type: readings on or after since (local
// date), after the key in the sort order, at most limit of them. next is
// the key of the page's last reading when more follow, nil otherwise.
//
// The list is ordered by key (the measurement instant), so the readings
// that could be on the page are found by binary search: a page costs the
// same at the end of a long history as at its start.
func pageOf(list []reading, q measurementQuery, t string) (items []reading, next *int64) {
	key := q.keys[t]
	take := func(r reading) bool {
		h := r.head()
		if h.localDate() < q.since {
			return false
		}
		if key != nil && (!q.desc && h.key() <= *key || q.desc && h.key() >= *key) {
			return false
		}
		items = append(items, r)
		return len(items) > q.limit
	}
	at := func(k int64) int { // the first reading whose key is k or later
		i, _ := slices.BinarySearchFunc(list, k, func(x reading, k int64) int { return cmpInt(x.head().key(), k) })
		return i
	}
	// No wall clock is 48 hours ahead of UTC: a reading before midnight
	// UTC of the day before since, less that, is on an earlier local date.
	lo := 0
	if d, err := time.Parse(time.DateOnly, q.since); err == nil {
		lo = at(d.Add(-48 * time.Hour).UnixMilli())
	}
	if q.desc {
		hi := len(list)
		if key != nil {
			hi = at(*key)
		}
		for i := hi - 1; i >= lo && !take(list[i]); i-- {
		}
	} else {
		if key != nil {
			lo = max(lo, at(*key+1))
		}
		for i := lo; i < len(list) && !take(list[i]); i++ {
		}
	}
	if len(items) > q.limit {
		items = items[:q.limit]
		k := items[len(items)-1].head().key()
		return items, &k
	}
	return items, nil
}
