package clocktest_test

import (
	"sync"
	"testing"
	"time"

	"vitals/clocktest"
)

func TestClockStandsStillUntilAdvanced(t *testing.T) {
	start := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
	c := clocktest.New(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now = %v, want %v", got, start)
	}
	if got := c.Now(); !got.Equal(start) {
		t.Errorf("Now moved by itself: %v", got)
	}
	c.Advance(90 * time.Minute)
	if got, want := c.Now(), start.Add(90*time.Minute); !got.Equal(want) {
		t.Errorf("after Advance(90m): %v, want %v", got, want)
	}
	c.Advance(-time.Hour)
	if got, want := c.Now(), start.Add(30*time.Minute); !got.Equal(want) {
		t.Errorf("after Advance(-1h): %v, want %v", got, want)
	}
}

// TestClockConcurrentUse is for the race detector: servers under test read
// the clock while the test moves it.
func TestClockConcurrentUse(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := clocktest.New(start)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got, want := c.Now(), start.Add(800*time.Second); !got.Equal(want) {
		t.Errorf("after 800 advances of 1s: %v, want %v", got, want)
	}
}
