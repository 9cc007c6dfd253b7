package providers

import (
	"bufio"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Errors of linking in a browser.
var (
	// ErrAccessDenied means the person declined access on the provider's page.
	ErrAccessDenied = errors.New("access was declined on the provider's page")
	// ErrNoAnswer means no redirect came back before the deadline.
	ErrNoAnswer = errors.New("no answer came back from the browser in time")
)

// Redirect waits for the browser to come back from a provider's
// authorization page. It listens on the redirect URL when that is a
// loopback http URL (binding 127.0.0.1 only, answering only on the
// callback path, and accepting exactly one request whose state matches),
// and it also reads redirected URLs pasted on Pasted, one per line, for
// redirect URIs that are not loopback or a browser on another machine.
type Redirect struct {
	URL   string // the registered redirect URL
	State string // the state sent with the authorization request
	// Pasted is optional: where a person pastes the redirected URL. A
	// read cannot be interrupted, so the goroutine reading it outlives
	// Wait until the reader ends: pass standard input only from a command
	// that exits after linking, never from a program that reads it later
	// (the dashboard).
	Pasted io.Reader
	Notes  io.Writer // optional: where to say why a pasted URL was not taken

	// NoCode accepts a redirect without an authorization code, for flows
	// that only report an outcome (1upHealth's connect page).
	NoCode bool
	// StateOptional also accepts a redirect that carries no state at all
	// (one with another state is still refused), for a provider that may
	// not echo it: 1upHealth documents no state for its connect page.
	StateOptional bool

	// Connect says the browser page is the end of connecting a device or
	// health system rather than of linking an account, so the page the
	// browser shows says "Connected".
	Connect bool
}

// taken reports whether a redirect's query belongs to this attempt: it
// says something (a bare callback URL is no answer), parses whole (a
// pair the parser would drop, such as "state=%zz", could hide another
// attempt's state), carries this attempt's state exactly once (or, with
// StateOptional, no state at all), and at most one code. RFC 6749 §3.1
// forbids repeating a parameter; taking the first of two states or codes
// would let a forged one ride beside the right one.
func (r Redirect) taken(rawQuery string) (url.Values, bool) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil || len(q) == 0 || r.State == "" || len(q["code"]) > 1 {
		return nil, false
	}
	switch s := q["state"]; len(s) {
	case 0:
		return q, r.StateOptional
	case 1:
		return q, subtle.ConstantTimeCompare([]byte(s[0]), []byte(r.State)) == 1
	}
	return nil, false
}

// isRedirect reports whether a pasted URL is the redirect URL (scheme,
// host and path; a browser may show them in another case or add a final
// slash), not another page that carries the state too: the authorization
// URL or a 1upHealth connect link has it in its query.
func (r Redirect) isRedirect(u *url.URL) bool {
	want, err := url.Parse(r.URL)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Scheme, want.Scheme) && strings.EqualFold(u.Host, want.Host) &&
		strings.TrimSuffix(u.Path, "/") == strings.TrimSuffix(want.Path, "/")
}

// Loopback reports whether the redirect URL is one Wait listens on.
func (r Redirect) Loopback() bool { return r.bindHost() != "" }

// bindHost is the loopback address to listen on for the redirect URL, ""
// when it is not a loopback http URL. A literal address is bound as
// written, since that is where the browser goes (RFC 8252 §7.3: [::1] is
// as good a loopback as 127.0.0.1); "localhost" binds 127.0.0.1, which
// browsers fall back to. Nothing else is ever bound: never all
// interfaces.
func (r Redirect) bindHost() string {
	u, err := url.Parse(r.URL)
	if err != nil || u.Scheme != "http" {
		return ""
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost":
		return "127.0.0.1"
	case "::1":
		return "::1"
	}
	return ""
}

// Listen binds the loopback listener now, so that the authorization URL
// is only shown once something is there to answer; Wait then serves it.
// It returns nil, nil when the redirect URL is not loopback.
func (r Redirect) Listen() (net.Listener, error) {
	host := r.bindHost()
	if host == "" {
		return nil, nil
	}
	u, _ := url.Parse(r.URL)
	port := u.Port()
	if port == "" {
		port = "80"
	}
	addr := net.JoinHostPort(host, port)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for the redirect on %s: %w (is another link running, or set redirect_url to a free port)", addr, err)
	}
	return ln, nil
}

// answerGrace is how long Wait lets the callback finish writing its page
// to the browser once the redirect has been taken.
const answerGrace = 2 * time.Second

// Wait returns the query of the matching redirect: it carries "code" on
// success. ln is the listener from Listen (nil to read pasted URLs only).
func (r Redirect) Wait(ctx context.Context, ln net.Listener) (url.Values, error) {
	if ln == nil && r.Pasted == nil {
		return nil, fmt.Errorf("redirect %s is not a loopback URL and nothing can be pasted", r.URL)
	}
	if r.State == "" {
		return nil, errors.New("redirect: the attempt has no state, so no redirect could be told to be its own")
	}
	found := make(chan url.Values, 1)
	offer := func(q url.Values) bool {
		select {
		case found <- q:
			return true
		default:
			return false // another path won
		}
	}
	if ln != nil {
		u, _ := url.Parse(r.URL)
		path := u.Path
		if path == "" {
			path = "/"
		}
		srv := &http.Server{
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      10 * time.Second,
			IdleTimeout:       10 * time.Second,
			MaxHeaderBytes:    64 << 10,
			Handler:           r.callback(path, offer),
		}
		go srv.Serve(ln)
		defer func() {
			// Shutdown, not Close: the request that brought the answer
			// is still writing "you can close this tab" to the browser.
			ctx, cancel := context.WithTimeout(context.Background(), answerGrace)
			defer cancel()
			if srv.Shutdown(ctx) != nil {
				srv.Close()
			}
		}()
	}
	if r.Pasted != nil {
		go r.readPasted(offer)
	}
	select {
	case q := <-found:
		return r.result(q)
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, ErrNoAnswer
		}
		return nil, ctx.Err()
	}
}

func (r Redirect) callback(path string, offer func(url.Values) bool) http.Handler {
	var taken atomic.Bool // one matching request is taken, even when several race
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != path || req.Method != http.MethodGet || !loopbackHost(req.Host) {
			// Another Host is a page elsewhere that had its name
			// rebound to 127.0.0.1 (DNS rebinding): not the browser
			// coming back from the provider.
			http.NotFound(w, req)
			return
		}
		verb, done, doing, nothing := "link", "Linked", "Linking", "vitals was not linked."
		if r.Connect {
			verb, done, doing, nothing = "connect", "Connected", "Connecting", "Nothing was connected."
		}
		q, ok := r.taken(req.URL.RawQuery)
		if !ok {
			page(w, http.StatusBadRequest, "This attempt does not match", "The page that sent you here belongs to another attempt. Start again with vitals "+verb+".")
			return
		}
		if !taken.CompareAndSwap(false, true) {
			page(w, http.StatusConflict, "Already answered", "This attempt has already been completed.")
			return
		}
		offer(q)
		switch {
		case q.Get("error") == "access_denied":
			page(w, http.StatusOK, "Access declined", nothing+" You can close this tab.")
		case q.Get("error") != "":
			page(w, http.StatusOK, doing+" failed", "The provider answered: "+VendorText(q.Get("error"), 200)+". You can close this tab.")
		case r.Connect && q.Get("success") == "false":
			page(w, http.StatusOK, doing+" failed", "The provider reports the connection failed. "+nothing+" You can close this tab.")
		default:
			page(w, http.StatusOK, done, "vitals received the authorization. You can close this tab and return to the terminal.")
		}
	})
}

// loopbackHost reports whether a request's Host names the loopback
// interface, as a redirect to a loopback URL does.
func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	switch host {
	case "127.0.0.1", "localhost", "::1":
		return true
	}
	return false
}

// page answers with a small HTML page. Headers go before the status: set
// after it, they would be dropped.
func page(w http.ResponseWriter, status int, title, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the URL carries the code
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><meta charset=utf-8><title>vitals: %s</title><h1>%s</h1><p>%s</p>\n",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(text))
}

// maxPasted is the longest line read as a pasted URL: a redirect is a
// few hundred bytes; anything longer is not one.
const maxPasted = 64 << 10

func (r Redirect) readPasted(offer func(url.Values) bool) {
	br := bufio.NewReaderSize(r.Pasted, 4096)
	for {
		raw, tooLong, err := readLine(br, maxPasted)
		if tooLong {
			r.note(fmt.Sprintf("That line is longer than %d KiB, and no redirected URL is: paste the address the browser shows after you answered, starting %s?", maxPasted>>10, r.URL))
			continue
		}
		if err != nil && raw == "" {
			return // end of input, or the terminal closed
		}
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		u, err := url.Parse(line)
		if err != nil || u.RawQuery == "" || !r.isRedirect(u) {
			r.note("That is not the redirected URL; paste the whole address the browser shows after you answered, starting " + r.URL + "?")
			continue
		}
		q, ok := r.taken(u.RawQuery)
		if !ok {
			r.note("That URL belongs to another link attempt (its state does not match); paste the one from this attempt.")
			continue
		}
		offer(q)
		return
	}
}

// readLine reads one line of at most max bytes. A longer line is read to
// its end and dropped (tooLong), so that the next line is read whole: a
// line that is too long must not end the reading.
func readLine(br *bufio.Reader, max int) (line string, tooLong bool, err error) {
	var b []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(b)+len(chunk) > max+1 { // +1: the newline
				tooLong, b = true, nil
			} else {
				b = append(b, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case tooLong:
			return "", true, err
		default:
			return string(b), false, err
		}
	}
}

func (r Redirect) note(s string) {
	if r.Notes != nil {
		fmt.Fprintln(r.Notes, s)
	}
}

func (r Redirect) result(q url.Values) (url.Values, error) {
	switch e := q.Get("error"); {
	case e == "access_denied":
		return nil, ErrAccessDenied
	case e != "":
		desc := q.Get("error_description")
		if desc != "" {
			return nil, fmt.Errorf("the provider refused the authorization: %s (%s)", VendorText(e, 100), VendorText(desc, 200))
		}
		return nil, fmt.Errorf("the provider refused the authorization: %s", VendorText(e, 100))
	case q.Get("code") == "" && !r.NoCode:
		return nil, fmt.Errorf("the redirect carries no authorization code")
	}
	return q, nil
}
