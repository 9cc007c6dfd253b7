// Package oneupsim is a local stand-in for the 1upHealth API, faithful to
// the vendor's documents field by field, for tests and `vitals sandbox`.
//
// One http.Handler serves:
//   - user management (POST/GET /user-management/v1/user, POST
//     /user-management/v1/user/auth-code), with the client credentials taken
//     from query parameters, form or JSON fields, or headers, and the
//     vendor's limit of 300 calls an hour;
//   - the OAuth token endpoint (/oauth2/token and the older
//     /fhir/oauth2/token), with rotating refresh tokens;
//   - the system lists (/connect/system/clinical, /connect/system/device)
//     and the connect page (/connect/system/{kind}/{id}), which approves at
//     once or shows an approve/deny page, then redirects to the registered
//     redirect URI;
//   - a FHIR R4 server (/r4/... and the older /fhir/r4/...) over a
//     deterministic synthetic patient, with searchset paging through next
//     links, _count, _lastUpdated and code searches, /metadata, and 401 on
//     bad or expired tokens.
//
// Data of a connected system appears DataDelay after it was connected, as
// the vendor's background pull makes it. Every resource names the system
// it came from (see TagSystem). Faults (429, 500, 503, hangs, malformed
// bodies) can be injected at a seeded rate or one by one, and every
// request is counted per endpoint.
//
// Options.Population creates seeded users at start (patient-0000, ...),
// each connected to systems of its own with readings of its own;
// ConnectPatient gives a user the application created the same. A
// refresh token presented after its rotation is refused and recorded
// (RefreshReuses), and DataUser names the account a FHIR read acts for,
// so a wrapping handler can tell requests of one account apart.
//
// URLs the server emits (next links, the connect page's form) start with
// Options.BaseURL, or, when that is empty, with the scheme and host of the
// request and the path prefix a parent mux stripped (http.StripPrefix), so
// the server can be mounted under /oneup/.
package oneupsim

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	gosync "sync"
	"time"

	"vitals/fhir"
)

// Defaults of Options.
const (
	DefaultDataDelay = 2 * time.Second
	DefaultUserLimit = 300 // user-management calls an hour, as the vendor allows
	DefaultTokenTTL  = 7200 * time.Second
	DefaultCodeTTL   = 10 * time.Minute
)

// History the synthetic patient has when a system is connected.
const (
	deviceHistoryDays   = 90
	clinicalHistoryDays = 730
)

// TagSystemPrefix starts the meta.tag system of every resource the server
// holds for a connected system: the tag's system is the prefix followed by
// the system's kind ("clinical" or "device"), its code the system's id and
// its display the system's name. meta.source is the system's resource_url.
// This is the simulator's convention (the vendor's documents say nothing of
// provenance); the oneup client reads it.
const TagSystemPrefix = "https://api.1up.health/connect/system/"

// Options configure a Server. The zero value of a field means its default
// unless said otherwise.
type Options struct {
	// BaseURL is the server's external base URL (e.g.
	// "http://127.0.0.1:8080/oneup"). Empty: taken from each request.
	BaseURL string
	// ClientID and ClientSecret are the one registered application's.
	ClientID     string
	ClientSecret string
	// RedirectURI is the application's registered redirect URI, where the
	// connect flow sends the browser back.
	RedirectURI string
	// AutoApprove connects a system as soon as its connect URL is opened,
	// as if the person logged in and allowed access; otherwise the connect
	// URL shows an approve/deny page.
	AutoApprove bool
	// DataDelay is how long after a system is connected its data appears.
	// Zero means at once (tests); sandboxes use DefaultDataDelay.
	DataDelay time.Duration
	// UserLimit is the number of user-management calls allowed in any hour.
	UserLimit int
	// TokenTTL is the access tokens' lifetime (expires_in).
	TokenTTL time.Duration
	// CodeTTL is the authorization codes' lifetime.
	CodeTTL time.Duration
	// Seed makes the synthetic data and the fault sequence.
	Seed uint64
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Faults injects failures into FHIR reads at random.
	Faults Faults
	// Bundle, when not nil, is served as the data of the health system
	// BundleSystem (EpicTestSite when 0) in place of its synthetic data.
	Bundle       *Bundle
	BundleSystem int
	// Population creates that many seeded users when the server starts,
	// before any other: user i has oneup_user_id 251+i and app_user_id
	// SeededAppUserID(i), and is connected to the systems Seeded(i)
	// names, with readings of its own (see ConnectPatient). Everything
	// about user i comes from Seed and i alone.
	Population int
	// HistoryDays, when positive, is how many days of history a
	// connected system brings, in place of 90 for devices and 730 for
	// health systems.
	HistoryDays int
}

// Server is the simulated 1upHealth API. Safe for concurrent use.
type Server struct {
	opt     Options
	now     func() time.Time
	mux     *http.ServeMux
	catalog []System

	mu        gosync.Mutex
	users     map[string]*user // by app_user_id
	byID      map[int64]*user
	nextUser  int64
	codes     map[string]grant
	access    map[string]grant
	refresh   map[string]int64 // refresh token -> user id
	umCalls   []time.Time      // user-management calls in the last hour
	attempts  map[string]attempt
	requests  map[string]int
	faults    Faults
	injected  []Fault
	rng       *rand.Rand
	synthMemo map[synthKey]synthEntry
	rotated   map[string]rotation // refresh tokens rotated away
	reuse     reuseLog
}

type user struct {
	id        int64
	appUserID string
	active    bool
	created   time.Time
	systems   map[int]time.Time // connected system id -> when
	// variant is 1 + the seeded patient whose readings the user has (0:
	// the readings every other user has, which depend only on the seed,
	// the system and the day).
	variant int
}

// patientID is the id of the user's Patient resource.
func (u *user) patientID() string { return fmt.Sprintf("oneup-%d", u.id) }

type grant struct {
	user    int64
	expires time.Time
}

// attempt is a connect flow waiting on the approve/deny page.
type attempt struct {
	user    int64
	system  int
	state   string
	expires time.Time
}

// New returns a server.
func New(opt Options) *Server {
	if opt.UserLimit <= 0 {
		opt.UserLimit = DefaultUserLimit
	}
	if opt.TokenTTL <= 0 {
		opt.TokenTTL = DefaultTokenTTL
	}
	if opt.CodeTTL <= 0 {
		opt.CodeTTL = DefaultCodeTTL
	}
	if opt.BundleSystem == 0 {
		opt.BundleSystem = EpicTestSite
	}
	opt.BaseURL = strings.TrimRight(opt.BaseURL, "/")
	s := &Server{
		opt:       opt,
		now:       opt.Now,
		catalog:   catalog(),
		users:     map[string]*user{},
		byID:      map[int64]*user{},
		nextUser:  251,
		codes:     map[string]grant{},
		access:    map[string]grant{},
		refresh:   map[string]int64{},
		attempts:  map[string]attempt{},
		requests:  map[string]int{},
		faults:    opt.Faults,
		rng:       rand.New(rand.NewPCG(opt.Seed, 0x1bca1)),
		synthMemo: map[synthKey]synthEntry{},
		rotated:   map[string]rotation{},
		reuse:     newReuseLog(),
	}
	if s.now == nil {
		s.now = time.Now
	}
	// Seeded users joined and connected their systems before the server
	// started: at midnight (the patients' zone) of the day it starts, so
	// that two servers started on the same day serve the same resources,
	// lastUpdated included, and the systems' data is there at once.
	joined := dayStart(s.now().In(patientZone)).UTC()
	for i := range max(opt.Population, 0) {
		u := s.newUserLocked(SeededAppUserID(i))
		u.created = joined
		s.connectPatientLocked(u, i, joined)
	}
	s.routes()
	return s
}

// newUserLocked creates a user; the caller holds s.mu (or is New).
func (s *Server) newUserLocked(appUserID string) *user {
	u := &user{id: s.nextUser, appUserID: appUserID, active: true, created: s.now(), systems: map[int]time.Time{}}
	s.nextUser++
	s.users[appUserID], s.byID[u.id] = u, u
	return u
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /user-management/v1/user", s.createUser)
	m.HandleFunc("GET /user-management/v1/user", s.lookupUser)
	m.HandleFunc("POST /user-management/v1/user/auth-code", s.authCode)
	for _, p := range []string{"/oauth2/token", "/fhir/oauth2/token"} {
		m.HandleFunc("POST "+p, s.token)
	}
	m.HandleFunc("GET /connect/system/{kind}", s.listSystems)
	m.HandleFunc("GET /connect/system/{kind}/{id}", s.connectPage)
	m.HandleFunc("POST /connect/system/{kind}/{id}", s.connectDecision)
	m.HandleFunc("GET /connect/logo/{id}", s.logo)
	for _, p := range []string{"/r4", "/fhir/r4"} {
		m.HandleFunc("GET "+p+"/metadata", s.metadata)
		m.HandleFunc("GET "+p+"/{type}", s.search)
		m.HandleFunc("GET "+p+"/{type}/{id}", s.read)
		m.HandleFunc("GET "+p+"/Patient/{id}/$everything", s.everything)
	}
	s.mux = m
}

// ServeHTTP counts the request and serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, pattern := s.mux.Handler(r)
	label := endpointLabel(r, pattern)
	s.mu.Lock()
	s.requests[label]++
	s.mu.Unlock()
	// The server's own clock dates its answers, so that a client reading
	// the Date header sees the same time as in the resources.
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	s.mux.ServeHTTP(w, r)
}

// endpointLabel names an endpoint for the request counters: the route,
// with FHIR resource types and system kinds spelt out (ids are not), and
// the older /fhir/r4 and /fhir/oauth2 forms folded into /r4 and /oauth2.
func endpointLabel(r *http.Request, pattern string) string {
	if pattern == "" {
		return r.Method + " /(unmatched)"
	}
	_, path, _ := strings.Cut(pattern, " ")
	segs := strings.Split(path, "/")
	actual := strings.Split(r.URL.Path, "/")
	if len(segs) == len(actual) {
		for i, seg := range segs {
			if seg == "{type}" || seg == "{kind}" {
				segs[i] = actual[i]
			}
		}
	}
	return r.Method + " " + strings.TrimPrefix(strings.Join(segs, "/"), "/fhir")
}

// Requests returns how many requests each endpoint received, keyed like
// "GET /r4/Observation" or "POST /user-management/v1/user".
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.requests)
}

// ResetRequests sets every counter back to zero.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.requests)
}

// Options returns the options the server runs with, defaults filled in.
func (s *Server) Options() Options { return s.opt }

// baseURL is the external URL the request reached the server at.
func (s *Server) baseURL(r *http.Request) string {
	if s.opt.BaseURL != "" {
		return s.opt.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	// A parent mux's StripPrefix shortened r.URL.Path but not RequestURI:
	// the difference is where the server is mounted.
	prefix := ""
	if raw, _, _ := strings.Cut(r.RequestURI, "?"); strings.HasSuffix(raw, r.URL.EscapedPath()) {
		prefix = strings.TrimSuffix(raw, r.URL.EscapedPath())
	}
	return scheme + "://" + r.Host + prefix
}

// ConnectSystem connects a system to a user directly, as if the person had
// gone through the connect page (the demo and tests seed data this way).
func (s *Server) ConnectSystem(appUserID string, systemID int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[appUserID]
	if !ok {
		return fmt.Errorf("oneupsim: no user %q", appUserID)
	}
	if _, ok := s.system(systemID); !ok {
		return fmt.Errorf("oneupsim: no system %d", systemID)
	}
	s.connectLocked(u, systemID)
	return nil
}

func (s *Server) connectLocked(u *user, systemID int) {
	s.connectAtLocked(u, systemID, s.now())
}

func (s *Server) connectAtLocked(u *user, systemID int, at time.Time) {
	if _, ok := u.systems[systemID]; !ok {
		u.systems[systemID] = at.UTC().Truncate(time.Millisecond)
	}
}

// ConnectedSystems lists the ids of the systems a user connected.
func (s *Server) ConnectedSystems(appUserID string) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[appUserID]
	if !ok {
		return nil
	}
	ids := make([]int, 0, len(u.systems))
	for id := range u.systems {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

// ExpireAccessTokens makes every access token issued so far invalid, as
// if its lifetime had passed; refresh tokens still work.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.access)
}

// RevokeTokens makes every access and refresh token invalid: only a new
// authorization code brings a user back.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.access)
	clear(s.refresh)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeFHIR answers with a FHIR resource.
func writeFHIR(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/fhir+json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// outcome answers with an OperationOutcome.
func outcome(w http.ResponseWriter, status int, code, diagnostics string) {
	writeFHIR(w, status, fhir.OperationOutcome{
		ResourceType: "OperationOutcome",
		Issue:        []fhir.OperationOutcomeIssue{{Severity: "error", Code: code, Diagnostics: diagnostics}},
	})
}
