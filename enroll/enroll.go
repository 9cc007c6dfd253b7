// Package enroll lets a patient link an account from their own phone. The
// clinic makes a link (`vitals enroll`, the dashboard's Sources tab); the
// patient opens it on the pages `vitals serve --public-url` hosts, signs
// in at Omron (or connects devices and health systems through
// 1upHealth), and the hub stores the account under the patient's profile
// through the same calls `vitals link` uses (omron.SaveLink,
// link.Flow.Link), then tells the sync engine.
//
// Nothing secret is kept or shown: a link's token (at least 128 random
// bits) and each OAuth state are stored as SHA-256 hashes; the PKCE
// verifier is derived again at the callback from the state and the
// browser's session cookie (also stored hashed), so it is never stored
// at all; no token, code or state reaches a page or a log.
package enroll

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"vitals/config"
	"vitals/link"
	"vitals/providers"
	"vitals/store"
)

// Paths below the public URL. The callbacks are what the vendors must
// register as redirect URIs.
const (
	Prefix         = "/enroll/"
	OmronCallback  = "/enroll/callback/omron"
	OneUpCallback  = "/enroll/callback/oneup"
	sessionPath    = "/enroll/session"
	stylePath      = "/enroll/style.css"
	cookieName     = "vitals_enroll"
	DefaultExpires = 7 * 24 * time.Hour
	// MaxExpires bounds a link's life: a link is a key to a patient's
	// account, and a month is long enough to reach anyone.
	MaxExpires = 30 * 24 * time.Hour
	// attemptTTL is how long a trip to the provider may take: a sign-in,
	// with a password reset perhaps.
	attemptTTL = 15 * time.Minute
	// sessionTTL is how long the browser that started a link may go on
	// (try again, connect another system).
	sessionTTL = time.Hour
)

// ErrProvider is returned for a provider that cannot be enrolled.
var ErrProvider = errors.New("only omron and oneup accounts can be linked by enrollment")

// Options configure a Service.
type Options struct {
	DB     *store.DB
	Config config.Config
	// Flow links 1upHealth users and tells the sync engine of accounts
	// linked (its Changed hook); its HTTP client is used for Omron too.
	Flow *link.Flow
	// PublicURL is where patients reach the hub (https://vitals.clinic.example);
	// links and redirect URIs are made from it.
	PublicURL string
	// Clinic names who asks, on the pages; the public URL's host when empty.
	Clinic string
	// Rate and Burst are each client address's token bucket on the pages
	// (default 1 a second, bursts of 20).
	Rate  rate.Limit
	Burst int
	Now   func() time.Time
	// Logger hears of every page's outcome (never a token, code or state).
	Logger *slog.Logger
}

// Service makes, lists and revokes enrollment links, and serves their
// pages.
type Service struct {
	opt    Options
	public *url.URL
	limits *providers.AddrLimiter
	log    *slog.Logger
	now    func() time.Time
}

// New checks the public URL and returns the service.
func New(opt Options) (*Service, error) {
	u, err := ParsePublicURL(opt.PublicURL)
	if err != nil {
		return nil, err
	}
	if opt.DB == nil || opt.Flow == nil {
		return nil, errors.New("enroll: a database and a link flow are needed")
	}
	if opt.Clinic == "" {
		opt.Clinic = u.Host
	}
	if opt.Rate <= 0 {
		opt.Rate = 1
	}
	if opt.Burst <= 0 {
		opt.Burst = 20
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{opt: opt, public: u, limits: providers.NewAddrLimiter(opt.Rate, opt.Burst), log: opt.Logger, now: opt.Now}, nil
}

// ParsePublicURL checks a public URL: absolute http(s), no query, no
// fragment; a trailing slash is dropped.
func ParsePublicURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(s), "/"))
	switch {
	case s == "":
		return nil, errors.New("enroll: no public URL: give --public-url https://<the address patients reach>, or set serve.public_url")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return nil, fmt.Errorf("enroll: public URL %q: want an address such as https://vitals.clinic.example (http(s), a host, no query)", s)
	}
	return u, nil
}

// RedirectURIs are the callbacks the vendors must register for this hub:
// Omron's redirect URI, and 1upHealth's application redirect URI.
func (s *Service) RedirectURIs() map[store.Provider]string {
	return map[store.Provider]string{
		store.ProviderOmron: s.abs(OmronCallback),
		store.ProviderOneUp: s.abs(OneUpCallback),
	}
}

func (s *Service) abs(path string) string { return s.public.String() + path }

// Link is an enrollment link just made. URL carries the token: it is
// shown once, to be sent to the patient, and never stored.
type Link struct {
	store.Enrollment
	URL string
}

// Create makes a link for the profile to link an account of the provider,
// valid for ttl (DefaultExpires when 0, at most MaxExpires). by names who
// made it, addr where from ("" from the command line).
func (s *Service) Create(ctx context.Context, prof store.Profile, p store.Provider, ttl time.Duration, by, addr string) (Link, error) {
	return Create(ctx, s.opt.DB, s.public.String(), prof, p, ttl, by, addr, s.now())
}

// Create makes a link without a running hub (the command line, the
// dashboard): the public URL is where the hub that serves it is reached.
func Create(ctx context.Context, db *store.DB, publicURL string, prof store.Profile, p store.Provider, ttl time.Duration, by, addr string, now time.Time) (Link, error) {
	u, err := ParsePublicURL(publicURL)
	if err != nil {
		return Link{}, err
	}
	if p != store.ProviderOmron && p != store.ProviderOneUp {
		return Link{}, fmt.Errorf("enroll: --provider %s: %w", p, ErrProvider)
	}
	if ttl == 0 {
		ttl = DefaultExpires
	}
	if ttl < time.Minute || ttl > MaxExpires {
		return Link{}, fmt.Errorf("enroll: --expires %s: a link lasts at least a minute and at most 30 days", ttl.Round(time.Minute))
	}
	token := rand.Text() // 26 base32 characters: 130 random bits
	e, err := db.CreateEnrollment(ctx, store.Enrollment{ProfileID: prof.ID, Provider: p, Created: now, Expires: now.Add(ttl), CreatedBy: by},
		digest(token), addr)
	if err != nil {
		return Link{}, fmt.Errorf("enroll: %w", err)
	}
	return Link{Enrollment: e, URL: u.String() + Prefix + token}, nil
}

// Revoke withdraws a link that was not used.
func Revoke(ctx context.Context, db *store.DB, id int64, addr string, now time.Time) error {
	err := db.RevokeEnrollment(ctx, store.EnrollmentEvent{EnrollmentID: id, At: now, Address: addr})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("enroll: no enrollment link %d: see `vitals enroll --list`", id)
	case errors.Is(err, store.ErrEnrollmentClosed):
		e, rerr := db.Enrollment(ctx, id)
		if rerr == nil && e.Status(now) == store.EnrollmentUsed {
			return fmt.Errorf("enroll: link %d was used already: unlink the account instead (`vitals unlink`)", id)
		}
		return fmt.Errorf("enroll: link %d was revoked already", id)
	case err != nil:
		return fmt.Errorf("enroll: %w", err)
	}
	return nil
}

// digest is how tokens, states and sessions are kept: hex SHA-256.
func digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// verifier derives a trip's PKCE verifier from the browser's session
// secret and the state: 43 base64url characters, as RFC 7636 asks. Only
// the browser holds the session secret, so the verifier needs no storing
// and a state carried to another browser cannot be finished there.
func verifier(session, state string) string {
	m := hmac.New(sha256.New, []byte(session))
	m.Write([]byte("vitals enroll pkce\x00" + state))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// tokenShaped reports whether a path element could be a link's token
// before the database is asked.
func tokenShaped(s string) bool {
	if len(s) < 20 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Handler serves the pages and callbacks, to be mounted at Prefix.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+stylePath, serveStyle)
	mux.HandleFunc("GET "+OmronCallback, s.omronCallback)
	mux.HandleFunc("GET "+OneUpCallback, s.oneUpCallback)
	mux.HandleFunc("POST "+sessionPath, s.continueSession)
	mux.HandleFunc("GET "+Prefix+"{token}", s.landing)
	mux.HandleFunc("POST "+Prefix+"{token}", s.start)
	mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusNotFound, notFoundPage(s.opt.Clinic))
	})
	return s.guard(mux)
}
