package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"vitals/providers/omron/omronsim"
	"vitals/providers/oneup/oneupsim"
	"vitals/sandbox"
)

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

const omronRedirect = "http://127.0.0.1:8787/callback"

// omronTokens signs a patient in on the Omron consent form, as a person
// would, and exchanges the code.
func omronTokens(t *testing.T, base string, p omronsim.Patient) (access, refresh string) {
	t.Helper()
	form := url.Values{
		"client_id": {sandbox.ClientID}, "response_type": {"code"}, "redirect_uri": {omronRedirect},
		"scope": {"bloodpressure activity weight temperature oxygen openid offline_access"}, "state": {"s"},
		"decision": {"approve"}, "email": {p.Email}, "password": {p.Password},
	}
	resp, err := noFollow.PostForm(base+"/omron/connect/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("sign-in as %s: %d %v", p.Email, resp.StatusCode, err)
	}
	m := postJSON(t, base+"/omron/connect/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {sandbox.ClientID},
		"client_secret": {sandbox.ClientSecret}, "redirect_uri": {omronRedirect}, "code": {loc.Query().Get("code")}}, 200)
	return m["access_token"].(string), m["refresh_token"].(string)
}

func omronRefresh(t *testing.T, base, rt string, status int) map[string]any {
	t.Helper()
	return postJSON(t, base+"/omron/connect/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {sandbox.ClientID},
		"client_secret": {sandbox.ClientSecret}, "redirect_uri": {omronRedirect}, "refresh_token": {rt}}, status)
}

// oneupTokens gets tokens for an existing 1upHealth user.
func oneupTokens(t *testing.T, base, appUserID string) (access, refresh string) {
	t.Helper()
	creds := url.Values{"client_id": {sandbox.OneUpClientID}, "client_secret": {sandbox.OneUpClientSecret}}
	f := url.Values{"app_user_id": {appUserID}}
	for k, v := range creds {
		f[k] = v
	}
	m := postJSON(t, base+"/oneup/user-management/v1/user/auth-code", f, 200)
	f = url.Values{"grant_type": {"authorization_code"}, "code": {m["code"].(string)}}
	for k, v := range creds {
		f[k] = v
	}
	m = postJSON(t, base+"/oneup/oauth2/token", f, 200)
	return m["access_token"].(string), m["refresh_token"].(string)
}

func postJSON(t *testing.T, u string, form url.Values, status int) map[string]any {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("POST %s: %d %s, want %d", u, resp.StatusCode, raw, status)
	}
	var m map[string]any
	json.Unmarshal(raw, &m)
	return m
}

// measurement asks for a page of blood pressures; ctx may hold it.
func measurement(ctx context.Context, base, access string) (int, string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/omron/api/measurement",
		strings.NewReader("type=bloodpressure&since=2000-01-01&sortOrder=asc&limit=100"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+access)
	return do(req)
}

func fhirSearch(ctx context.Context, base, access, query string) (int, string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/oneup/r4/"+query, nil)
	req.Header.Set("Authorization", "Bearer "+access)
	return do(req)
}

func do(req *http.Request) (int, string, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), err
}

func TestSeededSandboxIsDeterministic(t *testing.T) {
	t.Parallel()
	opt := sandbox.Options{Patients: 25, Seed: 11, OneUp: func(o *oneupsim.Options) { o.DataDelay = 0 }}
	a, baseA := newSandbox(t, opt)
	b, baseB := newSandbox(t, opt)
	pa, pb := a.Patients(), b.Patients()
	if len(pa) != 25 || !reflect.DeepEqual(pa, pb) {
		t.Fatalf("two sandboxes with seed 11 and 25 patients list %d and %d, equal %v", len(pa), len(pb), reflect.DeepEqual(pa, pb))
	}
	for i, p := range pa {
		if p.Index != i || p.Omron.Email != omronsim.SeededEmail(i) || p.OneUp == nil || p.OneUp.AppUserID != oneupsim.SeededAppUserID(i) || p.OneUp.ID != 251+int64(i) || len(p.OneUp.Systems) == 0 {
			t.Errorf("patient %d: %+v %+v", i, p, p.OneUp)
		}
	}
	for _, i := range []int{0, 12, 24} {
		xa, _ := omronTokens(t, baseA, pa[i].Omron)
		xb, _ := omronTokens(t, baseB, pb[i].Omron)
		_, pageA, _ := measurement(context.Background(), baseA, xa)
		_, pageB, _ := measurement(context.Background(), baseB, xb)
		if pageA != pageB || !strings.Contains(pageA, `"measurementCount":100`) {
			t.Errorf("patient %d: the first Omron pages differ or are short:\n%.200s\n%.200s", i, pageA, pageB)
		}
		ya, _ := oneupTokens(t, baseA, pa[i].OneUp.AppUserID)
		yb, _ := oneupTokens(t, baseB, pb[i].OneUp.AppUserID)
		_, bundleA, _ := fhirSearch(context.Background(), baseA, ya, "Observation?_count=50")
		_, bundleB, _ := fhirSearch(context.Background(), baseB, yb, "Observation?_count=50")
		if ea, eb := entries(t, bundleA, baseA), entries(t, bundleB, baseB); len(ea) == 0 || !reflect.DeepEqual(ea, eb) {
			t.Errorf("patient %d: the first 1upHealth pages differ (%d and %d entries)", i, len(ea), len(eb))
		}
	}

	// GET /_sandbox/patients says the same, for a sandbox in another process.
	resp, err := http.Get(baseA + sandbox.PatientsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var listed struct {
		Patients []struct {
			Index int
			Omron struct{ ID, Email, Password, Name, Zone string }
			OneUp *oneupsim.User
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&listed); err != nil || len(listed.Patients) != 25 {
		t.Fatalf("%s: %v, %d patients", sandbox.PatientsPath, err, len(listed.Patients))
	}
	for i, p := range listed.Patients {
		o := pa[i].Omron
		if p.Index != i || p.Omron.ID != o.ID || p.Omron.Email != o.Email || p.Omron.Password != o.Password || p.Omron.Zone != o.Zone || !reflect.DeepEqual(p.OneUp, pa[i].OneUp) {
			t.Errorf("listed patient %d: %+v", i, p)
		}
	}
}

// entries are a bundle's entries without the address the server was
// reached at (the bundle's own id and time differ between servers).
func entries(t *testing.T, bundle, base string) []json.RawMessage {
	t.Helper()
	var b struct{ Entry []json.RawMessage }
	if err := json.Unmarshal([]byte(strings.ReplaceAll(bundle, base, "")), &b); err != nil {
		t.Fatalf("%v: %.200s", err, bundle)
	}
	return b.Entry
}

func TestDefaultSandboxKeepsOnePatient(t *testing.T) {
	t.Parallel()
	sb, _ := newSandbox(t, sandbox.Options{})
	ps := sb.Patients()
	if len(ps) != 1 || ps[0].Omron.Email != "sandbox.patient@example.com" || ps[0].OneUp != nil {
		t.Errorf("patients %+v", ps)
	}
	// Two years of readings, as before seeded patients existed.
	if n := sb.Omron.Count(ps[0].Omron.ID, omronsim.TypeActivity); n != 731 {
		t.Errorf("%d activity days, want 731", n)
	}
	if _, err := sandbox.New(sandbox.Options{Patients: -1}); err == nil {
		t.Error("New took -1 patients")
	}
}

// holdFirst makes the next data request of a provider wait until its
// client gives up.
func holdFirst(sb *sandbox.Sandbox, provider string) {
	if provider == "omron" {
		sb.Omron.Inject(omronsim.EndpointMeasurement, omronsim.FaultTimeout)
	} else {
		sb.OneUp.Inject(oneupsim.FaultTimeout)
	}
}

func TestOverlapDetector(t *testing.T) {
	t.Parallel()
	opt := sandbox.Options{
		Patients: 2, HistoryDays: 7,
		Omron: func(o *omronsim.Options) { o.SlowDelay = time.Minute },
		OneUp: func(o *oneupsim.Options) { o.DataDelay = 0; o.Faults.Hang = time.Minute },
	}
	tests := []struct {
		name       string
		provider   string
		concurrent bool
		sameUser   bool
		want       int
	}{
		{"omron: one account, two requests at once", "omron", true, true, 1},
		{"omron: one account, one request after the other", "omron", false, true, 0},
		{"omron: two accounts at once", "omron", true, false, 0},
		{"oneup: one account, two requests at once", "oneup", true, true, 1},
		{"oneup: one account, one request after the other", "oneup", false, true, 0},
		{"oneup: two accounts at once", "oneup", true, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sb, base := newSandbox(t, opt)
			ps := sb.Patients()
			var tokens [2]string
			var accounts [2]string
			for i := range tokens {
				if tt.provider == "omron" {
					tokens[i], _ = omronTokens(t, base, ps[i].Omron)
					accounts[i] = ps[i].Omron.ID
				} else {
					tokens[i], _ = oneupTokens(t, base, ps[i].OneUp.AppUserID)
					accounts[i] = ps[i].OneUp.AppUserID
				}
			}
			second := tokens[0]
			if !tt.sameUser {
				second = tokens[1]
			}
			fetch := func(ctx context.Context, tok string) (int, string, error) {
				if tt.provider == "omron" {
					return measurement(ctx, base, tok)
				}
				return fhirSearch(ctx, base, tok, "Observation?_count=10")
			}
			served := func() int {
				if tt.provider == "omron" {
					return sb.Omron.Counts()[omronsim.EndpointMeasurement]
				}
				return sb.OneUp.Requests()["GET /r4/Observation"]
			}
			if tt.concurrent {
				// The first request is held until it is called off: the
				// second begins while it is surely in flight.
				holdFirst(sb, tt.provider)
				ctx, cancel := context.WithCancel(context.Background())
				first := make(chan error, 1)
				go func() { _, _, err := fetch(ctx, tokens[0]); first <- err }()
				for deadline := time.Now().Add(10 * time.Second); served() == 0; time.Sleep(time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatal("the first request never arrived")
					}
				}
				if status, body, err := fetch(context.Background(), second); err != nil || status != 200 {
					t.Fatalf("the second request: %d %v %.200s", status, err, body)
				}
				cancel()
				if err := <-first; !errors.Is(err, context.Canceled) {
					t.Fatalf("the held request: %v", err)
				}
			} else {
				for _, tok := range []string{tokens[0], second} {
					if status, _, err := fetch(context.Background(), tok); err != nil || status != 200 {
						t.Fatalf("a request: %d %v", status, err)
					}
				}
			}
			// The held request ends when the server notices its client left.
			var got sandbox.OverlapReport
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				got = sb.Overlaps()
				ended := true
				for _, e := range got.Events {
					ended = ended && !e.First.End.IsZero() && !e.Second.End.IsZero()
				}
				if ended || time.Now().After(deadline) {
					break
				}
			}
			if got.Total != tt.want || len(got.Events) != tt.want {
				t.Fatalf("%d overlaps, want %d: %+v", got.Total, tt.want, got)
			}
			if tt.want == 0 {
				return
			}
			account := accounts[0]
			if tt.provider == "oneup" {
				account = "251" // the oneup_user_id of patient-0000
			}
			e := got.Events[0]
			if e.Provider != tt.provider || e.Account != account || got.Accounts[tt.provider][account] != 1 {
				t.Errorf("event for %s %s, accounts %v; want %s %s", e.Provider, e.Account, got.Accounts, tt.provider, account)
			}
			if !e.Second.Start.After(e.First.Start) || !e.First.End.After(e.Second.Start) || e.Second.End.IsZero() {
				t.Errorf("the requests do not overlap: %+v", e)
			}
			if e.First.Token == "" || e.First.Token != e.Second.Token || len(e.First.Token) != 8 || strings.Contains(tokens[0], e.First.Token) {
				t.Errorf("token fingerprints %q %q", e.First.Token, e.Second.Token)
			}
			if e.First.Remote == "" || !strings.HasPrefix(e.First.Endpoint, map[string]string{"omron": "POST /omron/api/measurement", "oneup": "GET /oneup/r4/Observation"}[tt.provider]) {
				t.Errorf("event %+v", e)
			}
			// The same in GET /_sandbox/requests.
			var answer requestsAnswer
			resp, err := http.Get(base + sandbox.RequestsPath)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || answer.Overlaps.Total != 1 || answer.Overlaps.Events[0].Account != account {
				t.Errorf("%s: %v %+v", sandbox.RequestsPath, err, answer.Overlaps)
			}
		})
	}
}

func TestRefreshReuseThroughTheSandbox(t *testing.T) {
	t.Parallel()
	sb, base := newSandbox(t, sandbox.Options{Patients: 2, HistoryDays: 7})
	ps := sb.Patients()
	_, rt := omronTokens(t, base, ps[1].Omron)
	omronRefresh(t, base, rt, 200)
	omronRefresh(t, base, rt, 400)
	_, ort := oneupTokens(t, base, ps[0].OneUp.AppUserID)
	f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {ort}, "client_id": {sandbox.OneUpClientID}, "client_secret": {sandbox.OneUpClientSecret}}
	postJSON(t, base+"/oneup/oauth2/token", f, 200)
	postJSON(t, base+"/oneup/oauth2/token", f, 400)
	postJSON(t, base+"/oneup/oauth2/token", f, 400)

	got := sb.RefreshReuses()
	want := map[string]map[string]int{"omron": {ps[1].Omron.ID: 1}, "oneup": {"251": 2}}
	if got.Total != 3 || !reflect.DeepEqual(got.Accounts, want) || len(got.Events) != 3 {
		t.Fatalf("report %+v, want 3 reuses %v", got, want)
	}
	for _, e := range got.Events {
		if !e.Refused || e.At.Before(e.RotatedAt) || e.Remote == "" {
			t.Errorf("event %+v", e)
		}
	}
	var answer requestsAnswer
	resp, err := http.Get(base + sandbox.RequestsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || !reflect.DeepEqual(answer.RefreshReuse.Accounts, want) || answer.Overlaps.Total != 0 {
		t.Errorf("%s: %v %+v", sandbox.RequestsPath, err, answer)
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	const latency = 150 * time.Millisecond
	sb, base := newSandbox(t, sandbox.Options{Patients: 1, HistoryDays: 7, Latency: latency, OneUp: func(o *oneupsim.Options) { o.DataDelay = 0 }})
	p := sb.Patients()[0]
	timed := func(name string, f func()) {
		start := time.Now()
		f()
		if d := time.Since(start); d < latency {
			t.Errorf("%s took %s, less than the latency", name, d)
		}
	}
	var access, refresh, oneupAccess string
	timed("the Omron sign-in and code exchange", func() { access, refresh = omronTokens(t, base, p.Omron) })
	timed("an Omron measurement request", func() { measurement(context.Background(), base, access) })
	timed("an Omron refresh", func() { refresh = omronRefresh(t, base, refresh, 200)["refresh_token"].(string) })
	timed("a 1upHealth code and exchange", func() { oneupAccess, _ = oneupTokens(t, base, p.OneUp.AppUserID) })
	timed("a FHIR search", func() { fhirSearch(context.Background(), base, oneupAccess, "Observation") })

	if r := sb.RefreshReuses(); r.Total != 0 {
		t.Errorf("reuses %+v", r)
	}
}

// A request whose client gives up during the latency is not served: the
// refresh token it carried is not spent. The latency is long, so that the
// server surely notices the client hang up before the wait ends, on a
// machine however busy.
func TestLatencyGivenUp(t *testing.T) {
	t.Parallel()
	const latency = time.Second
	sb, base := newSandbox(t, sandbox.Options{Patients: 1, HistoryDays: 7, Latency: latency})
	_, refresh := omronTokens(t, base, sb.Patients()[0].Omron)
	before := sb.Omron.Counts()[omronsim.EndpointToken]
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/omron/connect/token", strings.NewReader(url.Values{
		"grant_type": {"refresh_token"}, "client_id": {sandbox.ClientID}, "client_secret": {sandbox.ClientSecret},
		"redirect_uri": {omronRedirect}, "refresh_token": {refresh}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a refresh given up on: %v", err)
	}
	time.Sleep(latency + latency/2) // past when it would have been served
	if n := sb.Omron.Counts()[omronsim.EndpointToken]; n != before {
		t.Errorf("the given-up request was served: %d token requests, %d before", n, before)
	}
	omronRefresh(t, base, refresh, 200)
	if r := sb.RefreshReuses(); r.Total != 0 {
		t.Errorf("reuses %+v", r)
	}
}

func TestConnectEndpoint(t *testing.T) {
	t.Parallel()
	sb, base := newSandbox(t, sandbox.Options{Patients: 4, HistoryDays: 7})
	// A user vitals would create, with its profile's UID.
	f := url.Values{"app_user_id": {"3f2c9a"}, "client_id": {sandbox.OneUpClientID}, "client_secret": {sandbox.OneUpClientSecret}}
	postJSON(t, base+"/oneup/user-management/v1/user", f, 200)
	post := func(body string) (int, map[string]any) {
		resp, err := http.Post(base+sandbox.ConnectPath, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if status, m := post(`{"app_user_id": "3f2c9a", "patient": 3}`); status != 200 || !reflect.DeepEqual(sb.OneUp.ConnectedSystems("3f2c9a"), sb.OneUp.PatientSystems(3)) {
		t.Errorf("connect patient 3: %d %v; connected %v, patient 3 has %v", status, m, sb.OneUp.ConnectedSystems("3f2c9a"), sb.OneUp.PatientSystems(3))
	}
	if status, m := post(`{"app_user_id": "patient-0000", "systems": [4714]}`); status != 200 || !strings.Contains(strings.Join(strings.Fields(strings.Trim(strings.ReplaceAll(jsonText(m["systems"]), ",", " "), "[]")), " "), "4714") {
		t.Errorf("connect Kinsa: %d %v", status, m)
	}
	for _, bad := range []string{`{"app_user_id": "nobody", "patient": 1}`, `{"app_user_id": "3f2c9a"}`, `{"app_user_id": "3f2c9a", "patient": 1, "systems": [4709]}`, `{"app_user_id": "3f2c9a", "systems": [1]}`, `{"user": "x"}`, `[]`} {
		if status, m := post(bad); status != 400 || m["error"] == nil {
			t.Errorf("%s: %d %v", bad, status, m)
		}
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// A request for patient 0 allocates as much in a sandbox of one patient
// as in one of 2,000: Omron's measurement page and sign-in, a 1upHealth
// search and user lookup. Allocations are a fact a shared machine does not
// blur (but for a few that encoding/json's pools save or not, when a
// collection empties them); a scan that allocates nothing would not show
// here, and is what BenchmarkCostVersusPatients' "same" ratio measures in
// time.
func TestRequestWorkDoesNotGrowWithPatients(t *testing.T) {
	// Not parallel: AllocsPerRun counts the whole process's allocations.
	if raceEnabled {
		t.Skip("the race detector allocates at random")
	}
	one, many := newBenchSandboxOf(t, 1, 1), newBenchSandboxOf(t, 2000, 1)
	type request struct {
		name string
		do   func(bs *benchSandbox)
	}
	p := one.sb.Patients()[0]
	for _, r := range []request{
		{"Omron measurement page", func(bs *benchSandbox) { bs.omronPage(t, 0) }},
		{"1upHealth search", func(bs *benchSandbox) { bs.oneupPage(t, 0) }},
		{"Omron sign-in", func(bs *benchSandbox) {
			serve(bs.sb, form("POST", "/omron/connect/authorize", url.Values{
				"client_id": {sandbox.ClientID}, "response_type": {"code"}, "redirect_uri": {omronRedirect}, "scope": {"bloodpressure openid"},
				"decision": {"approve"}, "email": {p.Omron.Email}, "password": {p.Omron.Password},
			}))
		}},
		{"1upHealth user lookup", func(bs *benchSandbox) {
			serve(bs.sb, httptest.NewRequest("GET", "/oneup/user-management/v1/user?"+url.Values{"app_user_id": {p.OneUp.AppUserID},
				"client_id": {sandbox.OneUpClientID}, "client_secret": {sandbox.OneUpClientSecret}}.Encode(), nil))
		}},
	} {
		a := testing.AllocsPerRun(20, func() { r.do(one) })
		b := testing.AllocsPerRun(20, func() { r.do(many) })
		if math.Abs(a-b) > 2+a/100 {
			t.Errorf("%s: %.0f allocations with 1 patient, %.0f with 2,000", r.name, a, b)
		}
	}
}
