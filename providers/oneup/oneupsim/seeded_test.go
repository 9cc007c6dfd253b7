package oneupsim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"vitals/fhir"
	"vitals/providers/oneup/oneupsim"
)

// seededToken gets tokens for an existing user, as the vendor's
// user-management API gives them: an auth code, exchanged.
func (h *harness) seededToken(appUserID string) (access, refresh string) {
	h.t.Helper()
	resp, m := h.postForm("/user-management/v1/user/auth-code", creds("app_user_id", appUserID))
	if resp.StatusCode != 200 {
		h.t.Fatalf("auth-code for %s: HTTP %d %v", appUserID, resp.StatusCode, m)
	}
	resp, m = h.postForm("/oauth2/token", creds("code", m["code"].(string), "grant_type", "authorization_code"))
	if resp.StatusCode != 200 {
		h.t.Fatalf("exchange: HTTP %d %v", resp.StatusCode, m)
	}
	return m["access_token"].(string), m["refresh_token"].(string)
}

// firstPage is the first page of a search, its entries as served (the
// bundle's own id and time differ between servers).
func (h *harness) firstPage(access, query string) []fhir.BundleEntry {
	h.t.Helper()
	resp, b, body := h.fhirGet(access, "/r4/"+query)
	if resp.StatusCode != 200 {
		h.t.Fatalf("%s: HTTP %d %s", query, resp.StatusCode, body)
	}
	for i := range b.Entry { // the address the server was reached at
		b.Entry[i].FullURL = strings.TrimPrefix(b.Entry[i].FullURL, h.srv.URL)
	}
	return b.Entry
}

func TestSeededUsersAreDeterministic(t *testing.T) {
	t.Parallel()
	opt := oneupsim.Options{Population: 30, Seed: 7, HistoryDays: 60}
	a, b := newHarness(t, opt), newHarness(t, opt)
	ua, ub := a.sim.SeededUsers(), b.sim.SeededUsers()
	if len(ua) != 30 || !reflect.DeepEqual(ua, ub) {
		t.Fatalf("two servers list %v and %v", ua, ub)
	}
	kinds := map[int]int{}
	for i, u := range ua {
		if u.ID != 251+int64(i) || u.AppUserID != oneupsim.SeededAppUserID(i) || u.AppUserID != fmt.Sprintf("patient-%04d", i) {
			t.Errorf("user %d: %+v", i, u)
		}
		if len(u.Systems) == 0 || !reflect.DeepEqual(u.Systems, a.sim.PatientSystems(i)) {
			t.Errorf("user %d is connected to %v, PatientSystems says %v", i, u.Systems, a.sim.PatientSystems(i))
		}
		for _, s := range u.Systems {
			kinds[s]++
		}
	}
	if len(kinds) < 6 {
		t.Errorf("30 users connect only %v", kinds)
	}
	for _, i := range []int{0, 13, 29} {
		x, _ := a.seededToken(ua[i].AppUserID)
		y, _ := b.seededToken(ub[i].AppUserID)
		for _, q := range []string{"Observation?_count=50", "Observation?code=http://loinc.org|8867-4&_count=20", "Condition", "Patient"} {
			if px, py := a.firstPage(x, q), b.firstPage(y, q); !reflect.DeepEqual(px, py) {
				t.Errorf("user %d, %s: the first pages differ", i, q)
			}
		}
	}
	// A user created later is numbered after the population.
	resp, m := a.postForm("/user-management/v1/user", creds("app_user_id", "someone"))
	if resp.StatusCode != 200 || m["oneup_user_id"] != 281.0 {
		t.Errorf("a new user: HTTP %d %v", resp.StatusCode, m)
	}
}

func TestSeededReadingsVary(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneupsim.Options{UserLimit: 1 << 20})
	// Three users given patients 0, 1 and 2's readings, and a user whose
	// readings are everyone's: the same system, other values.
	means := map[string]float64{}
	for _, name := range []string{"common", "p0", "p1", "p2"} {
		access, _ := h.token(name)
		if name == "common" {
			h.sim.ConnectSystem(name, oneupsim.Fitbit)
		} else {
			var i int
			fmt.Sscanf(name, "p%d", &i)
			if err := h.sim.ConnectPatient(name, i); err != nil {
				t.Fatal(err)
			}
			h.sim.ConnectSystem(name, oneupsim.Fitbit) // whatever the patient wears
		}
		entries, _ := h.walk(access, "/r4/Observation?code=http://loinc.org|66334-4&_count=100")
		sum := 0.0
		for _, e := range entries {
			var o fhir.Observation
			json.Unmarshal(e.Resource, &o)
			sum += *o.ValueQuantity.Value
		}
		if len(entries) < 90 {
			t.Fatalf("%s: %d step days", name, len(entries))
		}
		means[name] = sum / float64(len(entries))
	}
	for _, a := range []string{"common", "p0", "p1"} {
		for _, b := range []string{"p0", "p1", "p2"} {
			if a != b && means[a] == means[b] {
				t.Errorf("%s and %s walk the same: %v", a, b, means)
			}
		}
	}
	if err := h.sim.ConnectPatient("nobody", 1); err == nil {
		t.Error("ConnectPatient took an unknown user")
	}
}

func TestLookupByIDsFindsOne(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneupsim.Options{Population: 5})
	for _, q := range []string{"app_user_id=patient-0003", "oneup_user_id=254"} {
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/user-management/v1/user?"+creds().Encode()+"&"+q, nil)
		resp, body := h.do(req)
		if resp.StatusCode != 200 || strings.Count(string(body), "oneup_user_id") != 1 || !strings.Contains(string(body), `"oneup_user_id":254,"app_user_id":"patient-0003"`) {
			t.Errorf("%s: HTTP %d %s", q, resp.StatusCode, body)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/user-management/v1/user?"+creds().Encode(), nil)
	if _, body := h.do(req); strings.Count(string(body), "oneup_user_id") != 5 {
		t.Errorf("the list: %s", body)
	}
}

func TestHistoryDaysOption(t *testing.T) {
	t.Parallel()
	for _, days := range []int{0, 14} {
		h := newHarness(t, oneupsim.Options{HistoryDays: days})
		access, _ := h.token("u")
		h.sim.ConnectSystem("u", oneupsim.Fitbit)
		entries, _ := h.walk(access, "/r4/Observation?code=http://loinc.org|66334-4&_count=100")
		// A day's steps land when the day ends: the history's days, not
		// today's.
		want := 90
		if days > 0 {
			want = days
		}
		if len(entries) != want {
			t.Errorf("HistoryDays %d: %d step days, want %d", days, len(entries), want)
		}
	}
}

func TestRefreshReuseAndDataUser(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneupsim.Options{Population: 2})
	access, rt := h.seededToken("patient-0001")
	refresh := func(tok string) int {
		resp, _ := h.postForm("/oauth2/token", creds("grant_type", "refresh_token", "refresh_token", tok))
		return resp.StatusCode
	}
	if s := refresh(rt); s != 200 {
		t.Fatalf("refresh: %d", s)
	}
	h.clock.Advance(time.Second)
	if s := refresh(rt); s != 400 {
		t.Errorf("the rotated token: %d", s)
	}
	refresh("never-issued")
	r := h.sim.RefreshReuses()
	if r.Total != 1 || r.ByUser["252"] != 1 || len(r.Events) != 1 || !r.Events[0].Refused || r.Events[0].At.Sub(r.Events[0].RotatedAt) != time.Second {
		t.Errorf("report %+v", r)
	}

	// Two refreshes with one token at once: one wins, one is a reuse.
	_, rt = h.seededToken("patient-0000")
	var wg gosync.WaitGroup
	codes := make([]int, 2)
	for i := range codes {
		wg.Go(func() { codes[i] = refresh(rt) })
	}
	wg.Wait()
	if codes[0]+codes[1] != 600 || h.sim.RefreshReuses().ByUser["251"] != 1 {
		t.Errorf("answers %v, report %+v", codes, h.sim.RefreshReuses())
	}

	req := func(method, path, tok string) *http.Request {
		r, _ := http.NewRequest(method, h.srv.URL+path, nil)
		if tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		return r
	}
	for _, tt := range []struct {
		r    *http.Request
		want string
	}{
		{req("GET", "/r4/Observation", access), "252"},
		{req("GET", "/fhir/r4/Patient/oneup-252/$everything", access), "252"},
		{req("GET", "/r4/Condition/x", access), "252"},
		{req("GET", "/r4/metadata", access), ""},
		{req("GET", "/r4/Observation", ""), ""},
		{req("GET", "/r4/Observation", "nope"), ""},
		{req("POST", "/oauth2/token", access), ""},
		{req("GET", "/connect/system/device", access), ""},
	} {
		if got, ok := h.sim.DataUser(tt.r); got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s %s: %q, want %q", tt.r.Method, tt.r.URL.Path, got, tt.want)
		}
	}
}
