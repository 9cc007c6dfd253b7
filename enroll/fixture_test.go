package enroll_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"vitals/app"
	"vitals/clocktest"
	"vitals/enroll"
	"vitals/health"
	"vitals/hub"
	"vitals/link"
	"vitals/providers"
	"vitals/providers/omron/omronsim"
	"vitals/sandbox"
	"vitals/seal"
	"vitals/store"
	"vitals/store/storetest"
	"vitals/sync"
)

// lockedBuffer is the hub's log, written by its handlers' goroutines.
type lockedBuffer struct {
	mu gosync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fixture is a hub serving the enrollment pages on 127.0.0.1, in front
// of a sandbox with seeded patients who sign in on Omron's real form.
type fixture struct {
	t       *testing.T
	db      *store.DB
	prof    store.Profile
	sb      *sandbox.Sandbox
	svc     *enroll.Service
	url     string // the hub's public URL
	clock   *clocktest.Clock
	logs    *lockedBuffer
	flow    *link.Flow
	told    []int64 // accounts the engine hook heard of
	patient omronsim.Patient
}

func testSealKey(bool) (*seal.Keyring, error) {
	return seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
}

func newFixture(t *testing.T, backend string) *fixture {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, url: "http://" + ln.Addr().String(), logs: &lockedBuffer{},
		clock: clocktest.New(time.Now().UTC().Truncate(time.Second))}
	f.sb, err = sandbox.Start(sandbox.Options{Patients: 3, HistoryDays: 20, Seed: 15, OneUpRedirectURL: f.url + enroll.OneUpCallback})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.sb.Close() })
	f.patient = f.sb.Omron.Patients()[1]
	ctx := context.Background()
	f.db = storetest.Open(t, backend, store.Options{SealKey: testSealKey})
	if f.prof, err = f.db.EnsureProfile(ctx, "p-1042"); err != nil {
		t.Fatal(err)
	}
	cfg := f.sb.Config("")
	var mu gosync.Mutex
	flow := &link.Flow{Config: cfg, DB: f.db, HTTP: providers.NewHTTPClient(10 * time.Second),
		Changed: func(_ context.Context, id int64) error {
			mu.Lock()
			defer mu.Unlock()
			f.told = append(f.told, id)
			return nil
		}}
	f.flow = flow
	f.svc, err = enroll.New(enroll.Options{DB: f.db, Config: cfg, Flow: flow, PublicURL: f.url, Clinic: "Riverside Clinic",
		Burst: 1000, Rate: 1000, Now: f.clock.Now, Logger: slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	h := hub.New(hub.Options{Enroll: f.svc.Handler()})
	srv := &http.Server{Handler: h.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return f
}

// create makes a link for the profile.
func (f *fixture) create(p store.Provider, ttl time.Duration) enroll.Link {
	f.t.Helper()
	l, err := f.svc.Create(context.Background(), f.prof, p, ttl, "dr-test", "")
	if err != nil {
		f.t.Fatal(err)
	}
	return l
}

// readings syncs the profile's accounts once and counts its
// blood-pressure readings.
func (f *fixture) readings() int {
	f.t.Helper()
	ctx := context.Background()
	accts, err := f.db.Accounts(ctx, f.prof.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	cfg := f.sb.Config("")
	e := sync.New(f.db, app.SourceFunc(cfg, f.db, providers.NewHTTPClient(10*time.Second)), sync.Options{})
	for _, o := range e.RunOnce(ctx, accts) {
		if o.Err != nil {
			f.t.Fatalf("sync of account %d: %v", o.Account.ID, o.Err)
		}
	}
	n, err := f.db.Count(ctx, health.KindBloodPressure, store.Filter{ProfileID: f.prof.ID})
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// trail is the link's audit trail as "event@address" words.
func (f *fixture) trail(id int64) string {
	f.t.Helper()
	evs, err := f.db.EnrollmentEvents(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	var words []string
	for _, ev := range evs {
		words = append(words, ev.Event+"@"+ev.Address)
	}
	return strings.Join(words, " ")
}

// client is a browser without a browser: a cookie jar, and redirects
// read rather than followed.
func client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
