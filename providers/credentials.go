package providers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	gosync "sync"
	"time"
)

// Token is what vitals keeps of an account's OAuth grant. It never prints
// its secrets: every fmt verb shows only whether each is set.
type Token struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	// RefreshSent is when RefreshToken was sent to be rotated and no
	// answer has been saved since: a process that died in between may
	// have been given the new token and lost it (Credentials).
	RefreshSent time.Time `json:"refresh_sent,omitzero"`
	// RefreshUnanswered says the process that sent it saw the refresh
	// fail without an answer (a dropped connection, a timeout): the
	// provider may or may not have rotated the token.
	RefreshUnanswered bool `json:"refresh_unanswered,omitempty"`
}

func (t Token) String() string {
	return fmt.Sprintf("Token{access:%s refresh:%s expiry:%s}", redacted(t.AccessToken), redacted(t.RefreshToken), t.Expiry.Format(time.RFC3339))
}

// GoString keeps %#v from printing the fields.
func (t Token) GoString() string { return t.String() }

// Format prints String whatever the verb: without it %d or %x would walk
// the fields and print the tokens.
func (t Token) Format(f fmt.State, verb rune) { FormatMasked(f, verb, t.String()) }

// FormatMasked writes masked, the printable form of a value that holds
// secrets, for any fmt verb (%q quotes it). A type's Format method calls
// it so that no verb ever reaches the type's fields: String and GoString
// alone leave %d and %x walking them.
func FormatMasked(f fmt.State, verb rune, masked string) {
	if verb == 'q' {
		masked = strconv.Quote(masked)
	}
	io.WriteString(f, masked)
}

// MaskSecret is how a configuration prints a secret: "[set]" when it is
// set, "" when it is not.
func MaskSecret(s string) string {
	if s == "" {
		return ""
	}
	return "[set]"
}

func redacted(s string) string {
	if s == "" {
		return "none"
	}
	return "set"
}

// maxLifetime is the longest access-token lifetime believed. A longer
// expires_in (or one beyond time.Duration, which would wrap round into the
// past and make every use refresh) is read as no expiry at all.
const maxLifetime = 366 * 24 * time.Hour

// ExpiryIn returns when a token that a provider says lives seconds
// (expires_in) expires, counted from now: zero, "use it until an API
// refuses it", when seconds is not a positive, believable lifetime.
func ExpiryIn(now time.Time, seconds float64) time.Time {
	if !(seconds > 0) || seconds > maxLifetime.Seconds() { // !(>) also catches NaN
		return time.Time{}
	}
	return now.Add(time.Duration(seconds * float64(time.Second)))
}

// expiryLeeway refreshes a token this long before it expires, so a request
// never goes out with a token about to die.
const expiryLeeway = time.Minute

// fresh reports whether the access token can be used at now.
func (t Token) fresh(now time.Time) bool {
	return t.AccessToken != "" && (t.Expiry.IsZero() || now.Add(expiryLeeway).Before(t.Expiry))
}

// SecretStore keeps an account's serialised credentials (*store.DB does).
type SecretStore interface {
	LoadSecret(ctx context.Context, accountID int64) ([]byte, error)
	SaveSecret(ctx context.Context, accountID int64, secret []byte) error
}

// RefreshLocker serialises an account's token refreshes across processes
// sharing one store (the hubs of a clinic's PostgreSQL database). A
// SecretStore that implements it (*store.DB does) is locked around every
// refresh, and the token is read again under the lock: a rotating refresh
// token another process has just spent is never spent twice.
type RefreshLocker interface {
	LockRefresh(ctx context.Context, accountID int64) (unlock func(), err error)
}

// RefreshRefused reports whether a token endpoint's error refuses the
// grant itself, so that only linking the account again helps (RFC 6749
// §5.2): a 400 invalid_grant (refresh token expired, revoked or already
// rotated away), or a 401 other than invalid_client. invalid_client and
// other 400s say the configuration or the request is wrong: linking again
// would fail the same way.
func RefreshRefused(err error) bool {
	var se *StatusError
	if !errors.As(err, &se) || se.Code == "invalid_client" {
		return false
	}
	return se.StatusCode == http.StatusUnauthorized ||
		se.StatusCode == http.StatusBadRequest && se.Code == "invalid_grant"
}

// RefreshFunc asks the provider for a new token. It returns an error
// matching ErrNeedsRelink when the provider refuses the refresh token.
type RefreshFunc func(ctx context.Context, refreshToken string) (Token, error)

// Credentials keep one account's token usable: loaded from the store,
// refreshed shortly before it expires or when an API refuses it, and saved
// at once after every refresh, because refresh tokens rotate and the old
// one stops working. One refresh runs at a time; a caller that finds the
// token already replaced by another uses the new one instead of refreshing
// again. Safe for concurrent use.
type Credentials struct {
	store     SecretStore
	accountID int64
	refresh   RefreshFunc
	now       func() time.Time

	mu  gosync.Mutex
	tok *Token
}

// NewCredentials returns the credentials of an account.
func NewCredentials(s SecretStore, accountID int64, refresh RefreshFunc) *Credentials {
	return &Credentials{store: s, accountID: accountID, refresh: refresh, now: time.Now}
}

// Save stores a token, as linking does with the first one.
func (c *Credentials) Save(ctx context.Context, t Token) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.save(ctx, t)
}

func (c *Credentials) save(ctx context.Context, t Token) error {
	data, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode token: %w", err)
	}
	if err := c.store.SaveSecret(ctx, c.accountID, data); err != nil {
		return err
	}
	c.tok = &t
	return nil
}

func (c *Credentials) load(ctx context.Context) (Token, error) {
	data, err := c.store.LoadSecret(ctx, c.accountID)
	if err != nil {
		return Token{}, err
	}
	var t Token
	if err := json.Unmarshal(data, &t); err != nil {
		// Not wrapped: the decoder's message can quote the bytes it
		// choked on, which are the tokens.
		return Token{}, fmt.Errorf("stored credentials of account %d do not decode: %w", c.accountID, ErrNeedsRelink)
	}
	return t, nil
}

// Token returns a usable token, refreshing it first when it is about to
// expire.
func (c *Credentials) Token(ctx context.Context) (Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != nil && c.tok.fresh(c.now()) {
		return *c.tok, nil
	}
	// Another process (a dashboard beside `vitals sync`) may have
	// refreshed it: look in the store before spending a refresh.
	t, err := c.load(ctx)
	if err != nil {
		return Token{}, err
	}
	c.tok = &t
	if t.fresh(c.now()) {
		return t, nil
	}
	return c.refreshLocked(ctx, t)
}

// Refresh replaces a token an API refused. rejected is the access token
// that was refused: when the stored token is already a different one,
// another caller has refreshed and that token is returned instead.
func (c *Credentials) Refresh(ctx context.Context, rejected string) (Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.load(ctx)
	if err != nil {
		return Token{}, err
	}
	c.tok = &t
	if t.AccessToken != rejected && t.fresh(c.now()) {
		return t, nil
	}
	return c.refreshLocked(ctx, t)
}

// refreshWait bounds a refresh once it is under way. The refresh and the
// save of its answer run to the end even when the caller gives up (a
// SIGTERM drain, a cancelled round): a rotating provider has spent the old
// refresh token as soon as it reads the request, so an answer not saved is
// a grant lost.
const refreshWait = time.Minute

func (c *Credentials) refreshLocked(ctx context.Context, old Token) (Token, error) {
	if l, ok := c.store.(RefreshLocker); ok {
		unlock, err := l.LockRefresh(ctx, c.accountID)
		if err != nil {
			return Token{}, err
		}
		defer unlock()
		// Another process may have refreshed while this one waited: its
		// token is the one to use, and old's refresh token is spent.
		cur, err := c.load(ctx)
		if err != nil {
			return Token{}, err
		}
		c.tok = &cur
		if (cur.AccessToken != old.AccessToken || cur.RefreshToken != old.RefreshToken) && cur.fresh(c.now()) {
			return cur, nil
		}
		old = cur // with the mark of a refresh another process left unfinished
	}
	if old.RefreshToken == "" {
		return Token{}, fmt.Errorf("no refresh token stored: %w", ErrNeedsRelink)
	}
	if err := ctx.Err(); err != nil { // nothing sent yet: giving up costs nothing
		return Token{}, err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshWait)
	defer cancel()
	// Mark the token as sent before sending it: a rotating provider
	// spends it as soon as it reads the request, and a process killed
	// before saving the answer has taken the new token with it.
	if sent := old.RefreshSent; !sent.IsZero() {
		when := sent.UTC().Format(time.RFC3339)
		if !old.RefreshUnanswered {
			// The sender stopped mid-refresh: the token is most likely
			// spent, and a rotated token is never presented twice (a
			// provider may read a second use as a stolen token).
			return Token{}, fmt.Errorf("%w (sent %s; not sent again): %w", ErrRefreshLost, when, ErrNeedsRelink)
		}
		// The sender saw the refresh fail without an answer: sending it
		// again is the only way to keep the grant if it never arrived.
		t, err := c.rotate(ctx, old)
		if errors.Is(err, ErrNeedsRelink) {
			return Token{}, fmt.Errorf("%w (sent %s): %w", ErrRefreshLost, when, err)
		}
		return t, err
	}
	marked := old
	marked.RefreshSent = c.now()
	if err := c.save(ctx, marked); err != nil {
		return Token{}, fmt.Errorf("mark the refresh as sent: %w", err)
	}
	return c.rotate(ctx, marked)
}

// rotate spends old's refresh token and saves what the provider answers.
func (c *Credentials) rotate(ctx context.Context, old Token) (Token, error) {
	t, err := c.refresh(ctx, old.RefreshToken)
	switch {
	case errors.Is(err, ErrNeedsRelink):
		// The provider answered: the token is dead and the mark has
		// nothing more to say. Linking again replaces it anyway.
		old.RefreshSent, old.RefreshUnanswered = time.Time{}, false
		c.save(ctx, old)
		return Token{}, err
	case err != nil:
		// Still marked: whoever refreshes next may send it again.
		old.RefreshUnanswered = true
		c.save(ctx, old)
		return Token{}, err
	}
	if t.RefreshToken == "" { // the provider kept the old refresh token valid
		t.RefreshToken = old.RefreshToken
	}
	t.RefreshSent, t.RefreshUnanswered = time.Time{}, false
	if err := c.save(ctx, t); err != nil {
		return Token{}, fmt.Errorf("save refreshed token: %w", err)
	}
	return t, nil
}

// Do sends the request newReq builds around a usable access token. On a
// 401 it refreshes once and sends again; a second 401 is ErrNeedsRelink.
// It returns a 2xx response for the caller to read and close, or an error
// classified by Classify.
func (c *Credentials) Do(ctx context.Context, client *http.Client, op string, newReq func(ctx context.Context, accessToken string) (*http.Request, error)) (*http.Response, error) {
	t, err := c.Token(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for attempt := 0; ; attempt++ {
		req, err := newReq(ctx, t.AccessToken)
		if err != nil {
			// Classify keeps the URL, which may carry a secret, out.
			return nil, Classify(op+": build the request", nil, err)
		}
		resp, err := client.Do(req)
		err = Classify(op, resp, err)
		if err == nil {
			return resp, nil
		}
		if !errors.Is(err, ErrUnauthorized) {
			return nil, err
		}
		if attempt > 0 {
			return nil, fmt.Errorf("%s: refreshed token refused too: %w", op, ErrNeedsRelink)
		}
		if t, err = c.Refresh(ctx, t.AccessToken); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
}
