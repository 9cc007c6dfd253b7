package sync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"vitals/providers/omron"
	"vitals/providers/omron/omronsim"
	"vitals/providers/oneup/oneupsim"
	"vitals/sandbox"
	"vitals/store"
	"vitals/sync"
)

// minRequests is the fewest data requests that can deliver n items of one
// stream at pageSize a page: a stream with nothing still costs one.
func minRequests(n, pageSize int) int { return max(1, (n+pageSize-1)/pageSize) }

// minimumTransport counts, for every FHIR search that starts a walk (no
// _after cursor yet), the fewest pages its Bundle.total allows at the
// request's _count: the minimum number of requests the 1upHealth streams
// could have made for the data they found.
type minimumTransport struct {
	next http.RoundTripper
	mu   gosync.Mutex
	min  int
}

func (t *minimumTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	q := req.URL.Query()
	if err != nil || resp.StatusCode != 200 || !strings.Contains(req.URL.Path, "/r4/") || q.Has("_after") {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var b struct {
		Total *int `json:"total"`
	}
	count, _ := strconv.Atoi(q.Get("_count"))
	if json.Unmarshal(body, &b) == nil && b.Total != nil && count > 0 {
		t.mu.Lock()
		t.min += minRequests(*b.Total, count)
		t.mu.Unlock()
	}
	return resp, nil
}

func (t *minimumTransport) take() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.min
	t.min = 0
	return n
}

// omronMinimum is the minimum for every Omron patient's every type at the
// client's page size.
func omronMinimum(sb *sandbox.Sandbox) int {
	n := 0
	for _, p := range sb.Omron.Patients() {
		for _, t := range omron.Types {
			n += minRequests(sb.Omron.Count(p.ID, string(t)), omron.DefaultPageSize)
		}
	}
	return n
}

// linkedTemplate links accounts with link in a database file that each
// benchmark iteration copies, so iterations sync from scratch without
// linking again (the tokens outlive the benchmark).
func linkedTemplate(b *testing.B, link func(db *store.DB)) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "template.db")
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	link(db)
	if err := db.Close(); err != nil { // checkpoints the WAL into the file
		b.Fatal(err)
	}
	return path
}

func copyFile(b *testing.B, from, to string) {
	b.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		b.Fatal(err)
	}
}

// benchSync syncs every account of a fresh copy of template per iteration
// and reports readings stored per second, the data requests made, the
// fewest the data allows at the clients' page sizes, and their ratio.
func benchSync(b *testing.B, sb *sandbox.Sandbox, template string, opt sync.Options) {
	cfg := sb.Config("")
	minimum := &minimumTransport{next: &http.Transport{MaxIdleConnsPerHost: 64}}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: minimum}
	omronMin := omronMinimum(sb)
	dir := b.TempDir()
	var stored, requests, least int
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		path := filepath.Join(dir, fmt.Sprintf("run-%d.db", i))
		copyFile(b, template, path)
		db, err := store.Open(context.Background(), path, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		accts, err := db.Accounts(context.Background(), 0)
		if err != nil {
			b.Fatal(err)
		}
		e := sync.New(db, sourcesFor(cfg, db, hc, 0), opt)
		before := dataRequests(sb)
		minimum.take()
		b.StartTimer()
		for _, out := range e.RunOnce(context.Background(), accts) {
			if out.Err != nil {
				b.Fatal(out.Err)
			}
			stored += out.Totals().Added
		}
		b.StopTimer()
		requests += dataRequests(sb) - before
		least += omronMin + minimum.take()
		db.Close()
		os.Remove(path)
		b.StartTimer()
	}
	b.ReportMetric(float64(stored)/b.Elapsed().Seconds(), "readings/s")
	b.ReportMetric(float64(stored)/float64(b.N), "readings/op")
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
	b.ReportMetric(float64(least)/float64(b.N), "min-requests/op")
	b.ReportMetric(float64(requests)/float64(least), "requests/min")
}

// BenchmarkSyncTwoYearsOnePatient: one patient's two years of Omron
// readings, and the 1upHealth records of two years of clinic visits and
// three months of a home monitor, scale and watch, through the real
// clients over loopback HTTP into SQLite.
func BenchmarkSyncTwoYearsOnePatient(b *testing.B) {
	sb := startSandbox(b, sandbox.Options{Seed: 3, OneUp: noDataDelay})
	cfg := sb.Config("")
	template := linkedTemplate(b, func(db *store.DB) {
		linkOmron(b, db, cfg.Omron, "me", sb.Omron.Patients()[0])
		linkOneUp(b, db, sb, cfg.OneUp, "me", oneupsim.EpicTestSite, oneupsim.Withings, oneupsim.Garmin)
	})
	benchSync(b, sb, template, sync.Options{})
}

// BenchmarkSyncThousandProfiles: 1,000 profiles, each with an Omron
// account holding a month of readings and a 1upHealth account with three
// months of a connected thermometer, synced at the engine's default
// concurrency and at 16 rounds at once.
func BenchmarkSyncThousandProfiles(b *testing.B) {
	const profiles = 1000
	sb := startSandbox(b, sandbox.Options{Seed: 5, OneUp: noDataDelay, Omron: func(o *omronsim.Options) {
		o.Patients = make([]omronsim.Patient, profiles)
		o.HistoryDays = 30
	}})
	cfg := sb.Config("")
	template := linkedTemplate(b, func(db *store.DB) {
		for i, p := range sb.Omron.Patients() {
			name := fmt.Sprintf("p-%04d", i+1)
			linkOmron(b, db, cfg.Omron, name, p)
			linkOneUp(b, db, sb, cfg.OneUp, name, oneupsim.Kinsa)
		}
	})
	for _, c := range []int{sync.DefaultConcurrency, 16} {
		b.Run(fmt.Sprintf("concurrency=%d", c), func(b *testing.B) {
			benchSync(b, sb, template, sync.Options{Concurrency: c})
		})
	}
}
