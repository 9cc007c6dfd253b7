package omron

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"vitals/health"
	"vitals/providers"
	"vitals/store"
)

// DefaultPageSize is the page size a Source asks for. Omron's maximum is
// not public; 100 keeps pages small enough to commit quickly.
const DefaultPageSize = 100

// firstSince is the since of a stream's first walk when Source.Start is
// zero: before any Omron cloud upload.
func firstSince() health.Date { return health.Date{Year: 2000, Month: time.January, Day: 1} }

// Source fetches a linked account's readings: one stream per measurement
// type, one request per page. It implements providers.Source and
// providers.Rewinder.
type Source struct {
	// PageSize is the limit sent with each request.
	PageSize int
	// Start is the since of a stream's first walk (2000-01-01 when zero).
	Start health.Date

	client  *Client
	creds   *providers.Credentials
	account store.Account
}

// NewSource returns the source of a linked account. Its tokens are loaded
// from secrets (the *store.DB), refreshed when due and saved at once.
func NewSource(cfg Config, secrets providers.SecretStore, acct store.Account, hc *http.Client) *Source {
	c := New(cfg, hc)
	return &Source{
		PageSize: DefaultPageSize,
		client:   c,
		creds:    providers.NewCredentials(secrets, acct.ID, c.Refresh),
		account:  acct,
	}
}

// Streams lists the five measurement types.
func (s *Source) Streams() []providers.Stream { return Streams() }

// cursor is where a stream stands, stored as JSON by the sync engine.
//
// A stream is read in walks: requests with one since, following the
// pagination key from page to page until a page comes without one. An
// interrupted walk resumes at its next page (Since and Key). A finished
// walk (Done) starts the next one from the day before the newest reading
// seen (Last): the API filters on the local date, a reading uploaded late
// may belong to that day, and readings already stored are deduplicated by
// their id. With nothing new, a caught-up stream costs one request.
type cursor struct {
	Since string `json:"since"`          // the walk's since, yyyy-MM-dd
	Key   string `json:"key,omitempty"`  // the walk's next page; "" for its first
	Last  string `json:"last,omitempty"` // newest local date seen, yyyy-MM-dd
	Done  bool   `json:"done,omitempty"` // the walk reached its last page
}

// parseCursor reads a stored cursor. An unreadable one (it is vitals' own
// encoding, so only a damaged database has one) starts the stream over:
// that costs requests, never readings.
func parseCursor(s string) cursor {
	var c cursor
	if s == "" || json.Unmarshal([]byte(s), &c) != nil {
		return cursor{}
	}
	if _, err := health.ParseDate(c.Since); err != nil {
		return cursor{}
	}
	if _, err := health.ParseDate(c.Last); c.Last != "" && err != nil {
		c.Last = ""
	}
	return c
}

func (c cursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// next is the since and key of the next request.
func (c cursor) next(start health.Date) (since health.Date, key string) {
	switch {
	case c.Since == "":
		return start, ""
	case !c.Done:
		d, _ := health.ParseDate(c.Since)
		return d, c.Key
	case c.Last != "":
		// The day before the newest reading, but never before the walk
		// just finished began: a cursor whose last is older than its
		// since (written by hand, or by an older vitals) would otherwise
		// send the stream back over days it has read.
		d, _ := health.ParseDate(c.Last)
		since, _ := health.ParseDate(c.Since)
		if d = d.AddDays(-1); d.Before(since) {
			return since, ""
		}
		return d, ""
	}
	d, _ := health.ParseDate(c.Since)
	return d, ""
}

// Fetch asks for the page that follows cursor: one measurement request,
// plus a token refresh when one is due.
func (s *Source) Fetch(ctx context.Context, stream providers.Stream, cur string) (providers.Page, error) {
	t, ok := ParseType(string(stream))
	if !ok {
		return providers.Page{}, fmt.Errorf("omron: no stream %q (want one of %v)", stream, Types)
	}
	c := parseCursor(cur)
	since, key := c.next(s.start())
	res, err := s.client.Measurements(ctx, s.creds, Query{Type: t, Since: since, Limit: s.PageSize, PaginationKey: key})
	if err != nil {
		return providers.Page{}, err
	}
	next := cursor{Since: since.String(), Last: c.Last}
	// Only readings of the days asked for move last: a page of older
	// ones (an answer that ignored since) must not pull back how far the
	// stream has read (Covered).
	if !res.Last.Before(since) && res.Last.After(lastDate(c.Last)) {
		next.Last = res.Last.String()
	}
	more := false
	switch {
	case res.PaginationKey != "" && res.PaginationKey != key:
		next.Key, more = res.PaginationKey, true
	case res.Truncated && res.Last.After(since):
		// Legacy paging: ask again from the last reading's date. The
		// overlap comes back and is deduplicated.
		next.Since, more = res.Last.String(), true
	default:
		// The last page; or a key that asks for this same page again,
		// which would walk in a circle for ever.
		next.Done = true
	}
	res.Batch.EachMeta(func(m *health.Meta) {
		m.AccountID, m.ProfileID = s.account.ID, s.account.ProfileID
	})
	return providers.Page{Batch: res.Batch, Cursor: next.String(), More: more, Ignored: res.Ignored}, nil
}

func lastDate(s string) health.Date {
	d, _ := health.ParseDate(s)
	return d
}

func (s *Source) start() health.Date {
	if s.Start.IsZero() {
		return firstSince()
	}
	return s.Start
}

// Rewind returns a cursor that fetches the stream from the local date of
// from on, as a notification asks (the caller passes one day before the
// notification's date: its time is server time, while since filters on
// the user's local date). It only ever moves a stream back: a cursor that
// would already start on or before that date is returned unchanged, so an
// initial walk under way is never cut short.
func (s *Source) Rewind(stream providers.Stream, cur string, from time.Time) string {
	c := parseCursor(cur)
	if c.Since == "" {
		return cur // never synced: its first walk reads everything
	}
	day := health.DateOf(from)
	since, _ := c.next(s.start())
	if !day.Before(since) {
		return cur
	}
	return cursor{Since: day.String(), Last: c.Last}.String()
}

// Compile-time checks that Source is what the sync engine expects.
var (
	_ providers.Source   = (*Source)(nil)
	_ providers.Rewinder = (*Source)(nil)
)
