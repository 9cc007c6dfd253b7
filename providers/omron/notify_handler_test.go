package omron_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

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
	calls []string // "provider user [streams] from yyyy-mm-dd"
}

func (f *fakeNotifier) Notify(_ context.Context, p store.Provider, externalID string, streams []providers.Stream, from time.Time) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("%s %s %v from %s", p, externalID, streams, from.Format(time.DateTime)))
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

// The calls notifications are expected to make.
const (
	toldBP     = "omron user-1 [bloodpressure] from 2024-01-20 00:00:00"
	toldWeight = "omron user-1 [weight] from 2024-01-20 00:00:00"
	toldAll    = "omron user-1 [bloodpressure activity weight temperature oxygen] from 2024-01-20 00:00:00"
)

func TestNotifyHandler(t *testing.T) {
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
			h := omron.NotifyHandler(n, "/omron/notify", tc.secret, slog.New(slog.NewTextHandler(&logs, nil)))
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

// TestNotificationBurst: twenty notifications in a burst, through the
// handler, are each answered at once and each passed on as they came.
// Turning such a burst into one fetch is the engine's work, tested in
// package sync (TestNotifications).
func TestNotificationBurst(t *testing.T) {
	n := &fakeNotifier{accounts: map[string]int{"user-1": 1}}
	h := omron.NotifyHandler(n, "/omron/notify", "", nil)
	for range 20 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/omron/notify", strings.NewReader(notifiedBody)))
		if rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
	}
	if got, want := n.told(), slices.Repeat([]string{toldBP}, 20); !slices.Equal(got, want) {
		t.Errorf("a burst of 20 notifications told %q, want the same request 20 times", got)
	}
}
