package sync

import gosync "sync"

// DefaultEventBuffer is how many events a subscriber's channel holds.
const DefaultEventBuffer = 256

// bus fans events out to subscribers without ever waiting for one.
type bus struct {
	mu   gosync.Mutex
	subs map[*subscriber]struct{}
	size int
}

type subscriber struct {
	ch      chan Event
	dropped int
}

// Subscribe returns a channel of the engine's events, in the order they
// happened, and a function that ends the subscription and closes the
// channel.
//
// The engine never waits for a subscriber. A subscriber that lets its
// buffer (Options.EventBuffer) fill up misses the events that do not fit:
// they are dropped, and the next event it does receive counts them in
// Dropped. Losing a PageStored costs only a progress update, since
// Finished carries the round's totals; a subscriber that must know every
// account's state after a loss asks Status, and RunOnce returns each
// account's outcome whatever its subscribers saw.
func (e *Engine) Subscribe() (<-chan Event, func()) {
	return e.bus.subscribe()
}

func (b *bus) subscribe() (<-chan Event, func()) {
	s := &subscriber{ch: make(chan Event, b.size)}
	b.mu.Lock()
	if b.subs == nil {
		b.subs = map[*subscriber]struct{}{}
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	var once gosync.Once
	return s.ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, s)
			close(s.ch)
			b.mu.Unlock()
		})
	}
}

// publish hands ev to every subscriber that has room. Holding the lock
// while sending keeps every subscriber's events in one order; the sends
// never block.
func (b *bus) publish(ev Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		e := ev
		e.Dropped = s.dropped
		select {
		case s.ch <- e:
			s.dropped = 0
		default:
			s.dropped++
		}
	}
}
