package omron

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"vitals/providers"
	"vitals/store"
)

// MaxNotification is the largest notification body accepted: Omron's are
// a few dozen bytes.
const MaxNotification = 64 << 10

// SecretHeader carries the notification secret when it is not in the path.
const SecretHeader = "X-Vitals-Secret"

// Defaults of NotifyOptions.
const (
	// DefaultNotifyRate and DefaultNotifyBurst: Omron sends one
	// notification per upload and type, and retries a failure once; a
	// person uploading every type at once sends five or ten in a second, a
	// clinic's few hundred patients far fewer than five a second.
	DefaultNotifyRate  = 5
	DefaultNotifyBurst = 20
	// DefaultLogWindow and DefaultLogLines: per sender and outcome, the
	// first DefaultLogLines requests of each DefaultLogWindow are logged;
	// the rest are counted and summed up in one line.
	DefaultLogWindow = time.Minute
	DefaultLogLines  = 5
)

// Notifier is told of new readings: the sync engine (*sync.Engine) is
// one. Notify asks for the given streams of the provider's user to be
// fetched from the given time on, and returns how many linked accounts
// that user has (0 for a user vitals does not know); an error means the
// accounts could not be looked up.
type Notifier interface {
	Notify(ctx context.Context, p store.Provider, externalID string, streams []providers.Stream, from time.Time) (int, error)
}

// NotifyOptions configure a NotifyEndpoint. The zero value of a field
// picks its default.
type NotifyOptions struct {
	// Path is where notifications are POSTed ("/omron/notify" when empty).
	Path string
	// Secret, when set, must be the last path element or the
	// X-Vitals-Secret header of every request. Never logged.
	Secret string
	// Rate and Burst are each sender's token bucket: requests a second,
	// and how many may come at once. rate.Inf lifts the limit.
	Rate  rate.Limit
	Burst int
	// LogWindow and LogLines sample the request log (see NotifyEndpoint).
	LogWindow time.Duration
	LogLines  int
	// Logger hears about requests (nil: discarded).
	Logger *slog.Logger
	// Now is the clock (time.Now when nil); tests set it.
	Now func() time.Time
}

// NotifyEndpoint answers Omron's notifications at Path (and, when a
// secret is set, at Path/<secret>), and tells a Notifier what they
// announce.
//
//   - Each sender (the peer's address; behind a proxy on loopback, the
//     last address of X-Forwarded-For; IPv6 by /64) has a token bucket:
//     over it, 429 with Retry-After, before anything else is read.
//   - Only POST; the body is raw JSON of at most MaxNotification bytes
//     (larger: 413).
//   - With a secret, a request must carry it as the last path element or
//     in the X-Vitals-Secret header (compared in constant time; never
//     logged); otherwise it is refused with 403 (404 for a wrong path).
//   - A body that is not a notification is answered 400: Omron retries a
//     non-200 once, and the same body will not parse the second time
//     either, but a 400 shows in the vendor's delivery log, where a 200
//     would hide a broken integration. The daily catch-up fetches what such
//     a notification announced.
//   - Everything else is answered 200 with no body as soon as the
//     Notifier has been told, before any fetch: unknown users too
//     (counted), since the vendor cannot do anything better with an
//     error. The day passed on is Notification.From: never more than a few
//     days back, never in the future.
//   - 503 when the Notifier could not look the user up (the database
//     could not be read), so that Omron's one retry may succeed.
//
// The log is sampled: per sender and outcome, the first LogLines requests
// of each LogWindow are logged and the rest summed up in one "similar
// requests suppressed" line when the window ends (or at Flush), so that a
// flood cannot fill the disk.
type NotifyEndpoint struct {
	n      Notifier
	path   string
	secret string
	log    *slog.Logger
	now    func() time.Time
	limits *providers.AddrLimiter
	sample *sampler
	counts [numOutcomes]atomic.Int64
}

// NewNotifyEndpoint returns the endpoint that tells n of notifications.
func NewNotifyEndpoint(n Notifier, opt NotifyOptions) *NotifyEndpoint {
	if opt.Path == "" {
		opt.Path = "/omron/notify"
	}
	if opt.Rate <= 0 {
		opt.Rate = DefaultNotifyRate
	}
	if opt.Burst <= 0 {
		opt.Burst = DefaultNotifyBurst
	}
	if opt.LogWindow <= 0 {
		opt.LogWindow = DefaultLogWindow
	}
	if opt.LogLines <= 0 {
		opt.LogLines = DefaultLogLines
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &NotifyEndpoint{
		n:      n,
		path:   strings.TrimRight(opt.Path, "/"),
		secret: opt.Secret,
		log:    opt.Logger,
		now:    opt.Now,
		limits: providers.NewAddrLimiter(opt.Rate, opt.Burst),
		sample: &sampler{window: opt.LogWindow, lines: opt.LogLines, log: opt.Logger, by: map[sampleKey]*sampleState{}},
	}
}

// outcome is how a request ended: the counters' and the log sampler's key.
type outcome int

const (
	outOK outcome = iota
	outUnknownUser
	outRateLimited
	outNotFound
	outForbidden
	outMethod
	outTooLarge
	outMalformed
	outUnavailable
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"ok", "unknown user", "rate limited", "not found", "forbidden", "method not allowed", "too large", "malformed", "unavailable"}

func (o outcome) String() string { return outcomeNames[o] }

// Counts returns how many requests ended each way since the endpoint was
// made, by outcome ("ok", "unknown user", "rate limited", ...).
func (h *NotifyEndpoint) Counts() map[string]int64 {
	out := make(map[string]int64, numOutcomes)
	for o := range numOutcomes {
		if n := h.counts[o].Load(); n > 0 {
			out[o.String()] = n
		}
	}
	return out
}

// Flush logs what the sampler has suppressed so far, and the counts: call
// it when the server stops.
func (h *NotifyEndpoint) Flush() {
	h.sample.flush(h.now(), true)
	if c := h.Counts(); len(c) > 0 {
		attrs := make([]any, 0, 2*len(c))
		for o := range numOutcomes {
			if n, ok := c[o.String()]; ok {
				attrs = append(attrs, strings.ReplaceAll(o.String(), " ", "_"), n)
			}
		}
		h.log.Info("omron notifications received", attrs...)
	}
}

func (h *NotifyEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := h.now()
	from := providers.ClientAddress(r)
	// done counts the outcome and logs it if the sampler lets it through.
	done := func(o outcome, level slog.Level, msg string, attrs ...any) {
		h.counts[o].Add(1)
		if h.sample.allow(now, sampleKey{from, o}) {
			h.log.Log(r.Context(), level, msg, append([]any{"remote", from}, attrs...)...)
		}
	}

	if wait := h.limits.Reserve(from, now); wait > 0 {
		// Whole seconds, at least one; an hour at most, should the bucket
		// never refill (a burst of 0).
		secs := math.Ceil(min(wait, time.Hour).Seconds())
		w.Header().Set("Retry-After", strconv.Itoa(max(int(secs), 1)))
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		done(outRateLimited, slog.LevelWarn, "omron notification refused: too many from this address")
		return
	}
	inPath, ok := strings.CutPrefix(r.URL.Path, h.path)
	if !ok || (inPath != "" && (h.secret == "" || !strings.HasPrefix(inPath, "/"))) {
		http.NotFound(w, r)
		done(outNotFound, slog.LevelInfo, "omron notification refused: no such path")
		return
	}
	inPath = strings.TrimPrefix(inPath, "/")
	if h.secret != "" {
		given := inPath
		if given == "" {
			given = r.Header.Get(SecretHeader)
		}
		if subtle.ConstantTimeCompare([]byte(given), []byte(h.secret)) != 1 {
			if inPath != "" {
				http.NotFound(w, r)
			} else {
				http.Error(w, "forbidden", http.StatusForbidden)
			}
			done(outForbidden, slog.LevelWarn, "omron notification refused: wrong or missing secret", "secret_in_path", inPath != "")
			return
		}
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed: Omron notifications are POSTed", http.StatusMethodNotAllowed)
		done(outMethod, slog.LevelInfo, "omron notification refused: not a POST")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxNotification))
	if err != nil {
		if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
			http.Error(w, "notification too large", http.StatusRequestEntityTooLarge)
			done(outTooLarge, slog.LevelWarn, "omron notification refused: body too large", "limit", MaxNotification)
			return
		}
		http.Error(w, "could not read the body", http.StatusBadRequest)
		done(outMalformed, slog.LevelWarn, "omron notification: read body", "err", err)
		return
	}
	note, err := ParseNotification(body)
	if err != nil {
		http.Error(w, "not an Omron notification", http.StatusBadRequest)
		done(outMalformed, slog.LevelWarn, "omron notification refused: not a notification", "err", err, "bytes", len(body))
		return
	}
	count, err := h.n.Notify(r.Context(), store.ProviderOmron, note.UserID, note.Streams(), note.From(now))
	if err != nil {
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		done(outUnavailable, slog.LevelError, "omron notification: find the account", "err", err)
		return
	}
	w.WriteHeader(http.StatusOK)
	typ := providers.VendorText(note.Type, 40)
	if count == 0 {
		done(outUnknownUser, slog.LevelInfo, "omron notification for an unknown user ignored", "user", note.UserID, "type", typ)
		return
	}
	done(outOK, slog.LevelInfo, "omron notification", "user", note.UserID, "type", typ, "accounts", count)
}

// maxTracked bounds the senders the sampler remembers at once; beyond it
// new senders share one log key (providers.OtherAddresses), so that a
// flood from many addresses cannot grow memory without bound.
const maxTracked = providers.MaxTrackedAddresses

// overflow is the key of senders past maxTracked.
const overflow = providers.OtherAddresses

// sampler rations the request log by sender and outcome.
type sampler struct {
	window time.Duration
	lines  int
	log    *slog.Logger

	mu    gosync.Mutex
	by    map[sampleKey]*sampleState
	swept time.Time
}

type sampleKey struct {
	addr    string
	outcome outcome
}

type sampleState struct {
	start      time.Time // the window's first request
	logged     int
	suppressed int
}

// allow reports whether a request's line may be logged at now; when not,
// the request is counted, for the summary at the end of its window.
func (s *sampler) allow(now time.Time, k sampleKey) bool {
	s.flush(now, false)
	s.mu.Lock()
	st := s.by[k]
	if st == nil && len(s.by) >= maxTracked {
		k.addr = overflow
		st = s.by[k]
	}
	var ended *summary
	if st != nil && now.Sub(st.start) >= s.window {
		if st.suppressed > 0 {
			ended = &summary{k, st.suppressed, now.Sub(st.start)}
		}
		st = nil
	}
	if st == nil {
		st = &sampleState{start: now}
		s.by[k] = st
	}
	ok := st.logged < s.lines
	if ok {
		st.logged++
	} else {
		st.suppressed++
	}
	s.mu.Unlock()
	if ended != nil {
		s.write(*ended)
	}
	return ok
}

// summary is a window's count of suppressed lines.
type summary struct {
	k    sampleKey
	n    int
	over time.Duration
}

func (s *sampler) write(m summary) {
	level := slog.LevelWarn
	if m.k.outcome == outOK || m.k.outcome == outUnknownUser {
		level = slog.LevelInfo
	}
	s.log.Log(context.Background(), level, fmt.Sprintf("omron notification: %d similar requests suppressed", m.n),
		"remote", m.k.addr, "outcome", m.k.outcome.String(), "suppressed", m.n, "over", m.over.Round(time.Second).String())
}

// flush ends the windows that are over (every window when all is set):
// each that suppressed lines writes one summary. It looks at most once a
// window unless all is set, so that a flood does not pay for a sweep
// per request.
func (s *sampler) flush(now time.Time, all bool) {
	var out []summary
	s.mu.Lock()
	if all || now.Sub(s.swept) >= s.window {
		s.swept = now
		for k, st := range s.by {
			if d := now.Sub(st.start); all || d >= s.window {
				if st.suppressed > 0 {
					out = append(out, summary{k, st.suppressed, d})
				}
				delete(s.by, k)
			}
		}
	}
	s.mu.Unlock()
	for _, m := range out {
		s.write(m)
	}
}
