package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"vitals/providers/oneup/oneupsim"
	"vitals/sandbox"
)

// The benchmarks serve the sandbox's handler in process: what they
// measure is the servers' own cost per request, which is what must not
// grow with the number of patients (loopback HTTP would add the same
// cost to every request whatever N).

// benchSandbox is a seeded sandbox with a token for every patient of
// both servers, and every patient's history made (steady state).
type benchSandbox struct {
	sb     *sandbox.Sandbox
	omron  []string // access tokens, patient i's at i
	oneup  []string
	warmup time.Duration // making every history, through first requests
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func form(method, target string, f url.Values) *http.Request {
	req := httptest.NewRequest(method, target, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func newBenchSandbox(tb testing.TB, n int) *benchSandbox { return newBenchSandboxOf(tb, n, n) }

// newBenchSandboxOf is a sandbox of n patients with tokens for the first
// k, their histories made.
func newBenchSandboxOf(tb testing.TB, n, k int) *benchSandbox {
	tb.Helper()
	sb, err := sandbox.New(sandbox.Options{Patients: n, Seed: 1, OneUpUserLimit: -1, OneUp: func(o *oneupsim.Options) { o.DataDelay = 0 }})
	if err != nil {
		tb.Fatal(err)
	}
	b := &benchSandbox{sb: sb}
	for _, p := range sb.Patients()[:k] {
		w := serve(sb, form("POST", "/omron/connect/authorize", url.Values{
			"client_id": {sandbox.ClientID}, "response_type": {"code"}, "redirect_uri": {omronRedirect},
			"scope":    {"bloodpressure activity weight temperature oxygen openid offline_access"},
			"decision": {"approve"}, "email": {p.Omron.Email}, "password": {p.Omron.Password},
		}))
		loc, _ := url.Parse(w.Header().Get("Location"))
		w = serve(sb, form("POST", "/omron/connect/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {sandbox.ClientID},
			"client_secret": {sandbox.ClientSecret}, "redirect_uri": {omronRedirect}, "code": {loc.Query().Get("code")}}))
		b.omron = append(b.omron, field(tb, w, "access_token"))

		creds := url.Values{"client_id": {sandbox.OneUpClientID}, "client_secret": {sandbox.OneUpClientSecret}, "app_user_id": {p.OneUp.AppUserID}}
		w = serve(sb, form("POST", "/oneup/user-management/v1/user/auth-code", creds))
		creds.Set("code", field(tb, w, "code"))
		creds.Set("grant_type", "authorization_code")
		w = serve(sb, form("POST", "/oneup/oauth2/token", creds))
		b.oneup = append(b.oneup, field(tb, w, "access_token"))
	}
	start := time.Now()
	for i := range k {
		b.omronPage(tb, i)
		b.oneupPage(tb, i)
	}
	b.warmup = time.Since(start)
	return b
}

func field(tb testing.TB, w *httptest.ResponseRecorder, name string) string {
	tb.Helper()
	m := map[string]any{}
	if err := jsonDecode(w.Body.String(), &m); err != nil || m[name] == nil {
		tb.Fatalf("no %s in %d %s", name, w.Code, w.Body)
	}
	return m[name].(string)
}

// omronPage is the first page of a blood-pressure walk, as vitals' first
// sync of an account asks for it. It returns the readings on it.
func (b *benchSandbox) omronPage(tb testing.TB, i int) int {
	req := form("POST", "/omron/api/measurement", url.Values{"type": {"bloodpressure"}, "since": {"2000-01-01"}, "limit": {"100"}, "sortOrder": {"asc"}})
	req.Header.Set("Authorization", "Bearer "+b.omron[i])
	w := serve(b.sb, req)
	if w.Code != 200 {
		tb.Fatalf("omron page: %d", w.Code)
	}
	return strings.Count(w.Body.String(), `"systolic"`)
}

// oneupPage is the first page of vitals' search for heart rates (every
// system but the thermometer's makes some). It returns the resources on it.
func (b *benchSandbox) oneupPage(tb testing.TB, i int) int {
	req := httptest.NewRequest("GET", "/oneup/r4/Observation?_count=100&code="+url.QueryEscape("http://loinc.org|8867-4,urn:iso:std:iso:11073:10101|149546"), nil)
	req.Header.Set("Authorization", "Bearer "+b.oneup[i])
	w := serve(b.sb, req)
	if w.Code != 200 {
		tb.Fatalf("oneup page: %d %s", w.Code, w.Body)
	}
	return strings.Count(w.Body.String(), `"fullUrl"`)
}

var benchCache = struct {
	mu gosync.Mutex
	m  map[int]*benchSandbox
}{m: map[int]*benchSandbox{}}

// cachedBenchSandbox makes each population once per run of the benchmarks.
func cachedBenchSandbox(tb testing.TB, n int) *benchSandbox {
	benchCache.mu.Lock()
	defer benchCache.mu.Unlock()
	if b := benchCache.m[n]; b != nil {
		return b
	}
	b := newBenchSandbox(tb, n)
	benchCache.m[n] = b
	return b
}

// BenchmarkDataRequests is requests a second for first pages of many
// accounts at once (GOMAXPROCS goroutines, accounts taken in turn), with
// one patient and with 2,000: the rate should not depend on N.
//
//	go test ./sandbox -run XXX -bench DataRequests -benchtime 3s
func BenchmarkDataRequests(b *testing.B) {
	for _, provider := range []string{"omron", "oneup"} {
		for _, n := range []int{1, 2000} {
			b.Run(fmt.Sprintf("%s/patients=%d", provider, n), func(b *testing.B) {
				bs := cachedBenchSandbox(b, n)
				var next atomic.Int64
				b.ResetTimer()
				cpu := cpuTime()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := int(next.Add(1)) % n
						if provider == "omron" {
							bs.omronPage(b, i)
						} else {
							bs.oneupPage(b, i)
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
				// The machine may be shared: the process's CPU time per
				// request is the figure other work does not change.
				b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/req")
			})
		}
	}
}

// BenchmarkPopulation is what a population costs: starting the sandbox,
// then making every patient's history on both servers through one first
// request each, and the heap that holds them.
//
//	go test ./sandbox -run XXX -bench Population -benchtime 1x
func BenchmarkPopulation(b *testing.B) {
	for _, n := range []int{2000, 10000} {
		b.Run(fmt.Sprintf("patients=%d", n), func(b *testing.B) {
			for b.Loop() {
				runtime.GC()
				var before, started, after runtime.MemStats
				runtime.ReadMemStats(&before)
				t0 := time.Now()
				sb, err := sandbox.New(sandbox.Options{Patients: n, Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				start := time.Since(t0)
				runtime.GC()
				runtime.ReadMemStats(&started)
				cpu := cpuTime()
				bs := newBenchSandbox(b, n)
				cpu = cpuTime() - cpu
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(start.Milliseconds()), "start-ms")
				b.ReportMetric(float64(started.HeapAlloc-before.HeapAlloc)/1e6, "start-MB")
				b.ReportMetric(bs.warmup.Seconds(), "all-made-s")
				// Tokens for everyone, then every history: CPU time, which
				// a shared machine does not stretch as it does the clock.
				b.ReportMetric(cpu.Seconds(), "all-cpu-s")
				b.ReportMetric(float64(after.HeapAlloc-started.HeapAlloc)/1e6, "all-made-MB")
				runtime.KeepAlive(sb)
				runtime.KeepAlive(bs)
			}
		})
	}
}

func jsonDecode(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// BenchmarkCostVersusPatients compares the CPU time of one request in a
// sandbox of one patient and of 2,000, in rounds that take turns (so that
// other work on a shared machine weighs on both alike):
//
//   - same: patient 0's first page in both, which would show any work
//     that grows with the number of patients (a scan, a list);
//   - all: the 2,000 patients' first pages in turn against patient 0's
//     alone, which adds what a large heap costs (cache misses, the
//     garbage collector's marking), per resource served since patients'
//     pages differ in size.
//
// The ratios are 2,000 over 1: 1 means no growth.
//
//	go test ./sandbox -run XXX -bench CostVersusPatients -benchtime 100x
func BenchmarkCostVersusPatients(b *testing.B) {
	one, many := cachedBenchSandbox(b, 1), cachedBenchSandbox(b, 2000)
	type cost struct {
		cpu     time.Duration
		entries int
	}
	const perRound = 40
	run := func(bs *benchSandbox, provider string, pick func(int) int, c *cost) {
		var wg gosync.WaitGroup
		var entries atomic.Int64
		start := cpuTime()
		for w := range 2 {
			wg.Go(func() {
				for k := w; k < perRound; k += 2 {
					if provider == "omron" {
						entries.Add(int64(bs.omronPage(b, pick(k))))
					} else {
						entries.Add(int64(bs.oneupPage(b, pick(k))))
					}
				}
			})
		}
		wg.Wait()
		c.cpu += cpuTime() - start
		c.entries += int(entries.Load())
	}
	first := func(int) int { return 0 }
	var turn int
	all := func(k int) int { return (turn*perRound + k) % 2000 }
	costs := map[string]*cost{}
	for _, k := range []string{"omron/1", "omron/2000/same", "omron/2000/all", "oneup/1", "oneup/2000/same", "oneup/2000/all"} {
		costs[k] = &cost{}
	}
	for b.Loop() {
		for _, p := range []string{"omron", "oneup"} {
			run(one, p, first, costs[p+"/1"])
			run(many, p, first, costs[p+"/2000/same"])
			run(many, p, all, costs[p+"/2000/all"])
		}
		turn++
	}
	per := func(k string) float64 { return float64(costs[k].cpu) / float64(b.N*perRound) }
	perEntry := func(k string) float64 { return float64(costs[k].cpu) / float64(max(costs[k].entries, 1)) }
	for _, p := range []string{"omron", "oneup"} {
		b.ReportMetric(per(p+"/1")/1e3, p+"-1-cpu-µs/req")
		b.ReportMetric(per(p+"/2000/same")/per(p+"/1"), p+"-same-ratio")
		b.ReportMetric(perEntry(p+"/2000/all")/perEntry(p+"/1"), p+"-all-ratio/entry")
	}
}
