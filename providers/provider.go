// Package providers defines what a source of readings is (a Source that
// fetches a linked account's readings page by page) and the plumbing the
// vendor clients share: error classes the sync engine branches on, HTTP
// response classification, retry with backoff, OAuth credentials that
// refresh and save themselves, and the loopback redirect used to link an
// account in a browser.
package providers

import (
	"context"
	"time"

	"vitals/health"
)

// Stream names one incremental feed of an account: a measurement type for
// Omron, a FHIR search for 1upHealth. Each stream has its own cursor.
type Stream string

// Page is one page of a stream.
type Page struct {
	Batch health.Batch
	// Cursor is the stream's position after this page. The engine stores
	// it in the same transaction as the page's readings, and passes it back
	// to Fetch to continue.
	Cursor string
	// More is true when another page follows at once; false when the
	// stream is caught up for now.
	More bool
	// Ignored counts what the page carried that vitals does not map
	// (unknown codes, other resource types), by a short description.
	Ignored map[string]int
}

// Source fetches one linked account's readings. A Source is used by one
// worker at a time.
type Source interface {
	// Streams lists the account's streams in the order a sync walks them.
	Streams() []Stream
	// Fetch returns the page that follows cursor ("" for a stream never
	// synced). It makes at most one request to the provider's data API,
	// plus a token refresh when one is due, and never retries: retrying is
	// the caller's decision (see Retry).
	Fetch(ctx context.Context, stream Stream, cursor string) (Page, error)
}

// Rewinder is a Source whose provider sends notifications of new data. It
// turns a stream's cursor into one that fetches from a given day on.
type Rewinder interface {
	Rewind(stream Stream, cursor string, from time.Time) string
}

// Coverage is a Rewinder that can say how far a stored cursor has read its
// stream: the day of the newest data it has seen (false for a cursor it
// cannot read). The sync engine rewinds such a stream to no earlier than
// its look-back before that day, whatever a notification asks, so a
// forged or confused notification cannot make it walk the whole history
// again.
type Coverage interface {
	Covered(stream Stream, cursor string) (time.Time, bool)
}
