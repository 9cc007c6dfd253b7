// Package clocktest provides a fake clock for tests.
//
// A test hands Clock.Now to the code under test in place of time.Now and
// moves time on with Advance, so that expiries and schedules are reached
// without waiting. Servers under test read the clock from their own
// goroutines, so a Clock is safe for concurrent use.
package clocktest

import (
	"sync"
	"time"
)

// Clock is a time source that stands still until it is moved.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock that reads t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time. Its method value has the type of
// time.Now, so it can be passed wherever a clock function is taken.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d (back, when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
