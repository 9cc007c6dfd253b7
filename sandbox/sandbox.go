// Package sandbox runs vitals' local stand-ins for the vendors' servers as
// one HTTP handler on one address: Omron Wellness under /omron (see
// omronsim), 1upHealth under /oneup (see oneupsim), and endpoints of its
// own:
//
//	GET  /_sandbox/requests      request counts by endpoint, and what went
//	                             wrong between accounts (see below)
//	GET  /_sandbox/patients      the seeded patients: Omron sign-in and
//	                             1upHealth user of each (see Patients)
//	POST /_sandbox/upload        add readings for a user and send the
//	                             notification; the body is omronsim.Upload's
//	                             JSON with an optional "provider": "omron"
//	POST /_sandbox/oneup/connect connect 1upHealth systems to a user:
//	                             {"app_user_id": "...", "patient": 42} gives
//	                             it seeded patient 42's systems and readings,
//	                             {"app_user_id": "...", "systems": [4709]}
//	                             connects those
//
// GET /_sandbox/requests answers a JSON object: the request counts by
// endpoint ({"POST /omron/api/measurement": 12, ...}, every key a method
// and a path), and two more members:
//
//	"overlaps":      {"total": 0, "accounts": {"omron": {"<user id>": n}, "oneup": {"<oneup_user_id>": n}},
//	                  "events": [{"provider", "account", "first": Request, "second": Request}]}
//	"refresh_reuse": {"total": 0, "accounts": {...}, "events": [{"provider", "account", "at", "rotated_at", "refused", "remote"}]}
//
// An overlap is two data requests of one account in flight at once (see
// Request for what a data request is and how long it lasts); a refresh
// reuse is a refresh token presented after it was rotated away. A sync
// that fetches each account from one worker at a time, and spends each
// refresh token once, leaves both totals at 0 whatever the faults.
//
// `vitals sandbox` serves it until interrupted; tests of other packages
// and `vitals --demo` start it on a free loopback port with Start and
// point vitals at it with Config.
//
// The sandbox partner application (ClientID, ClientSecret) may redirect to
// http://127.0.0.1:<any port>/callback, so a configuration on any free
// port links without registering it, and to PasteRedirectURL, a
// non-loopback URI for trying the paste path of linking.
package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vitals/config"
	"vitals/providers/omron"
	"vitals/providers/omron/omronsim"
	"vitals/providers/oneup"
	"vitals/providers/oneup/oneupsim"
)

// The sandbox's fixed names.
const (
	DefaultAddr        = "127.0.0.1:8700"
	DefaultRedirectURL = "http://127.0.0.1:53682/callback"
	// PasteRedirectURL is a registered redirect URI that is not loopback:
	// linking with it shows where the browser ended and waits for that
	// address to be pasted.
	PasteRedirectURL = omronsim.DefaultPasteRedirectURI
	// ClientID and ClientSecret are the sandbox partner application's
	// credentials. They open nothing but the sandbox.
	ClientID     = omronsim.DefaultClientID
	ClientSecret = omronsim.DefaultClientSecret

	OmronPrefix  = "/omron"
	OneUpPrefix  = "/oneup"
	RequestsPath = "/_sandbox/requests"
	UploadPath   = "/_sandbox/upload"
	PatientsPath = "/_sandbox/patients"
	ConnectPath  = "/_sandbox/oneup/connect"
)

// The sandbox 1upHealth application. Its one registered redirect URI is
// where 1upHealth's connect page sends the browser back (the vendor takes
// no redirect_uri parameter): OneUpRedirectURL unless Options change it.
const (
	OneUpClientID     = "vitals-sandbox-oneup"
	OneUpClientSecret = "vitals-sandbox-oneup-secret"
	OneUpRedirectURL  = "http://127.0.0.1:53683/callback"
)

// Options configure a sandbox.
type Options struct {
	// Addr is where Start listens ("" or a port 0: a free loopback port).
	Addr string
	// AutoApprove approves authorization requests at once, as the first
	// patient, without the sign-in page.
	AutoApprove bool
	// Faults are injected into the data APIs by rate.
	Faults Faults
	// NotifyURL receives the Omron notifications uploads send.
	NotifyURL string
	// Seed makes the synthetic patients and fault draws.
	Seed uint64
	// Now is the servers' clock (time.Now when nil).
	Now func() time.Time
	// Omron, when set, adjusts the Omron server's options last (token
	// lifetimes, page sizes, patients, timeouts).
	Omron func(*omronsim.Options)
	// OneUpBundle, when set, is served as the Epic test site's data in
	// place of its synthetic records (vitals sandbox --oneup-bundle).
	OneUpBundle *oneupsim.Bundle
	// OneUpRedirectURL is the 1upHealth application's registered redirect
	// URI (OneUpRedirectURL when "").
	OneUpRedirectURL string
	// OneUp, when set, adjusts the 1upHealth server's options last (data
	// delay, token lifetime, limits).
	OneUp func(*oneupsim.Options)
	// Patients, when positive, seeds that many patients in both servers:
	// patient i signs in to Omron as omronsim.SeededEmail(i)
	// (patient-0042@sandbox.example) with a password of its own, and is
	// the 1upHealth user oneupsim.SeededAppUserID(i) (patient-0042,
	// oneup_user_id 251+i) with systems connected. Everything about
	// patient i comes from Seed and i alone. 0 keeps the one sandbox
	// patient of two years (and no 1upHealth user until one is created).
	Patients int
	// HistoryDays is how many days of readings each patient has: 730 for
	// the one sandbox patient, DefaultPatientHistory when Patients is set.
	HistoryDays int
	// Latency holds every request to the vendors' servers this long before
	// serving it, as a distant server would. A request whose client gives
	// up meanwhile is not served.
	Latency time.Duration
	// OneUpUserLimit is how many 1upHealth user-management calls are
	// allowed in an hour (300, the vendor's; negative: no limit).
	OneUpUserLimit int
}

// DefaultPatientHistory is the history of seeded patients: short enough
// that thousands are quick to make and to sync, long enough for trends,
// alerts and a month's report.
const DefaultPatientHistory = 90

// Sandbox is the local servers behind one handler.
type Sandbox struct {
	// Omron is the Omron Wellness server, for tests to inject faults,
	// add readings and read counters.
	Omron *omronsim.Server
	// OneUp is the 1upHealth server, for tests to inject faults, connect
	// systems and read counters.
	OneUp *oneupsim.Server

	mux      *http.ServeMux
	services []service
	tracker  *tracker
	latency  time.Duration

	ln   net.Listener
	srv  *http.Server
	stop context.CancelFunc // ends the contexts of requests in flight
}

// service is one vendor's server mounted under a prefix. Adding the
// 1upHealth server is one more mount in New and its keys in ConfigFor.
type service struct {
	name    string // the provider name an upload body may give
	prefix  string
	counts  func() map[string]int
	upload  func(ctx context.Context, body []byte) (any, error)
	account func(*http.Request) (string, bool) // the account a data request acts for
}

// New builds the sandbox's handler without listening (serve it with
// httptest, or use Start).
func New(opt Options) (*Sandbox, error) {
	if err := opt.Faults.Validate(); err != nil {
		return nil, fmt.Errorf("sandbox: faults: %w", err)
	}
	if opt.Patients < 0 || opt.HistoryDays < 0 || opt.Latency < 0 {
		return nil, fmt.Errorf("sandbox: patients %d, history %d days, latency %s: none may be negative", opt.Patients, opt.HistoryDays, opt.Latency)
	}
	history := opt.HistoryDays
	if history == 0 && opt.Patients > 0 {
		history = DefaultPatientHistory
	}
	oo := omronsim.Options{
		Now:         opt.Now,
		Seed:        opt.Seed,
		AutoApprove: opt.AutoApprove,
		Faults:      opt.Faults.omron(),
		NotifyURL:   opt.NotifyURL,
		Population:  opt.Patients,
		HistoryDays: history,
	}
	if opt.Omron != nil {
		opt.Omron(&oo)
	}
	if err := oo.Faults.Validate(); err != nil {
		return nil, fmt.Errorf("sandbox: omron faults: %w", err)
	}
	uo := oneupsim.Options{
		ClientID:     OneUpClientID,
		ClientSecret: OneUpClientSecret,
		RedirectURI:  opt.OneUpRedirectURL,
		AutoApprove:  opt.AutoApprove,
		DataDelay:    oneupsim.DefaultDataDelay,
		Seed:         opt.Seed,
		Now:          opt.Now,
		Faults:       opt.Faults.oneup(),
		Bundle:       opt.OneUpBundle,
		Population:   opt.Patients,
		HistoryDays:  history,
		UserLimit:    opt.OneUpUserLimit,
	}
	if opt.OneUpUserLimit < 0 {
		uo.UserLimit = math.MaxInt
	}
	if uo.RedirectURI == "" {
		uo.RedirectURI = OneUpRedirectURL
	}
	if opt.OneUp != nil {
		opt.OneUp(&uo)
	}
	if err := uo.Faults.Validate(); err != nil {
		return nil, fmt.Errorf("sandbox: oneup faults: %w", err)
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	s := &Sandbox{Omron: omronsim.New(oo), OneUp: oneupsim.New(uo), mux: http.NewServeMux(), tracker: newTracker(now), latency: opt.Latency}
	s.mount(service{name: "omron", prefix: OmronPrefix, counts: s.Omron.Counts, upload: s.uploadOmron, account: s.Omron.DataUser}, s.Omron)
	s.mount(service{name: "oneup", prefix: OneUpPrefix, counts: s.OneUp.Requests, upload: uploadOneUp, account: s.OneUp.DataUser}, s.OneUp)
	s.mux.HandleFunc("GET "+RequestsPath, s.requests)
	s.mux.HandleFunc("GET "+PatientsPath, s.patients)
	s.mux.HandleFunc("POST "+UploadPath, s.upload)
	s.mux.HandleFunc("POST "+ConnectPath, s.connect)
	s.mux.HandleFunc("GET /{$}", s.index)
	return s, nil
}

func (s *Sandbox) mount(svc service, h http.Handler) {
	s.services = append(s.services, svc)
	s.mux.Handle(svc.prefix+"/", http.StripPrefix(svc.prefix, s.vendor(svc, h)))
}

// ServeHTTP serves every mounted server and the sandbox's endpoints.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Start builds a sandbox and serves it on opt.Addr until Close or Shutdown.
func Start(opt Options) (*Sandbox, error) {
	s, err := New(opt)
	if err != nil {
		return nil, err
	}
	addr := opt.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	s.ln, err = net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen on %s: %w (choose another address with --addr)", addr, err)
	}
	// Requests' contexts end when Shutdown begins: a "timeout" fault holds
	// its answer for 35 s, and must not keep Ctrl-C waiting that long.
	var base context.Context
	base, s.stop = context.WithCancel(context.Background())
	s.srv = &http.Server{
		Handler:           s,
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Longer than the held answer of a "timeout" fault, which is
		// meant to outlast the client's timeout, not the server's.
		WriteTimeout:   2 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
	}
	s.srv.RegisterOnShutdown(s.stop)
	go s.srv.Serve(s.ln)
	return s, nil
}

// URL is the base URL Start listens on, such as http://127.0.0.1:8700.
func (s *Sandbox) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// Shutdown stops a started sandbox, waiting for requests in flight until
// ctx ends.
func (s *Sandbox) Shutdown(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Shutdown(ctx)
}

// Close stops a started sandbox at once.
func (s *Sandbox) Close() error {
	if s.srv == nil {
		return nil
	}
	s.stop()
	return s.srv.Close()
}

// Config returns a configuration pointing vitals at the started sandbox,
// with the Omron redirect on redirectURL (DefaultRedirectURL when "").
func (s *Sandbox) Config(redirectURL string) config.Config {
	c := ConfigFor(s.URL(), redirectURL)
	c.OneUp.RedirectURL = s.OneUp.Options().RedirectURI
	return c
}

// ConfigFor returns the default configuration with the Omron section
// pointing at a sandbox served at baseURL: its URLs, the sandbox client
// credentials, and redirectURL (DefaultRedirectURL when ""). The OS
// keyring is off: sandbox tokens are worth nothing, and a keyring may
// prompt or hang.
func ConfigFor(baseURL, redirectURL string) config.Config {
	if redirectURL == "" {
		redirectURL = DefaultRedirectURL
	}
	base := strings.TrimRight(baseURL, "/")
	c := config.Default()
	c.Keyring = false
	c.Omron = OmronConfig(base, redirectURL)
	c.OneUp = OneUpConfig(base, OneUpRedirectURL)
	return c
}

// OneUpConfig is the [oneup] section of ConfigFor, with the connect
// redirect on redirectURL (OneUpRedirectURL when "").
func OneUpConfig(baseURL, redirectURL string) oneup.Config {
	base := strings.TrimRight(baseURL, "/") + OneUpPrefix
	if redirectURL == "" {
		redirectURL = OneUpRedirectURL
	}
	return oneup.Config{
		ClientID:     OneUpClientID,
		ClientSecret: OneUpClientSecret,
		APIURL:       base,
		FHIRURL:      base + "/r4",
		TokenURL:     base + "/oauth2/token",
		RedirectURL:  redirectURL,
	}
}

// OmronConfig is the [omron] section of ConfigFor.
func OmronConfig(baseURL, redirectURL string) omron.Config {
	base := strings.TrimRight(baseURL, "/") + OmronPrefix
	o := config.Default().Omron
	o.Environment = config.OmronStaging // required to be valid; every URL below overrides it
	o.ClientID, o.ClientSecret = ClientID, ClientSecret
	o.AuthorizeURL = base + "/connect/authorize"
	o.TokenURL = base + "/connect/token"
	o.APIURL = base + "/api/measurement"
	o.RevokeURL = base + "/connect/revocation"
	if redirectURL == "" {
		redirectURL = DefaultRedirectURL
	}
	o.RedirectURL = redirectURL
	return o
}

// Counts returns request counts by endpoint, with the mount prefix:
// "POST /omron/api/measurement".
func (s *Sandbox) Counts() map[string]int {
	out := map[string]int{}
	for _, svc := range s.services {
		for k, v := range svc.counts() {
			method, path, _ := strings.Cut(k, " ")
			out[method+" "+svc.prefix+path] = v
		}
	}
	return out
}

// Overlaps reports the data requests of one account that were in flight
// at once, since the sandbox started.
func (s *Sandbox) Overlaps() OverlapReport { return s.tracker.report() }

// RefreshReuses reports the refresh tokens presented after they were
// rotated away, at either server, since the sandbox started.
func (s *Sandbox) RefreshReuses() ReuseReport {
	out := ReuseReport{Accounts: map[string]map[string]int{}, Events: []RefreshReuse{}}
	o, u := s.Omron.RefreshReuses(), s.OneUp.RefreshReuses()
	for _, e := range o.Events {
		out.Events = append(out.Events, RefreshReuse{Provider: "omron", Account: e.User, At: e.At, RotatedAt: e.RotatedAt, Refused: e.Refused, Remote: e.Remote})
	}
	for _, e := range u.Events {
		out.Events = append(out.Events, RefreshReuse{Provider: "oneup", Account: e.User, At: e.At, RotatedAt: e.RotatedAt, Refused: e.Refused, Remote: e.Remote})
	}
	// The servers count beyond the events they keep: the totals are theirs.
	out.Total = o.Total + u.Total
	out.OmronRotations = o.Rotations
	if len(o.ByUser) > 0 {
		out.Accounts["omron"] = o.ByUser
	}
	if len(u.ByUser) > 0 {
		out.Accounts["oneup"] = u.ByUser
	}
	return out
}

// requests serves GET /_sandbox/requests: the counts, and the overlaps
// and refresh reuses beside them (see the package comment).
func (s *Sandbox) requests(w http.ResponseWriter, _ *http.Request) {
	out := map[string]any{}
	for k, v := range s.Counts() {
		out[k] = v
	}
	out["overlaps"] = s.Overlaps()
	out["refresh_reuse"] = s.RefreshReuses()
	writeJSON(w, http.StatusOK, out)
}

// upload serves POST /_sandbox/upload: the body names its provider
// ("omron" when absent) and is passed to that server.
func (s *Sandbox) upload(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "read the body: " + err.Error()})
		return
	}
	var head struct {
		Provider string `json:"provider"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body is not a JSON object: " + err.Error()})
		return
	}
	if head.Provider == "" {
		head.Provider = "omron"
	}
	for _, svc := range s.services {
		if svc.name != head.Provider {
			continue
		}
		res, err := svc.upload(r.Context(), body)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, res)
		return
	}
	names := make([]string, len(s.services))
	for i, svc := range s.services {
		names[i] = svc.name
	}
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("provider %q: want one of %s", head.Provider, strings.Join(names, ", "))})
}

func (s *Sandbox) uploadOmron(ctx context.Context, body []byte) (any, error) {
	var u struct {
		Provider string `json:"provider"`
		omronsim.Upload
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&u); err != nil {
		return nil, fmt.Errorf("upload body: %w", err)
	}
	return s.Omron.Upload(ctx, u.Upload)
}

func (s *Sandbox) index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "vitals sandbox\n\nOmron Wellness:\n  GET  %[1]s/connect/authorize\n  POST %[1]s/connect/token\n  POST %[1]s/api/measurement\n  POST %[1]s/connect/revocation\n", OmronPrefix)
	fmt.Fprintf(w, "\n1upHealth:\n  POST %[1]s/user-management/v1/user\n  POST %[1]s/user-management/v1/user/auth-code\n  POST %[1]s/oauth2/token\n  GET  %[1]s/connect/system/{clinical,device}\n  GET  %[1]s/connect/system/{clinical,device}/{id}\n  GET  %[1]s/r4/{Observation,Condition,Patient,metadata}\n", OneUpPrefix)
	fmt.Fprintf(w, "\nSandbox:\n  GET  %s\n  GET  %s\n  POST %s\n  POST %s\n", RequestsPath, PatientsPath, UploadPath, ConnectPath)
}

// uploadOneUp answers uploads for 1upHealth: its data comes from the
// systems a person connects, not from uploads.
func uploadOneUp(context.Context, []byte) (any, error) {
	return nil, fmt.Errorf("1upHealth takes no uploads: its readings come from the systems connected with vitals connect")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Faults are injection rates by kind: "429", "500", "503", "timeout",
// "malformed" (and "revoked", refused access tokens), each in [0, 1].
type Faults map[string]float64

// FaultKinds lists the kinds in the order ParseFaults documents them.
var FaultKinds = []string{"429", "500", "503", "timeout", "malformed", "revoked"}

// ParseFaults reads a --faults value: KIND:RATE pairs separated by commas,
// such as "429:0.2,500:0.1,timeout:0.05". An empty spec is no faults.
func ParseFaults(spec string) (Faults, error) {
	f := Faults{}
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return f, nil
	}
	for _, part := range strings.Split(spec, ",") {
		kind, rate, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, fmt.Errorf("fault %q: want KIND:RATE such as 429:0.2", part)
		}
		r, err := strconv.ParseFloat(rate, 64)
		if err != nil {
			return nil, fmt.Errorf("fault %q: rate %q is not a number between 0 and 1", part, rate)
		}
		if _, dup := f[kind]; dup {
			return nil, fmt.Errorf("fault %s is given twice", kind)
		}
		f[kind] = r
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return f, nil
}

// Validate names the first kind or rate that is wrong.
func (f Faults) Validate() error {
	return f.omron().Validate()
}

// oneup is the same rates for the 1upHealth server's FHIR reads.
func (f Faults) oneup() oneupsim.Faults {
	return oneupsim.Faults{
		RateLimit:    f["429"],
		ServerError:  f["500"],
		Unavailable:  f["503"],
		Timeout:      f["timeout"],
		Malformed:    f["malformed"],
		Unauthorized: f["revoked"],
		Hang:         35 * time.Second, // as long as the Omron server's
	}
}

func (f Faults) omron() omronsim.Faults {
	if len(f) == 0 {
		return nil
	}
	out := omronsim.Faults{}
	for k, v := range f {
		out[omronsim.Fault(k)] = v
	}
	return out
}

// String writes the faults as ParseFaults reads them.
func (f Faults) String() string { return f.omron().String() }
