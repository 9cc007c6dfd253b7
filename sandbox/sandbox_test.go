package sandbox_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"

	"vitals/config"
	"vitals/sandbox"
)

func TestParseFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec    string
		want    sandbox.Faults
		wantErr string
	}{
		{"", sandbox.Faults{}, ""},
		{"429:0.2,500:0.1,timeout:0.05", sandbox.Faults{"429": 0.2, "500": 0.1, "timeout": 0.05}, ""},
		{" 503:1 ", sandbox.Faults{"503": 1}, ""},
		{"malformed:0.3,revoked:0.1", sandbox.Faults{"malformed": 0.3, "revoked": 0.1}, ""},
		{"429", nil, "want KIND:RATE"},
		{"429:lots", nil, `rate "lots" is not a number`},
		{"418:0.1", nil, `unknown fault "418"`},
		{"429:1.2", nil, "not between 0 and 1"},
		{"429:0.6,500:0.6", nil, "more than 1"},
		{"429:0.1,429:0.2", nil, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := sandbox.ParseFaults(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(got) != len(tt.want) {
				t.Fatalf("got %v %v, want %v", got, err, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s: %g, want %g", k, got[k], v)
				}
			}
		})
	}
	if _, err := sandbox.New(sandbox.Options{Faults: sandbox.Faults{"teapot": 1}}); err == nil {
		t.Error("New took an unknown fault")
	}
}

func newSandbox(t *testing.T, opt sandbox.Options) (*sandbox.Sandbox, string) {
	t.Helper()
	sb, err := sandbox.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sb)
	t.Cleanup(ts.Close)
	return sb, ts.URL
}

func TestConfigPointsAtTheSandbox(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if !strings.HasPrefix(sb.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %s is not loopback", sb.URL())
	}
	cfg := sb.Config("http://127.0.0.1:40123/callback")
	if err := cfg.OmronReady(); err != nil {
		t.Fatal(err)
	}
	if cfg.Keyring || cfg.Omron.APIURL != sb.URL()+"/omron/api/measurement" || cfg.Omron.RedirectURL != "http://127.0.0.1:40123/callback" {
		t.Errorf("config %+v", cfg.Omron)
	}
	if def := sandbox.ConfigFor("http://127.0.0.1:1/", ""); def.Omron.RedirectURL != sandbox.DefaultRedirectURL || def.Omron.TokenURL != "http://127.0.0.1:1/omron/connect/token" {
		t.Errorf("defaults %+v", def.Omron)
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := config.Write(path, cfg); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config file mode %v (%v), want 0600", fi.Mode(), err)
	}
	back, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Omron.ClientSecret != sandbox.ClientSecret || back.Omron.AuthorizeURL != cfg.Omron.AuthorizeURL || back.Omron.RevokeURL != cfg.Omron.RevokeURL {
		t.Errorf("round trip %+v", back.Omron)
	}

	resp, err := http.Get(sb.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	index, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(index), "/omron/connect/token") {
		t.Errorf("index %s", index)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(sb.URL() + "/"); err == nil {
		t.Error("the sandbox still answers after Close")
	}
}

// requestsAnswer is GET /_sandbox/requests: counts keyed by endpoint (a
// method and a path), beside the overlaps and refresh_reuse reports.
type requestsAnswer struct {
	Counts       map[string]int
	Overlaps     sandbox.OverlapReport
	RefreshReuse sandbox.ReuseReport
}

func (a *requestsAnswer) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	a.Counts = map[string]int{}
	for k, v := range m {
		var err error
		switch k {
		case "overlaps":
			err = json.Unmarshal(v, &a.Overlaps)
		case "refresh_reuse":
			err = json.Unmarshal(v, &a.RefreshReuse)
		default:
			if !strings.Contains(k, " /") {
				return fmt.Errorf("%q is neither an endpoint nor a report", k)
			}
			var n int
			err = json.Unmarshal(v, &n)
			a.Counts[k] = n
		}
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

func TestRequestsEndpoint(t *testing.T) {
	t.Parallel()
	_, base := newSandbox(t, sandbox.Options{})
	get := func() (requestsAnswer, map[string]json.RawMessage) {
		resp, err := http.Get(base + sandbox.RequestsPath)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var a requestsAnswer
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &a); err != nil || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("not the answer: %v\n%s", err, raw)
		}
		json.Unmarshal(raw, &m)
		return a, m
	}
	if a, m := get(); len(a.Counts) != 0 || len(m) != 2 {
		t.Errorf("a fresh sandbox counted %v", m)
	}
	// The reports are there from the start, empty but whole.
	if _, m := get(); string(m["overlaps"]) != `{"total":0,"accounts":{},"events":[]}` || string(m["refresh_reuse"]) != `{"total":0,"accounts":{},"events":[],"omron_rotations":0}` {
		t.Errorf("empty reports: %s %s", m["overlaps"], m["refresh_reuse"])
	}
	for range 3 {
		resp, _ := http.Post(base+"/omron/api/measurement", "application/x-www-form-urlencoded", strings.NewReader("since=2026-01-01"))
		resp.Body.Close()
	}
	resp, _ := http.Get(base + "/omron/connect/authorize")
	resp.Body.Close()
	a, _ := get()
	if a.Counts["POST /omron/api/measurement"] != 3 || a.Counts["GET /omron/connect/authorize"] != 1 || len(a.Counts) != 2 {
		t.Errorf("counts %v", a.Counts)
	}
	resp, _ = http.Post(base+sandbox.RequestsPath, "application/json", nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST %s: %d", sandbox.RequestsPath, resp.StatusCode)
	}
}

type notifications struct {
	mu     gosync.Mutex
	bodies []map[string]any
}

func (n *notifications) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m map[string]any
	json.NewDecoder(r.Body).Decode(&m)
	n.mu.Lock()
	n.bodies = append(n.bodies, m)
	n.mu.Unlock()
}

func TestUploadEndpoint(t *testing.T) {
	t.Parallel()
	rec := &notifications{}
	notify := httptest.NewServer(rec)
	defer notify.Close()
	sb, base := newSandbox(t, sandbox.Options{NotifyURL: notify.URL + "/omron/notify"})
	patient := sb.Omron.Patients()[0]
	before := sb.Omron.Count(patient.ID, "bloodpressure")
	post := func(body string) (int, map[string]any) {
		resp, err := http.Post(base+sandbox.UploadPath, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	status, res := post(`{"provider": "omron", "user": "sandbox.patient@example.com",
		"bloodPressure": [{"time": "2026-03-01T07:12:00-06:00", "systolic": 152, "diastolic": 96, "pulse": 71}, {"possibleAfib": true}]}`)
	if status != 200 || res["user"] != patient.ID || res["added"].(map[string]any)["bloodpressure"] != 2.0 {
		t.Fatalf("upload: %d %v", status, res)
	}
	if got := sb.Omron.Count(patient.ID, "bloodpressure"); got != before+2 {
		t.Errorf("%d BP readings, want %d", got, before+2)
	}
	if len(rec.bodies) != 1 || rec.bodies[0]["id"] != patient.ID || rec.bodies[0]["type"] != "bloodpressure" {
		t.Errorf("notifications %v", rec.bodies)
	}
	bad := []struct{ body, want string }{
		{`{"bloodPressure": [{"sistolic": 150}]}`, `unknown field "sistolic"`},
		{`{"provider": "fitbit"}`, `provider "fitbit": want one of omron`},
		{`{"bloodPressure": [{"systolic": 0, "diastolic": 0, "pulse": 0}]}`, "bloodPressure[0].systolic"},
		{`not json`, "not a JSON object"},
	}
	for _, b := range bad {
		status, res := post(b.body)
		if msg, _ := res["error"].(string); status != 400 || !strings.Contains(msg, b.want) {
			t.Errorf("%s: %d %v, want 400 with %q", b.body, status, res, b.want)
		}
	}
}
