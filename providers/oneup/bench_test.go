package oneup_test

import (
	"testing"

	"vitals/providers/oneup/oneupsim"
)

// BenchmarkSync compares a first sync of a device and a health system
// (every page) with a sync that finds nothing new (one request a stream),
// over loopback HTTP into SQLite.
func BenchmarkSync(b *testing.B) {
	e := newEnv(b, oneupsim.Options{})
	acct := e.link(oneupsim.Withings, oneupsim.EpicTestSite)
	src := e.source(acct)
	b.Run("first", func(b *testing.B) {
		reqs := 0
		for b.Loop() {
			if err := e.db.ResetCursors(e.ctx, acct.ID); err != nil {
				b.Fatal(err)
			}
			e.sim.ResetRequests()
			e.syncAll(src, acct)
			for _, n := range e.sim.Requests() {
				reqs += n
			}
		}
		b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
	})
	b.Run("caught-up", func(b *testing.B) {
		e.syncAll(src, acct)
		reqs := 0
		for b.Loop() {
			e.sim.ResetRequests()
			e.syncAll(src, acct)
			for _, n := range e.sim.Requests() {
				reqs += n
			}
		}
		b.ReportMetric(float64(reqs)/float64(b.N), "requests/op")
	})
}
