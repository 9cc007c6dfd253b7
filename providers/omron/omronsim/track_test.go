package omronsim_test

import (
	"net/http"
	"net/url"
	gosync "sync"
	"testing"
	"time"
)

func TestRefreshReuseIsRecorded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	user := e.sim.Patients()[0].ID
	if r := e.sim.RefreshReuses(); r.Total != 0 || len(r.Events) != 0 {
		t.Fatalf("a fresh server reports %+v", r)
	}
	_, rt := e.tokens()
	if status, _, raw := e.token(refreshForm(rt)); status != 200 {
		t.Fatal(raw)
	}
	rotatedAt := simNow
	e.clock.Advance(time.Minute)
	// The rotated token, presented again: refused and recorded, even with
	// the redirect_uri left out.
	for _, f := range []url.Values{refreshForm(rt), func() url.Values { f := refreshForm(rt); f.Del("redirect_uri"); return f }()} {
		if status, _, _ := e.token(f); status != 400 {
			t.Errorf("a rotated refresh token: %d, want 400", status)
		}
	}
	// Neither an unknown token nor an unused one is a reuse.
	e.token(refreshForm("0123456789abcdef"))
	r := e.sim.RefreshReuses()
	if r.Total != 2 || r.ByUser[user] != 2 || len(r.Events) != 2 {
		t.Fatalf("report %+v, want 2 reuses by %s", r, user)
	}
	ev := r.Events[0]
	if ev.User != user || !ev.Refused || !ev.At.Equal(simNow.Add(time.Minute)) || !ev.RotatedAt.Equal(rotatedAt) || ev.Remote == "" {
		t.Errorf("event %+v", ev)
	}
}

// Two processes sharing an account refresh with the same token at once:
// one wins, the other's is a reuse.
func TestConcurrentRefreshIsOneReuse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, rt := e.tokens()
	var wg gosync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Go(func() { statuses[i], _, _ = e.token(refreshForm(rt)) })
	}
	wg.Wait()
	if (statuses[0] == 200) == (statuses[1] == 200) {
		t.Errorf("answers %v: want one 200 and one 400", statuses)
	}
	if r := e.sim.RefreshReuses(); r.Total != 1 {
		t.Errorf("%d reuses, want 1", r.Total)
	}
}

func TestDataUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	user := e.sim.Patients()[0].ID
	access, _ := e.tokens()
	req := func(method, path, token string) *http.Request {
		r, _ := http.NewRequest(method, e.base+path, nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return r
	}
	tests := []struct {
		name string
		r    *http.Request
		want string
	}{
		{"a measurement request", req("POST", "/api/measurement", access), user},
		{"no token", req("POST", "/api/measurement", ""), ""},
		{"a token never issued", req("POST", "/api/measurement", "feedface"), ""},
		{"the token endpoint", req("POST", "/connect/token", access), ""},
		{"GET", req("GET", "/api/measurement", access), ""},
	}
	for _, tt := range tests {
		if got, ok := e.sim.DataUser(tt.r); got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: %q %v, want %q", tt.name, got, ok, tt.want)
		}
	}
	// An expired token still names its user: the request was made for
	// that account.
	e.clock.Advance(2 * time.Hour)
	if got, _ := e.sim.DataUser(req("POST", "/api/measurement", access)); got != user {
		t.Errorf("an expired token: %q", got)
	}
}
