package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"vitals/config"
	"vitals/sandbox"
)

func TestSandboxCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "sandbox.toml")
	// An existing configuration keeps its other sections.
	existing := config.Default()
	existing.Display.Weight = "lb"
	if err := config.Write(cfgPath, existing); err != nil {
		t.Fatal(err)
	}
	e := linkEnv{cfgPath: filepath.Join(dir, "plain.toml"), db: filepath.Join(dir, "vitals.db")}
	if err := config.Write(e.cfgPath, config.Default()); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	r := e.start(t, ctx, "sandbox", "--addr", "127.0.0.1:0", "--auto-approve", "--faults", "429:0.5", "--seed", "3", "--write-config", cfgPath, "--redirect-url", freeLoopbackRedirect(t))
	r.waitFor(t, regexp.MustCompile(`Press Ctrl-C to stop`))
	out := r.out.String()
	base := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(out)
	if base == nil {
		t.Fatalf("no address in:\n%s", out)
	}
	for _, want := range []string{"client_id      " + sandbox.ClientID, "client_secret  " + sandbox.ClientSecret, base[1] + "/omron/api/measurement",
		"http://127.0.0.1:<any port>/callback", "429:0.5", "approved at once as sandbox.patient@example.com", base[1] + "/_sandbox/requests"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	resp, err := http.Get(base[1] + sandbox.RequestsPath)
	if err != nil {
		t.Fatal(err)
	}
	// Counts by endpoint, and the overlap and refresh-reuse reports.
	var answer map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, k := range []string{"overlaps", "refresh_reuse"} {
		var report struct{ Total *int }
		if err := json.Unmarshal(answer[k], &report); err != nil || report.Total == nil || *report.Total != 0 {
			t.Errorf("%s: %s (%v)", k, answer[k], err)
		}
	}

	fi, err := os.Stat(cfgPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config mode %v, %v", fi.Mode(), err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.OmronReady(); err != nil || cfg.Omron.APIURL != base[1]+"/omron/api/measurement" || cfg.Display.Weight != "lb" {
		t.Errorf("written config: %v %+v weight %q", err, cfg.Omron, cfg.Display.Weight)
	}

	// It links against itself with the written configuration.
	linked := linkEnv{cfgPath: cfgPath, db: e.db, cfg: cfg}
	linked.linkByCommand(t)

	stop()
	if err := r.wait(t); err != nil {
		t.Fatalf("interrupted: %v", err)
	}
	if !strings.Contains(r.out.String(), "Sandbox stopped.") {
		t.Errorf("no clean stop:\n%s", r.out.String())
	}
	if _, err := http.Get(base[1] + sandbox.RequestsPath); err == nil {
		t.Error("the sandbox still answers")
	}
}

func TestSandboxCommandFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notConfig := filepath.Join(dir, "notes.txt")
	os.WriteFile(notConfig, []byte("these are notes = [\n"), 0o600)
	e := linkEnv{cfgPath: filepath.Join(dir, "plain.toml"), db: filepath.Join(dir, "vitals.db")}
	if err := config.Write(e.cfgPath, config.Default()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--faults", "429"}, `--faults "429": fault "429": want KIND:RATE`},
		{[]string{"--faults", "teapot:0.1"}, `unknown fault "teapot"`},
		{[]string{"--faults", "500:2"}, "not between 0 and 1"},
		{[]string{"--notify-url", "ftp://example.com/x"}, "--notify-url"},
		{[]string{"--redirect-url", "http://localhost:1234/callback"}, "--redirect-url"},
		{[]string{"--addr", "256.1.1.1:80"}, "choose another address with --addr"},
		{[]string{"--addr", "127.0.0.1:0", "--write-config", notConfig}, "is not a vitals configuration"},
		{[]string{"--patients", "-1"}, "--patients -1: want 0"},
		{[]string{"--patients", "100001"}, "--patients 100001: want 0 (the one sandbox patient) to 100000"},
		{[]string{"--history", "0d"}, `--history "0d": want from 1 day to 10 years`},
		{[]string{"--history", "11y"}, `--history "11y": want from 1 day to 10 years`},
		{[]string{"--history", "soon"}, `--history "soon": want a number of days`},
		{[]string{"--latency", "-1s"}, "--latency -1s"},
		{[]string{"--latency", "fast"}, `invalid argument "fast" for "--latency"`},
	}
	for _, tt := range tests {
		ctx, stop := context.WithCancel(context.Background())
		r := e.start(t, ctx, append([]string{"sandbox"}, tt.args...)...)
		err := r.wait(t)
		stop()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want %q", tt.args, err, tt.want)
		}
	}
}

// --patients, --history, --seed and --latency reach the servers: the
// command's patients are the ones sandbox.New makes with the same options.
func TestSandboxCommandPatients(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := linkEnv{cfgPath: filepath.Join(dir, "plain.toml"), db: filepath.Join(dir, "vitals.db")}
	if err := config.Write(e.cfgPath, config.Default()); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	r := e.start(t, ctx, "sandbox", "--addr", "127.0.0.1:0", "--patients", "3", "--history", "2w", "--seed", "9", "--latency", "5ms")
	r.waitFor(t, regexp.MustCompile(`Press Ctrl-C to stop`))
	out := r.out.String()
	base := regexp.MustCompile(`serving on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(out)
	if base == nil {
		t.Fatalf("no address in:\n%s", out)
	}
	want, err := sandbox.New(sandbox.Options{Patients: 3, Seed: 9, HistoryDays: 14})
	if err != nil {
		t.Fatal(err)
	}
	ps := want.Patients()
	for _, line := range []string{
		"seeded         3 from seed 9, 14 days of readings each",
		"Omron          patient-0000@sandbox.example ... patient-0002@sandbox.example",
		"1upHealth      patient-0000 ... patient-0002 (oneup_user_id 251 ... 253)",
		"sign-in        patient-0000@sandbox.example, password " + ps[0].Omron.Password + " (Omron user id " + ps[0].Omron.ID + "), or any of 3 patients",
		"latency        5ms before every vendor request",
		base[1] + sandbox.PatientsPath,
	} {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q:\n%s", line, out)
		}
	}
	resp, err := http.Get(base[1] + sandbox.PatientsPath)
	if err != nil {
		t.Fatal(err)
	}
	var listed struct {
		Patients []struct {
			Omron struct{ ID, Email, Password string }
			OneUp struct {
				ID      int64 `json:"oneup_user_id"`
				Systems []int `json:"systems"`
			}
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&listed)
	resp.Body.Close()
	if err != nil || len(listed.Patients) != 3 {
		t.Fatalf("%s: %v %+v", sandbox.PatientsPath, err, listed)
	}
	for i, p := range listed.Patients {
		w := ps[i]
		if p.Omron.ID != w.Omron.ID || p.Omron.Email != w.Omron.Email || p.Omron.Password != w.Omron.Password || p.OneUp.ID != w.OneUp.ID || fmt.Sprint(p.OneUp.Systems) != fmt.Sprint(w.OneUp.Systems) {
			t.Errorf("patient %d is %+v, sandbox.New makes %+v %+v", i, p, w.Omron, w.OneUp)
		}
	}
	stop()
	if err := r.wait(t); err != nil {
		t.Fatalf("interrupted: %v", err)
	}
}
