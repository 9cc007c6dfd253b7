// Package sync is the background engine that keeps the database current:
// one worker per linked account, on a schedule, on demand, and on
// provider notifications. It publishes typed progress events that the
// dashboard and the headless commands subscribe to.
//
// The package's name shadows the standard library's; inside it the
// standard one is imported as gosync.
package sync

import (
	"time"

	"vitals/store"
)

// EventKind says what happened.
type EventKind int

const (
	// Started: a sync round of an account began.
	Started EventKind = iota
	// PageStored: a page of a stream was committed with its cursor.
	PageStored
	// Waiting: the worker pauses, for a rate limit (RateLimited) or a back-off
	// after a temporary failure, until Until.
	Waiting
	// Finished: the round ended well.
	Finished
	// Failed: the round gave up; Err says why. The next round tries again.
	Failed
	// NeedsRelink: the provider refused the account's credentials; the
	// account's worker stopped until it is linked again.
	NeedsRelink
	// TookOver: this hub took the account's lease over from TakenFrom,
	// whose lease had run out (it stopped without handing it back).
	TookOver
)

func (k EventKind) String() string {
	switch k {
	case Started:
		return "started"
	case PageStored:
		return "page stored"
	case Waiting:
		return "waiting"
	case Finished:
		return "finished"
	case Failed:
		return "failed"
	case NeedsRelink:
		return "needs relinking"
	case TookOver:
		return "took over"
	}
	return "unknown"
}

// Event is one step of a sync, as subscribers see it.
type Event struct {
	Kind      EventKind
	At        time.Time
	AccountID int64
	ProfileID int64
	Provider  store.Provider
	Account   string // the account's title, for display
	Stream    string // PageStored, Waiting: the stream concerned

	// PageStored: what the page did. Finished: the round's totals. Held
	// counts readings of measurements already held through another route
	// (a file's copy): stored as one more provenance, counted once, and
	// possibly now the record shown.
	Added, Held, Updated, Unchanged int

	// Waiting: when the pause ends, and whether the server asked for it.
	Until       time.Time
	RateLimited bool

	// Failed, NeedsRelink, Waiting: why. Never carries a secret.
	Err error

	// Trigger says why the round runs (every event of a round carries it).
	Trigger Trigger
	// Pages: PageStored, the pages this round has stored so far;
	// Finished, Failed, NeedsRelink: the round's total.
	Pages int
	// Notified: Finished, when the round served a notification, the
	// earliest such notification's arrival (at this hub, or at the hub
	// that handed it over), for the notification-to-stored lag.
	Notified time.Time
	// TakenFrom: TookOver, the hub whose lease had run out.
	TakenFrom string

	// Dropped counts the events this subscriber missed just before this
	// one because its buffer was full (see Engine.Subscribe).
	Dropped int
}

// Trigger is why a round runs.
type Trigger int

const (
	// Scheduled: the account's interval passed.
	Scheduled Trigger = iota
	// Manual: someone asked (the dashboard's key, vitals sync).
	Manual
	// Notification: the provider said it has new data; only the notified
	// streams are fetched, from a day before the notification.
	Notification
	// CatchUp: the daily pull of a notified account, for notifications
	// that never arrived.
	CatchUp
)

func (t Trigger) String() string {
	switch t {
	case Scheduled:
		return "scheduled"
	case Manual:
		return "manual"
	case Notification:
		return "notification"
	case CatchUp:
		return "catch-up"
	}
	return "unknown"
}
