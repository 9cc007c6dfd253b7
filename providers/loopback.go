package providers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
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
	URL    string    // the registered redirect URL
	State  string    // the state sent with the authorization request
	Pasted io.Reader // optional: where a person pastes the redirected URL
	Notes  io.Writer // optional: where to say why a pasted URL was not taken

	// NoCode accepts a redirect without an authorization code, for flows
	// that only report an outcome (1upHealth's connect page).
	NoCode bool
	// StateOptional also accepts a redirect that carries no state at all
	// (one with another state is still refused), for a provider that may
	// not echo it: 1upHealth documents no state for its connect page.
	StateOptional bool
}

// stateOK reports whether a redirect's query belongs to this attempt.
func (r Redirect) stateOK(q url.Values) bool {
	if r.StateOptional && !q.Has("state") {
		return true
	}
	return q.Get("state") == r.State
}

// Loopback reports whether the redirect URL is one Wait listens on.
func (r Redirect) Loopback() bool {
	u, err := url.Parse(r.URL)
	if err != nil || u.Scheme != "http" {
		return false
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
		return true
	}
	return false
}

// Listen binds the loopback listener now, so that the authorization URL
// is only shown once something is there to answer; Wait then serves it.
// It returns nil, nil when the redirect URL is not loopback.
func (r Redirect) Listen() (net.Listener, error) {
	if !r.Loopback() {
		return nil, nil
	}
	u, _ := url.Parse(r.URL)
	port := u.Port()
	if port == "" {
		port = "80"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return nil, fmt.Errorf("listen for the redirect on 127.0.0.1:%s: %w (is another link running, or set redirect_url to a free port)", port, err)
	}
	return ln, nil
}

// Wait returns the query of the matching redirect: it carries "code" on
// success. ln is the listener from Listen (nil to read pasted URLs only).
func (r Redirect) Wait(ctx context.Context, ln net.Listener) (url.Values, error) {
	if ln == nil && r.Pasted == nil {
		return nil, fmt.Errorf("redirect %s is not a loopback URL and nothing can be pasted", r.URL)
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
			Handler:           r.callback(path, offer),
		}
		go srv.Serve(ln)
		defer srv.Close()
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
	taken := make(chan struct{})
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != path || req.Method != http.MethodGet {
			http.NotFound(w, req)
			return
		}
		q := req.URL.Query()
		if !r.stateOK(q) {
			w.WriteHeader(http.StatusBadRequest)
			page(w, "This link attempt does not match", "The page that sent you here belongs to another attempt. Start again with vitals link.")
			return
		}
		select {
		case <-taken:
			w.WriteHeader(http.StatusConflict)
			page(w, "Already answered", "This link attempt has already been completed.")
			return
		default:
			close(taken)
		}
		offer(q)
		switch {
		case q.Get("error") == "access_denied":
			page(w, "Access declined", "vitals was not linked. You can close this tab.")
		case q.Get("error") != "":
			page(w, "Linking failed", "The provider answered: "+q.Get("error")+". You can close this tab.")
		default:
			page(w, "Linked", "vitals received the authorization. You can close this tab and return to the terminal.")
		}
	})
}

func page(w http.ResponseWriter, title, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, "<!doctype html><meta charset=utf-8><title>vitals: %s</title><h1>%s</h1><p>%s</p>\n",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(text))
}

func (r Redirect) readPasted(offer func(url.Values) bool) {
	sc := bufio.NewScanner(r.Pasted)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		u, err := url.Parse(line)
		if err != nil || u.RawQuery == "" {
			r.note("That is not the redirected URL; paste the whole address from the browser's address bar.")
			continue
		}
		q := u.Query()
		if !r.stateOK(q) {
			r.note("That URL belongs to another link attempt (its state does not match); paste the one from this attempt.")
			continue
		}
		offer(q)
		return
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
			return nil, fmt.Errorf("the provider refused the authorization: %s (%s)", truncate(e, 100), truncate(desc, 200))
		}
		return nil, fmt.Errorf("the provider refused the authorization: %s", truncate(e, 100))
	case q.Get("code") == "" && !r.NoCode:
		return nil, fmt.Errorf("the redirect carries no authorization code")
	}
	return q, nil
}
