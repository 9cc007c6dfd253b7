// Package omronsim is a local stand-in for the Omron Wellness partner API
// (US), faithful to the vendor's guide and to the behaviour recorded in
// shared/reference/omron-notes.md, quirks included. It serves
//
//	GET  /connect/authorize   sign-in and consent page (or an immediate redirect with AutoApprove;
//	                          login_hint names the patient)
//	POST /connect/authorize   the page's approve / deny form
//	POST /connect/token       authorization_code and refresh_token grants
//	POST /api/measurement     the measurement API (Bearer token, form parameters)
//	POST /connect/revocation  token revocation
//
// with per-client credentials and registered redirect URIs, single-use
// 10-minute codes, PKCE (S256 and plain) when a challenge is sent, expiring
// access tokens and rotating refresh tokens, and a deterministic synthetic
// patient with two years of readings, or a seeded population of
// thousands (Options.Population), each patient with credentials, traits
// and a history of their own. Faults (429, 500, 503, slow answers,
// malformed JSON, revoked tokens) can be injected by rate or one at a
// time. Readings can be added at run time, and the notification Omron
// would send is POSTed to a configured URL. A refresh token presented
// after its rotation is refused and recorded (RefreshReuses), and
// DataUser names the account a measurement request acts for, so a
// wrapping handler can tell requests of one account apart.
//
// Like net/http/httptest beside net/http, it is a test server beside the
// client in package omron, and imports none of it: it speaks only HTTP.
//
// Where the guide and the notes are silent the server chooses, and says
// so: the measurement API's error statuses (status 1 with errorCode
// INVALID_PARAMETER for a bad parameter, status 2 with SCOPE_NOT_GRANTED),
// its answer to a bad token (HTTP 401 {"message":"Unauthorized"}, as an
// API gateway answers), the page size when no limit is sent (100) and the
// largest it honours (1000), and the irregularHB / movementDetect flags
// (0/1, the names of Omron's own app API) on a few readings.
package omronsim

import (
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	gosync "sync"
	"time"
)

// Endpoints, as request counters and Inject name them.
const (
	EndpointAuthorize     = "GET /connect/authorize"
	EndpointAuthorizeForm = "POST /connect/authorize"
	EndpointToken         = "POST /connect/token"
	EndpointMeasurement   = "POST /api/measurement"
	EndpointRevocation    = "POST /connect/revocation"
)

// The default partner application: the one a Server registers when
// Options.Clients is empty.
const (
	DefaultClientID     = "vitals-sandbox"
	DefaultClientSecret = "sandbox-7f3a9c1e5b2d48e6a0f1c3b5d7e9a2b4"
	// DefaultPasteRedirectURI is a registered redirect URI that is not
	// loopback: the browser ends on a page that does not load, and the
	// person pastes its address back (the paste path of linking).
	DefaultPasteRedirectURI = "https://vitals.example/callback"
	// DefaultHubRedirectURI is the enrollment callback of a `vitals
	// serve --public-url http://127.0.0.1:<port>` hub, on any port.
	DefaultHubRedirectURI = "http://127.0.0.1/enroll/callback/omron"
)

// DefaultClient is the default partner application. Its loopback redirect
// URIs (the loopback link's and a local hub's enrollment callback) accept any port (as RFC 8252 §7.3 asks of servers), so a client on
// a free port links without registering it: http://127.0.0.1:<port>/callback.
func DefaultClient() Client {
	return Client{
		ID:              DefaultClientID,
		Secret:          DefaultClientSecret,
		Name:            "vitals (sandbox)",
		RedirectURIs:    []string{"http://127.0.0.1/callback", "http://[::1]/callback", DefaultPasteRedirectURI, DefaultHubRedirectURI},
		AnyLoopbackPort: true,
	}
}

// Client is a registered partner application.
type Client struct {
	ID, Secret   string
	Name         string   // shown on the consent page
	RedirectURIs []string // compared exactly, except the port of loopback URIs with AnyLoopbackPort
	// AnyLoopbackPort lets a registered http://127.0.0.1/... or
	// http://[::1]/... redirect URI match the same URI on any port.
	AnyLoopbackPort bool
}

// Allows reports whether uri is one of the client's redirect URIs.
func (c Client) Allows(uri string) bool {
	for _, r := range c.RedirectURIs {
		if r == uri {
			return true
		}
		if c.AnyLoopbackPort && sameLoopbackButPort(r, uri) {
			return true
		}
	}
	return false
}

func sameLoopbackButPort(registered, got string) bool {
	a, err1 := url.Parse(registered)
	b, err2 := url.Parse(got)
	if err1 != nil || err2 != nil || a.Scheme != "http" || b.Scheme != "http" {
		return false
	}
	host := a.Hostname()
	if host != "127.0.0.1" && host != "::1" {
		return false
	}
	return b.Hostname() == host && a.Path == b.Path && a.RawQuery == b.RawQuery && b.Fragment == "" && b.User == nil
}

// TokenStyle is how token answers spell expiry and type.
type TokenStyle int

const (
	// StyleAlternate switches between the guide's camelCase and RFC 6749's
	// snake_case on every token answer, starting with camelCase.
	StyleAlternate TokenStyle = iota
	// StyleCamel answers expiresIn and tokenType, as the guide's examples.
	StyleCamel
	// StyleSnake answers expires_in and token_type, as RFC 6749.
	StyleSnake
)

// Options configure a Server. The zero value is a usable server with the
// default client and one synthetic patient.
type Options struct {
	// Now is the server's clock; time.Now when nil. The synthetic history
	// ends at Now() when the server is made.
	Now func() time.Time
	// Seed makes the patient and the fault draws: the same seed gives the
	// same server.
	Seed uint64
	// Clients are the registered partner applications (DefaultClient when empty).
	Clients []Client
	// Patients are the Omron users (one synthetic patient when empty and
	// Population is 0).
	Patients []Patient
	// Population adds that many seeded patients after Patients. Seeded
	// patient i signs in as SeededEmail(i); its id, password, name, zone,
	// traits (baseline blood pressure, weight, activity, alerts) and
	// history come from Seed and i alone, so the same seed gives the same
	// patient i in every run and in a population of any size. A seeded
	// patient's history is made when it is first needed (a sign-in,
	// a measurement request, an upload, Count).
	Population int
	// HistoryDays is how far back the synthetic history goes (730).
	HistoryDays int
	// AutoApprove skips the sign-in page: the first patient approves at
	// once, or the patient an authorization request's login_hint names
	// (by e-mail or id; OpenID Connect's parameter).
	AutoApprove bool
	// AccessTokenTTL is the access tokens' lifetime (3600 s).
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is the refresh tokens' lifetime; 0 never expires
	// (Omron's is not public).
	RefreshTokenTTL time.Duration
	// TokenStyle spells expiry and type in token answers.
	TokenStyle TokenStyle
	// PageSize is the page size when a request sends no limit (100);
	// MaxPageSize is the largest limit honoured (1000).
	PageSize, MaxPageSize int
	// Faults are injected into the measurement API by rate.
	Faults Faults
	// RetryAfter is what a 429 asks to wait (1 s).
	RetryAfter time.Duration
	// SlowDelay is how long a "timeout" fault holds its answer back (35 s:
	// longer than a client's usual 30 s timeout).
	SlowDelay time.Duration
	// NotifyURL receives the notification POSTs ("" sends none).
	NotifyURL string
	// NotifyRetry is the pause before Omron's one retry of a failed
	// notification (1 s).
	NotifyRetry time.Duration
	// HTTPClient sends notifications (a client with a 10 s timeout when nil).
	HTTPClient *http.Client
}

// Server is the simulated Omron server. It is an http.Handler and is safe
// for concurrent use.
type Server struct {
	opt Options
	mux *http.ServeMux
	now func() time.Time

	// patients and their indexes never change after New; a patient's
	// readings have their own lock.
	patients []*patient
	byID     map[string]*patient
	byEmail  map[string]*patient // by lower-case e-mail

	mu          gosync.Mutex
	clients     map[string]Client
	codes       map[string]*authCode
	access      map[string]*accessToken
	refresh     map[string]*refreshToken
	grants      map[*patient][]*grant
	reuse       reuseLog
	issued      []string // every code and token handed out, for leak tests
	counts      map[string]int
	faults      Faults
	faultRand   *rand.Rand
	injected    map[string][]Fault
	autoApprove bool
	notifyURL   string
	tokenAnswer int // token answers given, for StyleAlternate
	notices     int // notifications sent, to alternate timestamp forms
	idKey       []byte
}

// New returns a server with its synthetic patients generated.
func New(opt Options) *Server {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if len(opt.Clients) == 0 {
		opt.Clients = []Client{DefaultClient()}
	}
	if opt.HistoryDays <= 0 {
		opt.HistoryDays = 730
	}
	if opt.AccessTokenTTL <= 0 {
		opt.AccessTokenTTL = time.Hour
	}
	if opt.PageSize <= 0 {
		opt.PageSize = 100
	}
	if opt.MaxPageSize <= 0 {
		opt.MaxPageSize = 1000
	}
	if opt.RetryAfter <= 0 {
		opt.RetryAfter = time.Second
	}
	if opt.SlowDelay <= 0 {
		opt.SlowDelay = 35 * time.Second
	}
	if opt.NotifyRetry <= 0 {
		opt.NotifyRetry = time.Second
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	s := &Server{
		opt:         opt,
		now:         opt.Now,
		clients:     map[string]Client{},
		codes:       map[string]*authCode{},
		access:      map[string]*accessToken{},
		refresh:     map[string]*refreshToken{},
		grants:      map[*patient][]*grant{},
		reuse:       newReuseLog(),
		byID:        map[string]*patient{},
		byEmail:     map[string]*patient{},
		counts:      map[string]int{},
		faults:      opt.Faults,
		faultRand:   rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x0fa17)),
		injected:    map[string][]Fault{},
		autoApprove: opt.AutoApprove,
		notifyURL:   opt.NotifyURL,
	}
	for _, c := range opt.Clients {
		s.clients[c.ID] = c
	}
	dataRand := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0xda7a))
	s.idKey = []byte(randomHex(dataRand, 32))
	specs := opt.Patients
	if len(specs) == 0 && opt.Population <= 0 {
		specs = []Patient{{}}
	}
	now := opt.Now()
	z := zones{}
	for i, spec := range specs {
		s.patients = append(s.patients, newPatient(spec, i, dataRand, now, opt.HistoryDays, z))
	}
	for i := range max(opt.Population, 0) {
		s.patients = append(s.patients, seededPatient(opt.Seed, i, now, opt.HistoryDays, z))
	}
	for _, p := range s.patients {
		// The first of two patients with one id or e-mail wins, as a
		// search through the list would find it.
		if _, dup := s.byID[p.ID]; !dup {
			s.byID[p.ID] = p
		}
		if e := strings.ToLower(p.Email); s.byEmail[e] == nil {
			s.byEmail[e] = p
		}
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc(EndpointAuthorize, s.authorizePage)
	s.mux.HandleFunc(EndpointAuthorizeForm, s.authorizeForm)
	s.mux.HandleFunc(EndpointToken, s.token)
	s.mux.HandleFunc(EndpointMeasurement, s.measurement)
	s.mux.HandleFunc(EndpointRevocation, s.revocation)
	return s
}

var endpoints = map[string]bool{
	EndpointAuthorize: true, EndpointAuthorizeForm: true, EndpointToken: true,
	EndpointMeasurement: true, EndpointRevocation: true,
}

// ServeHTTP counts the request by endpoint and serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if key := r.Method + " " + r.URL.Path; endpoints[key] {
		s.mu.Lock()
		s.counts[key]++
		s.mu.Unlock()
	}
	s.mux.ServeHTTP(w, r)
}

// Counts returns how many requests each endpoint has had, keyed like
// EndpointMeasurement ("POST /api/measurement").
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

// Options returns the options the server runs with, defaults filled in.
func (s *Server) Options() Options { return s.opt }

// Patients returns the server's users: Options.Patients, then the
// seeded population in order (patient i of the population is
// Patients()[len(Options.Patients)+i]).
func (s *Server) Patients() []Patient {
	out := make([]Patient, len(s.patients))
	for i, p := range s.patients {
		out[i] = p.Patient
	}
	return out
}

// SetAutoApprove switches the sign-in page off (on = approve at once).
func (s *Server) SetAutoApprove(on bool) {
	s.mu.Lock()
	s.autoApprove = on
	s.mu.Unlock()
}

// SetNotifyURL changes where notifications go ("" sends none).
func (s *Server) SetNotifyURL(u string) {
	s.mu.Lock()
	s.notifyURL = u
	s.mu.Unlock()
}

// Issued returns every authorization code, access, refresh and id token
// the server has handed out, so a test can prove none of them leaked into
// logs or messages.
func (s *Server) Issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// RevokeUser revokes every grant of a user (by id or e-mail), as a user
// disconnecting the application in Omron's app would: access and refresh
// tokens stop working, and only linking again helps.
func (s *Server) RevokeUser(user string) bool {
	p := s.findPatient(user)
	if p == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.grants[p] {
		g.revoked = true
	}
	return len(s.grants[p]) > 0
}

// Count returns how many readings of a type ("bloodpressure", ...) a user
// has.
func (s *Server) Count(user, typ string) int {
	p := s.findPatient(user)
	if p == nil {
		return 0
	}
	p.ready()
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.data[typ])
}

// findPatient finds a user by id or e-mail ("" is the first patient).
func (s *Server) findPatient(user string) *patient {
	if user == "" && len(s.patients) > 0 {
		return s.patients[0]
	}
	if p := s.byID[user]; p != nil {
		return p
	}
	return s.byEmail[strings.ToLower(user)]
}
