package sync

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"vitals/providers"
	"vitals/store"
)

// notified is 2024-01-21 15:30 UTC in epoch milliseconds: the fetch
// starts on 2024-01-20, where the fake's reading 19 is.
const notifiedBody = `{"id":"user-1","timestamp":1705851000000,"type":"bloodpressure","note":"BODY-MARKER"}`

func TestNotifyHandler(t *testing.T) {
	big := `{"id":"user-1","type":"weight","timestamp":1705851000000}` + strings.Repeat(" ", MaxNotification)
	exact := big[:MaxNotification]
	for _, tc := range []struct {
		name    string
		secret  string
		method  string
		path    string
		header  string
		body    string
		status  int
		fetches []string // after the notification settles
	}{
		{name: "notification", path: "/omron/notify", body: notifiedBody, status: 200, fetches: []string{"bloodpressure@19"}},
		{name: "no type: every stream", path: "/omron/notify", body: `{"id":"user-1","timestamp":"2024-01-21T15:30:00Z"}`, status: 200, fetches: []string{"bloodpressure@19", "weight@19"}},
		{name: "unknown user", path: "/omron/notify", body: `{"id":"stranger","timestamp":1705851000000,"type":"weight"}`, status: 200},
		{name: "malformed", path: "/omron/notify", body: `{"id":`, status: 400},
		{name: "no id", path: "/omron/notify", body: `{"timestamp":1705851000000}`, status: 400},
		{name: "64 KiB", path: "/omron/notify", body: exact, status: 200, fetches: []string{"weight@19"}},
		{name: "over 64 KiB", path: "/omron/notify", body: big[:MaxNotification+1], status: 413},
		{name: "GET", method: "GET", path: "/omron/notify", status: 405},
		{name: "other path", path: "/omron/notify/extra", body: notifiedBody, status: 404},
		{name: "secret missing", secret: "s3cr3t", path: "/omron/notify", body: notifiedBody, status: 403},
		{name: "secret wrong in header", secret: "s3cr3t", path: "/omron/notify", header: "s3cr3T", body: notifiedBody, status: 403},
		{name: "secret wrong in path", secret: "s3cr3t", path: "/omron/notify/nope", body: notifiedBody, status: 404},
		{name: "secret in header", secret: "s3cr3t", path: "/omron/notify", header: "s3cr3t", body: notifiedBody, status: 200, fetches: []string{"bloodpressure@19"}},
		{name: "secret in path", secret: "s3cr3t", path: "/omron/notify/s3cr3t", body: notifiedBody, status: 200, fetches: []string{"bloodpressure@19"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				fx := openFixture(t, dir)
				defer fx.db.Close()
				acct := fx.account(t, store.ProviderOmron, "user-1")
				fake := newFake(100, map[providers.Stream]int{"bloodpressure": 30, "weight": 30})
				e := New(fx.db, sourcesOf(map[int64]providers.Source{acct.ID: fake}).get, Options{Notifications: true})
				go e.Run(ctx)
				synctest.Wait() // the first round
				before := len(fake.fetches())

				var logs bytes.Buffer
				h := NotifyHandler(e, "/omron/notify", tc.secret, slog.New(slog.NewTextHandler(&logs, nil)))
				method := orDefault(tc.method, http.MethodPost)
				req := httptest.NewRequest(method, tc.path, strings.NewReader(tc.body))
				if tc.header != "" {
					req.Header.Set(SecretHeader, tc.header)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != tc.status {
					t.Errorf("status %d, want %d (%s)", rec.Code, tc.status, rec.Body)
				}
				if tc.status == 200 && rec.Body.Len() != 0 {
					t.Errorf("a 200 with a body: %q", rec.Body)
				}
				time.Sleep(5 * time.Second)
				synctest.Wait()
				if got := callsOf(fake.fetches()[before:]); !slices.Equal(got, tc.fetches) {
					t.Errorf("fetched %v, want %v", got, tc.fetches)
				}
				if strings.Contains(logs.String(), "BODY-MARKER") || (tc.secret != "" && strings.Contains(logs.String(), tc.secret)) {
					t.Errorf("the log shows the body or the secret:\n%s", logs.String())
				}
				if tc.name == "unknown user" && !strings.Contains(logs.String(), "unknown user") {
					t.Errorf("an unknown user is not logged:\n%s", logs.String())
				}
				cancel()
				e.workers.Wait()
			})
		})
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestNotificationBurstMakesOneFetch: twenty notifications in a burst,
// through the handler, make one request.
func TestNotificationBurstMakesOneFetch(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		fx := openFixture(t, dir)
		defer fx.db.Close()
		acct := fx.account(t, store.ProviderOmron, "user-1")
		fake := newFake(100, map[providers.Stream]int{"bloodpressure": 30, "weight": 30})
		e := New(fx.db, sourcesOf(map[int64]providers.Source{acct.ID: fake}).get, Options{Notifications: true})
		go e.Run(ctx)
		synctest.Wait()
		before := len(fake.fetches())
		h := NotifyHandler(e, "/omron/notify", "", nil)
		for range 20 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/omron/notify", strings.NewReader(notifiedBody)))
			if rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if got := callsOf(fake.fetches()[before:]); !slices.Equal(got, []string{"bloodpressure@19"}) {
			t.Errorf("a burst of 20 notifications fetched %v, want one request", got)
		}
		cancel()
		e.workers.Wait()
	})
}
