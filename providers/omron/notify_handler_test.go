package omron_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"vitals/providers"
	"vitals/providers/omron"
	"vitals/store"
)

// fakeNotifier stands in for the sync engine: it records what it is told
// and answers with the user's number of linked accounts.
type fakeNotifier struct {
	accounts map[string]int // by Omron user id
	err      error

	mu    gosync.Mutex
	calls []string    // "provider user [streams] from yyyy-mm-dd"
	froms []time.Time // the from of each call
}

func (f *fakeNotifier) Notify(_ context.Context, p store.Provider, externalID string, streams []providers.Stream, from time.Time) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("%s %s %v from %s", p, externalID, streams, from.Format(time.DateTime)))
	f.froms = append(f.froms, from)
	if f.err != nil {
		return 0, f.err
	}
	return f.accounts[externalID], nil
}

func (f *fakeNotifier) told() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// notifiedBody is sent 2024-01-21 15:30 UTC, in epoch milliseconds: its
// streams are to be fetched from 2024-01-20 on.
const notifiedBody = `{"id":"user-1","timestamp":1705851000000,"type":"bloodpressure","note":"BODY-MARKER"}`

// notifiedAt is the endpoint's clock in these tests: half an hour after
// notifiedBody was sent.
var notifiedAt = time.Date(2024, 1, 21, 16, 0, 0, 0, time.UTC)

// The calls notifications are expected to make.
const (
	toldBP     = "omron user-1 [bloodpressure] from 2024-01-20 00:00:00"
	toldWeight = "omron user-1 [weight] from 2024-01-20 00:00:00"
	toldAll    = "omron user-1 [bloodpressure activity weight temperature oxygen] from 2024-01-20 00:00:00"
	// 48 hours before notifiedAt is 2024-01-19; the day before is the
	// earliest any notification asks for.
	toldEarliest = "omron user-1 [bloodpressure activity weight temperature oxygen] from 2024-01-18 00:00:00"
)

// clock is a settable clock for the endpoint.
type clock struct {
	mu  gosync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func endpoint(n omron.Notifier, opt omron.NotifyOptions) *omron.NotifyEndpoint {
	if opt.Path == "" {
		opt.Path = "/omron/notify"
	}
	if opt.Now == nil {
		opt.Now = func() time.Time { return notifiedAt }
	}
	return omron.NewNotifyEndpoint(n, opt)
}

func TestNotifyEndpoint(t *testing.T) {
	big := `{"id":"user-1","type":"weight","timestamp":1705851000000}` + strings.Repeat(" ", omron.MaxNotification)
	exact := big[:omron.MaxNotification]
	for _, tc := range []struct {
		name   string
		secret string
		method string
		path   string
		header string
		body   string
		fail   error // the notifier's answer
		status int
		told   []string // what the notifier was told
	}{
		{name: "notification", path: "/omron/notify", body: notifiedBody, status: 200, told: []string{toldBP}},
		{name: "no type: every stream", path: "/omron/notify", body: `{"id":"user-1","timestamp":"2024-01-21T15:30:00Z"}`, status: 200, told: []string{toldAll}},
		{name: "1970 asks for the last days only", path: "/omron/notify", body: `{"id":"user-1","timestamp":1}`, status: 200, told: []string{toldEarliest}},
		{name: "a week old asks for the last days only", path: "/omron/notify", body: `{"id":"user-1","timestamp":"2024-01-14T16:00:00Z"}`, status: 200, told: []string{toldEarliest}},
		{name: "year 9999 counts as now", path: "/omron/notify", body: `{"id":"user-1","timestamp":253402300799999}`, status: 200, told: []string{toldAll}},
		{name: "after year 9999", path: "/omron/notify", body: `{"id":"user-1","timestamp":253402300800000}`, status: 400},
		{name: "garbage timestamp", path: "/omron/notify", body: `{"id":"user-1","timestamp":"soon"}`, status: 400},
		{name: "unknown user", path: "/omron/notify", body: `{"id":"stranger","timestamp":1705851000000,"type":"weight"}`, status: 200,
			told: []string{"omron stranger [weight] from 2024-01-20 00:00:00"}},
		{name: "malformed", path: "/omron/notify", body: `{"id":`, status: 400},
		{name: "no id", path: "/omron/notify", body: `{"timestamp":1705851000000}`, status: 400},
		{name: "64 KiB", path: "/omron/notify", body: exact, status: 200, told: []string{toldWeight}},
		{name: "over 64 KiB", path: "/omron/notify", body: big[:omron.MaxNotification+1], status: 413},
		{name: "GET", method: "GET", path: "/omron/notify", status: 405},
		{name: "other path", path: "/omron/notify/extra", body: notifiedBody, status: 404},
		{name: "secret missing", secret: "s3cr3t", path: "/omron/notify", body: notifiedBody, status: 403},
		{name: "secret wrong in header", secret: "s3cr3t", path: "/omron/notify", header: "s3cr3T", body: notifiedBody, status: 403},
		{name: "secret wrong in path", secret: "s3cr3t", path: "/omron/notify/nope", body: notifiedBody, status: 404},
		{name: "secret in header", secret: "s3cr3t", path: "/omron/notify", header: "s3cr3t", body: notifiedBody, status: 200, told: []string{toldBP}},
		{name: "secret in path", secret: "s3cr3t", path: "/omron/notify/s3cr3t", body: notifiedBody, status: 200, told: []string{toldBP}},
		{name: "accounts cannot be read", path: "/omron/notify", body: notifiedBody, fail: errors.New("database is locked"), status: 503, told: []string{toldBP}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := &fakeNotifier{accounts: map[string]int{"user-1": 1}, err: tc.fail}
			var logs bytes.Buffer
			h := endpoint(n, omron.NotifyOptions{Secret: tc.secret, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			method := orDefault(tc.method, http.MethodPost)
			req := httptest.NewRequest(method, tc.path, strings.NewReader(tc.body))
			if tc.header != "" {
				req.Header.Set(omron.SecretHeader, tc.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Errorf("status %d, want %d (%s)", rec.Code, tc.status, rec.Body)
			}
			if tc.status == 200 && rec.Body.Len() != 0 {
				t.Errorf("a 200 with a body: %q", rec.Body)
			}
			if got := n.told(); !slices.Equal(got, tc.told) {
				t.Errorf("told %q, want %q", got, tc.told)
			}
			if strings.Contains(logs.String(), "BODY-MARKER") || (tc.secret != "" && strings.Contains(logs.String(), tc.secret)) {
				t.Errorf("the log shows the body or the secret:\n%s", logs.String())
			}
			if tc.name == "unknown user" && !strings.Contains(logs.String(), "unknown user") {
				t.Errorf("an unknown user is not logged:\n%s", logs.String())
			}
		})
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// post sends one notification from addr through h.
func post(h http.Handler, addr, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/omron/notify", strings.NewReader(body))
	req.RemoteAddr = addr
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestNotificationBurst: a legitimate burst (a person uploading all five
// types at once, each notification sent twice as Omron's retry would) is
// answered 200 throughout and passed on as it came. Turning such a burst
// into one fetch is the engine's work (package sync).
func TestNotificationBurst(t *testing.T) {
	n := &fakeNotifier{accounts: map[string]int{"user-1": 1}}
	h := endpoint(n, omron.NotifyOptions{})
	for range 2 {
		for _, typ := range omron.Types {
			body := fmt.Sprintf(`{"id":"user-1","timestamp":1705851000000,"type":%q}`, typ)
			if rec := post(h, "198.51.100.7:443", body); rec.Code != 200 {
				t.Fatalf("%s: status %d", typ, rec.Code)
			}
		}
	}
	if got := len(n.told()); got != 10 {
		t.Errorf("the notifier was told %d times, want 10", got)
	}
}

// TestRateLimitPerSender: each sender has a token bucket (DefaultNotifyBurst
// at once, DefaultNotifyRate a second); past it, 429 with Retry-After and
// the notifier is not told. Other senders are not affected, and the
// bucket refills.
func TestRateLimitPerSender(t *testing.T) {
	n := &fakeNotifier{accounts: map[string]int{"user-1": 1}}
	clk := &clock{now: notifiedAt}
	h := endpoint(n, omron.NotifyOptions{Now: clk.Now})
	const abuser = "203.0.113.9:50000"
	for i := range omron.DefaultNotifyBurst {
		if rec := post(h, abuser, notifiedBody); rec.Code != 200 {
			t.Fatalf("request %d of the burst: %d", i+1, rec.Code)
		}
	}
	rec := post(h, abuser, notifiedBody)
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("request %d: %d with Retry-After %q; want 429 with Retry-After 1 (a token every 200 ms)",
			omron.DefaultNotifyBurst+1, rec.Code, rec.Header().Get("Retry-After"))
	}
	// The same client on another port, or another IPv6 address of its /64,
	// is the same sender.
	if rec := post(h, "203.0.113.9:50001", notifiedBody); rec.Code != 429 {
		t.Errorf("another port of the same address: %d, want 429", rec.Code)
	}
	if got := len(n.told()); got != omron.DefaultNotifyBurst {
		t.Errorf("the notifier was told %d times, want %d: refused requests tell it nothing", got, omron.DefaultNotifyBurst)
	}
	if rec := post(h, "198.51.100.7:443", notifiedBody); rec.Code != 200 {
		t.Errorf("another sender: %d, want 200", rec.Code)
	}
	clk.Add(time.Second) // five tokens
	for i := range 5 {
		if rec := post(h, abuser, notifiedBody); rec.Code != 200 {
			t.Errorf("a second later, request %d: %d, want 200", i+1, rec.Code)
		}
	}
	if rec := post(h, abuser, notifiedBody); rec.Code != 429 {
		t.Errorf("the sixth a second later: %d, want 429", rec.Code)
	}

	// IPv6: by /64.
	for i := range omron.DefaultNotifyBurst {
		post(h, fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1), notifiedBody)
	}
	if rec := post(h, "[2001:db8:1:2:ffff::1]:443", notifiedBody); rec.Code != 429 {
		t.Errorf("another address of the same /64: %d, want 429", rec.Code)
	}
	if rec := post(h, "[2001:db8:1:3::1]:443", notifiedBody); rec.Code != 200 {
		t.Errorf("another /64: %d, want 200", rec.Code)
	}
	if got := h.Counts()["rate limited"]; got != 4 {
		t.Errorf("counted %d rate-limited requests, want 4", got)
	}
}

// TestManySenders: the endpoint remembers at most 10,000 senders; past
// that, new ones share one bucket until buckets refill and are forgotten,
// so a flood from many addresses neither grows memory nor gets through.
func TestManySenders(t *testing.T) {
	n := &fakeNotifier{accounts: map[string]int{"user-1": 1}}
	clk := &clock{now: notifiedAt}
	h := endpoint(n, omron.NotifyOptions{Now: clk.Now, Rate: 1, Burst: 1})
	addr := func(i int) string { return fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255) }
	for i := range 10000 {
		if rec := post(h, addr(i), notifiedBody); rec.Code != 200 {
			t.Fatalf("sender %d: %d", i, rec.Code)
		}
	}
	if rec := post(h, addr(10000), notifiedBody); rec.Code != 200 {
		t.Errorf("the first sender past 10,000: %d, want 200 (the shared bucket)", rec.Code)
	}
	if rec := post(h, addr(10001), notifiedBody); rec.Code != 429 {
		t.Errorf("the second sender past 10,000: %d, want 429 (the shared bucket is empty)", rec.Code)
	}
	clk.Add(time.Second) // every bucket full again: forgotten
	for i := 20000; i < 20003; i++ {
		if rec := post(h, addr(i), notifiedBody); rec.Code != 200 {
			t.Errorf("a new sender once the others are idle: %d, want 200", rec.Code)
		}
	}
}

// TestRateLimitBehindProxy: behind a proxy on loopback, the client is the
// last address of X-Forwarded-For (what the proxy appended); a sender
// that is not on loopback cannot choose its address with the header.
func TestRateLimitBehindProxy(t *testing.T) {
	n := &fakeNotifier{accounts: map[string]int{"user-1": 1}}
	h := endpoint(n, omron.NotifyOptions{Burst: 1, Rate: 1})
	const proxy = "127.0.0.1:40000"
	if rec := post(h, proxy, notifiedBody, "X-Forwarded-For", "10.9.9.9, 203.0.113.9"); rec.Code != 200 {
		t.Fatalf("first from 203.0.113.9: %d", rec.Code)
	}
	// A forged first hop does not make another sender.
	if rec := post(h, proxy, notifiedBody, "X-Forwarded-For", "10.1.1.1, 203.0.113.9"); rec.Code != 429 {
		t.Errorf("second from 203.0.113.9: %d, want 429", rec.Code)
	}
	if rec := post(h, proxy, notifiedBody, "X-Forwarded-For", "198.51.100.7"); rec.Code != 200 {
		t.Errorf("first from 198.51.100.7 through the proxy: %d, want 200", rec.Code)
	}
	if rec := post(h, "192.0.2.1:1", notifiedBody, "X-Forwarded-For", "192.0.2.200"); rec.Code != 200 {
		t.Fatalf("a remote sender: %d", rec.Code)
	}
	if rec := post(h, "192.0.2.1:1", notifiedBody, "X-Forwarded-For", "192.0.2.201"); rec.Code != 429 {
		t.Errorf("a remote sender naming another address: %d, want 429 (the header is not trusted)", rec.Code)
	}
}

var suppressedLine = regexp.MustCompile(`suppressed=(\d+)`)

// TestLogIsSampled: a burst of 20,000 requests from one sender over 20
// seconds (the flood wrote 20,050 lines) writes a bounded number
// of lines: per outcome the first DefaultLogLines, then one line with the
// count of the rest; the lines and counts together account for every
// request.
func TestLogIsSampled(t *testing.T) {
	n := &fakeNotifier{accounts: map[string]int{"user-1": 1}}
	clk := &clock{now: notifiedAt}
	var logs bytes.Buffer
	h := endpoint(n, omron.NotifyOptions{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	const total = 20000
	codes := map[int]int{}
	for range total {
		codes[post(h, "203.0.113.9:50000", notifiedBody).Code]++
		clk.Add(time.Millisecond)
	}
	h.Flush()
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	t.Logf("%d requests (%v) wrote %d log lines", total, codes, len(lines))
	// Two outcomes (ok, rate limited), each: DefaultLogLines lines and a
	// summary; then the counts.
	if bound := 2*(omron.DefaultLogLines+1) + 1; len(lines) > bound {
		t.Errorf("%d log lines, want at most %d:\n%s", len(lines), bound, strings.Join(lines[:min(len(lines), 40)], "\n"))
	}
	accounted := 0
	for _, l := range lines {
		if m := suppressedLine.FindStringSubmatch(l); m != nil {
			k, _ := strconv.Atoi(m[1])
			accounted += k
		} else if strings.Contains(l, "remote=203.0.113.9") {
			accounted++
		}
	}
	if accounted != total {
		t.Errorf("the log accounts for %d requests, want %d:\n%s", accounted, total, logs.String())
	}
	if codes[200]+codes[429] != total || codes[429] == 0 {
		t.Errorf("answers %v: want 200 and 429 only", codes)
	}
	c := h.Counts()
	if c["ok"] != int64(codes[200]) || c["rate limited"] != int64(codes[429]) {
		t.Errorf("counts %v, answers %v", c, codes)
	}
}

// TestLogWindows: after a window a sender's lines are written again, and
// the previous window's summary comes first.
func TestLogWindows(t *testing.T) {
	n := &fakeNotifier{accounts: map[string]int{}}
	clk := &clock{now: notifiedAt}
	var logs bytes.Buffer
	h := endpoint(n, omron.NotifyOptions{Now: clk.Now, Rate: rate.Inf, LogWindow: time.Minute, LogLines: 2,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	stranger := `{"id":"stranger","timestamp":1705851000000}`
	for range 10 {
		post(h, "203.0.113.9:1", stranger)
	}
	clk.Add(time.Minute)
	post(h, "203.0.113.9:1", stranger)
	got := strings.Count(logs.String(), "unknown user ignored")
	if got != 3 || !strings.Contains(logs.String(), "msg=\"omron notification: 8 similar requests suppressed\"") {
		t.Errorf("want 2 lines, a summary of 8, and 1 line in the next window:\n%s", logs.String())
	}
}

// FuzzNotification: whatever arrives (body, method, path, secret), the
// endpoint never panics, answers one of its documented statuses, tells the
// notifier only on a 200 or 503 (exactly once), with a user, and never
// asks for a day before omron.Earliest or after now; the secret is never
// logged. Seeded with the notification of the vendor's documentation (its
// user id is the guide's id_token sub, its time the guide's epoch
// milliseconds) in both timestamp forms and each type, and with what
// attackers send.
func FuzzNotification(f *testing.F) {
	const user = "71e22ae7-fc68-4ffb-9db5-6407eb5b42fd"
	for _, typ := range []string{"bloodpressure", "activity", "weight", "temperature", "oxygen"} {
		f.Add(fmt.Sprintf(`{"id": %q, "timestamp": 1644043106941, "type": %q}`, user, typ), uint8(0), int64(0))
	}
	for _, body := range []string{
		`{"id": "` + user + `", "timestamp": "2022-02-05T06:38:26.941Z"}`,
		`{"id": "` + user + `", "timestamp": 1}`,
		`{"id": "` + user + `", "timestamp": 253402300799999}`,
		`{"id": "` + user + `", "timestamp": "9999-12-31T23:59:59Z"}`,
		`{"id": "` + user + `", "timestamp": "0001-01-01T00:00:00Z"}`,
		`{"id": "` + user + `", "timestamp": 1e308}`,
		`{"id": "` + user + `", "timestamp": -1}`,
		`{"id": "` + user + `", "timestamp": "yesterday"}`,
		`{"id": 12345, "timestamp": "1644043106941", "type": null}`,
		`{"id": {"a": 1}}`,
		`[]`, `null`, ``, `{"id":`,
	} {
		f.Add(body, uint8(0), int64(0))
		f.Add(body, uint8(0b1011), int64(-86400*365))
	}
	f.Fuzz(func(t *testing.T, body string, mode uint8, shift int64) {
		const secret = "fuzz-secret-0123456789"
		// now moves around a fixed day by up to about a century, so that
		// the bounds are checked at many dates and times of day.
		now := notifiedAt.Add(time.Duration(shift%(100*365*86400)) * time.Second)
		n := &fakeNotifier{accounts: map[string]int{user: 1}}
		if mode&0b10000 != 0 {
			n.err = errors.New("database is locked")
		}
		var logs bytes.Buffer
		opt := omron.NotifyOptions{Rate: rate.Inf, Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
		if mode&1 != 0 {
			opt.Secret = secret
		}
		h := endpoint(n, opt)
		method := []string{http.MethodPost, http.MethodPost, http.MethodGet, http.MethodPut}[mode>>1&3]
		path := []string{"/omron/notify", "/omron/notify/" + secret, "/omron/notify/x", "/omron/notify/"}[mode>>3&3]
		req := httptest.NewRequest(method, "/", strings.NewReader(body))
		req.URL.Path = path
		if mode&0b100000 != 0 {
			req.Header.Set(omron.SecretHeader, secret)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		switch rec.Code {
		case 200, 400, 403, 404, 405, 413, 429, 503:
		default:
			t.Fatalf("status %d", rec.Code)
		}
		told := n.told()
		if want := rec.Code == 200 || rec.Code == 503; want != (len(told) == 1) || len(told) > 1 {
			t.Fatalf("status %d, notifier told %q", rec.Code, told)
		}
		for _, from := range n.froms {
			if from.Before(omron.Earliest(now)) || from.After(now) {
				t.Fatalf("from %s at %s: outside [%s, now]", from, now, omron.Earliest(now))
			}
		}
		for _, c := range told {
			if strings.HasPrefix(c, "omron  ") {
				t.Fatalf("told without a user: %q", c)
			}
		}
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("the log shows the secret:\n%s", logs.String())
		}
	})
}
