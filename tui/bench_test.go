package tui

import (
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkFrame draws one frame of the overview and the blood-pressure
// screen (30-day period, 120x36) on a database holding one month of
// readings and on one holding ten years (about 14,600 blood pressures,
// 3,650 days of activity and 3,500 weighings). The heavy work happens
// when the data loads; a frame lays out what fits the screen, so the two
// should cost about the same. The "all" period (ten years on one chart)
// shows that even a frame over every reading stays proportional to the
// screen: charts read prefix sums, tables format only the visible rows.
//
//	go test ./tui -run '^$' -bench Frame -benchmem
func BenchmarkFrame(b *testing.B) {
	for _, days := range []int{30, 3650} {
		fx := newFixtureAt(b, filepath.Join(b.TempDir(), "vitals.db"), days)
		for _, rng := range []Range{Range30d, RangeAll} {
			if rng == RangeAll && days == 30 {
				continue
			}
			fx.options.Range = rng
			m := loaded(b, fx, 120, 36)
			for _, tab := range []Tab{TabOverview, TabBP} {
				m.tab = tab
				b.Run(fmt.Sprintf("%s/%s/%ddays", tabNames[tab].flag, rng.Flag(), days), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						_ = m.View()
					}
				})
			}
		}
	}
}

// BenchmarkLoad is the other side: reading and computing a snapshot.
func BenchmarkLoad(b *testing.B) {
	for _, days := range []int{30, 3650} {
		fx := newFixtureAt(b, filepath.Join(b.TempDir(), "vitals.db"), days)
		m := loaded(b, fx, 120, 36)
		b.Run(fmt.Sprintf("30d/%ddays", days), func(b *testing.B) {
			for b.Loop() {
				if _, err := load(b.Context(), fx.db, m.query(), m.set); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSourceStats is the part of a reload that summarises every
// source: it walks the readings of all time, whatever the period.
func BenchmarkSourceStats(b *testing.B) {
	for _, days := range []int{30, 3650} {
		fx := newFixtureAt(b, filepath.Join(b.TempDir(), "vitals.db"), days)
		b.Run(fmt.Sprintf("%ddays", days), func(b *testing.B) {
			for b.Loop() {
				if _, err := fx.db.SourceStats(b.Context(), fx.me.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
