package providers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	gosync "sync"
	"testing"
	"time"
)

// freePort returns a loopback port free right now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// waitAsync runs r.Wait in the background and returns where its result
// arrives.
type waitResult struct {
	q   url.Values
	err error
}

func waitAsync(ctx context.Context, r Redirect, ln net.Listener) <-chan waitResult {
	out := make(chan waitResult, 1)
	go func() {
		q, err := r.Wait(ctx, ln)
		out <- waitResult{q, err}
	}()
	return out
}

func get(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestRedirectListensOnLoopbackOnly(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	for _, tc := range []struct {
		url  string
		host string // the address the listener must bind; "" for none
	}{
		{"http://127.0.0.1:" + port + "/callback", "127.0.0.1"},
		{"http://localhost:" + port + "/callback", "127.0.0.1"},
		{"https://127.0.0.1:" + port + "/callback", ""}, // no TLS on a loopback listener
		{"http://example.com:" + port + "/callback", ""},
		{"https://vitals.example/callback", ""},
		{"http://0.0.0.0:" + port + "/callback", ""},
	} {
		r := Redirect{URL: tc.url, State: "s"}
		ln, err := r.Listen()
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		if tc.host == "" {
			if ln != nil {
				ln.Close()
				t.Errorf("%s: listened on %s, want no listener", tc.url, ln.Addr())
			}
			continue
		}
		if ln == nil {
			t.Errorf("%s: no listener", tc.url)
			continue
		}
		host, _, _ := net.SplitHostPort(ln.Addr().String())
		ln.Close()
		if host != tc.host {
			t.Errorf("%s: bound %s, want %s only", tc.url, host, tc.host)
		}
	}
}

// TestRedirectIPv6Loopback: a redirect URL on [::1] is listened on [::1],
// where the browser will go; binding 127.0.0.1 for it would never hear
// the redirect.
func TestRedirectIPv6Loopback(t *testing.T) {
	t.Parallel()
	probe, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback here")
	}
	_, port, _ := net.SplitHostPort(probe.Addr().String())
	probe.Close()
	r := Redirect{URL: "http://[::1]:" + port + "/callback", State: "s6"}
	ln, err := r.Listen()
	if err != nil || ln == nil {
		t.Fatalf("listen: %v %v", ln, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := waitAsync(ctx, r, ln)
	if code := get(t, "http://[::1]:"+port+"/callback?code=c&state=s6"); code != http.StatusOK {
		t.Errorf("redirect answered %d", code)
	}
	if res := <-done; res.err != nil || res.q.Get("code") != "c" {
		t.Errorf("Wait = %v, %v", res.q, res.err)
	}
}

func TestRedirectAnswersOnlyItsCallbackAndMatchingState(t *testing.T) {
	t.Parallel()
	base := "http://127.0.0.1:" + freePort(t)
	r := Redirect{URL: base + "/callback", State: "right"}
	ln, err := r.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := waitAsync(ctx, r, ln)

	for _, tc := range []struct {
		path string
		want int
	}{
		{"/", http.StatusNotFound},
		{"/callback/x?code=c&state=right", http.StatusNotFound},
		{"/favicon.ico", http.StatusNotFound},
		{"/callback?code=c&state=wrong", http.StatusBadRequest},
		{"/callback?code=c", http.StatusBadRequest}, // state is required unless StateOptional
	} {
		if got := get(t, base+tc.path); got != tc.want {
			t.Errorf("GET %s: %d, want %d", tc.path, got, tc.want)
		}
	}
	// A page elsewhere whose name was rebound to 127.0.0.1 sends its own
	// Host: not a redirect from the provider.
	req, _ := http.NewRequest(http.MethodGet, base+"/callback?code=c&state=right", nil)
	req.Host = "attacker.example:80"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("a rebound Host: %d, want 404", resp.StatusCode)
	}
	resp, err = http.Post(base+"/callback?code=c&state=right", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST to the callback: %d, want 404", resp.StatusCode)
	}
	select {
	case res := <-done:
		t.Fatalf("Wait returned before a matching redirect: %v %v", res.q, res.err)
	default:
	}
	if got := get(t, base+"/callback?code=the-code&state=right"); got != http.StatusOK {
		t.Errorf("matching redirect: %d", got)
	}
	res := <-done
	if res.err != nil || res.q.Get("code") != "the-code" {
		t.Fatalf("Wait = %v, %v", res.q, res.err)
	}
	// Wait has returned: nothing listens any more.
	if _, err := http.Get(base + "/callback?code=x&state=right"); err == nil {
		t.Error("the listener still answers after Wait returned")
	}
}

// TestRedirectTakesExactlyOneOfManyConcurrentRedirects: redirects racing
// each other get one success and refusals, never a crash of the handler.
func TestRedirectTakesExactlyOneOfManyConcurrentRedirects(t *testing.T) {
	t.Parallel()
	for round := range 20 {
		base := "http://127.0.0.1:" + freePort(t)
		r := Redirect{URL: base + "/callback", State: "st"}
		ln, err := r.Listen()
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		done := waitAsync(ctx, r, ln)
		var (
			wg    gosync.WaitGroup
			mu    gosync.Mutex
			codes = map[int]int{}
			fails []error
		)
		start := make(chan struct{})
		for i := range 16 {
			wg.Go(func() {
				<-start
				resp, err := http.Get(fmt.Sprintf("%s/callback?code=c%d&state=st", base, i))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					fails = append(fails, err)
					return
				}
				resp.Body.Close()
				codes[resp.StatusCode]++
			})
		}
		close(start)
		wg.Wait()
		res := <-done
		cancel()
		if res.err != nil {
			t.Fatalf("round %d: Wait: %v", round, res.err)
		}
		// The request that was taken is answered in full (the browser
		// shows "you can close this tab"); a request still in flight when
		// Wait returns may find the listener closed.
		if codes[http.StatusOK] != 1 || codes[http.StatusOK]+codes[http.StatusConflict]+len(fails) != 16 {
			t.Fatalf("round %d: answers %v, %d transport errors (%v): want exactly one 200, the rest 409", round, codes, len(fails), fails)
		}
	}
}

func TestRedirectOutcomes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		r      Redirect
		query  string
		want   error  // errors.Is
		substr string // in the error
		code   string // the code returned on success
	}{
		{name: "code", query: "code=abc&state=st", code: "abc"},
		{name: "denied", query: "error=access_denied&state=st", want: ErrAccessDenied},
		{name: "other error", query: "error=server_error&error_description=down&state=st", substr: "server_error (down)"},
		{name: "no code", query: "state=st", substr: "no authorization code"},
		{name: "no code wanted", r: Redirect{NoCode: true}, query: "success=true&state=st"},
		{name: "no state, optional", r: Redirect{NoCode: true, StateOptional: true}, query: "success=true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := "http://127.0.0.1:" + freePort(t)
			r := tc.r
			r.URL, r.State = base+"/cb", "st"
			ln, err := r.Listen()
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			done := waitAsync(ctx, r, ln)
			get(t, base+"/cb?"+tc.query)
			res := <-done
			switch {
			case tc.want != nil:
				if !errors.Is(res.err, tc.want) {
					t.Errorf("error %v, want %v", res.err, tc.want)
				}
			case tc.substr != "":
				if res.err == nil || !strings.Contains(res.err.Error(), tc.substr) {
					t.Errorf("error %v, want one containing %q", res.err, tc.substr)
				}
			case res.err != nil:
				t.Errorf("error %v", res.err)
			case res.q.Get("code") != tc.code:
				t.Errorf("code %q, want %q", res.q.Get("code"), tc.code)
			}
		})
	}
}

func TestRedirectPasted(t *testing.T) {
	t.Parallel()
	var notes strings.Builder
	pasted := strings.NewReader("\nnot a url\nhttps://vitals.example/callback?code=old&state=other\nhttps://vitals.example/callback?code=good&state=st\n")
	r := Redirect{URL: "https://vitals.example/callback", State: "st", Pasted: pasted, Notes: &notes}
	ln, err := r.Listen()
	if err != nil || ln != nil {
		t.Fatalf("a non-loopback redirect: listener %v, %v", ln, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	q, err := r.Wait(ctx, nil)
	if err != nil || q.Get("code") != "good" {
		t.Fatalf("Wait = %v, %v", q, err)
	}
	if n := strings.Count(notes.String(), "\n"); n != 2 {
		t.Errorf("notes %q: want one for the non-URL and one for the other attempt", notes.String())
	}
}

// TestRedirectPastedAfterALongLine: a line over 64 KiB (a paste gone
// wrong) is named and passed over; the next line, the redirect, links.
// Before, the reading stopped at the long line without a word.
func TestRedirectPastedAfterALongLine(t *testing.T) {
	t.Parallel()
	for _, long := range []int{64<<10 + 1, 200 << 10} {
		var notes strings.Builder
		pasted := strings.NewReader(strings.Repeat("x", long) + "\nhttps://vitals.example/callback?code=good&state=st\n")
		r := Redirect{URL: "https://vitals.example/callback", State: "st", Pasted: pasted, Notes: &notes}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		q, err := r.Wait(ctx, nil)
		cancel()
		if err != nil || q.Get("code") != "good" {
			t.Errorf("after a line of %d bytes: Wait = %v, %v", long, q, err)
		}
		if !strings.Contains(notes.String(), "longer than 64 KiB") {
			t.Errorf("after a line of %d bytes: notes %q", long, notes.String())
		}
	}
	// A line of exactly 64 KiB is read (and is no URL). No URL comes, so
	// Wait ends with ctx while the reader may still be writing its note.
	pr, pw := io.Pipe()
	notes := make(chan string, 1)
	r := Redirect{URL: "https://vitals.example/callback", State: "st", Pasted: pr, Notes: noteFunc(func(s string) { notes <- s })}
	go pw.Write([]byte(strings.Repeat("x", 64<<10) + "\n"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go r.Wait(ctx, nil)
	select {
	case note := <-notes:
		if !strings.Contains(note, "That is not the redirected URL") {
			t.Errorf("a 64 KiB line: note %q", note)
		}
	case <-ctx.Done():
		t.Error("a 64 KiB line: no note")
	}
	cancel()
	pw.Close()
}

// noteFunc is a Notes writer that hands each note over.
type noteFunc func(string)

func (f noteFunc) Write(p []byte) (int, error) { f(string(p)); return len(p), nil }

func TestRedirectNoAnswer(t *testing.T) {
	t.Parallel()
	r := Redirect{URL: "http://127.0.0.1:" + freePort(t) + "/callback", State: "st"}
	ln, err := r.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := r.Wait(ctx, ln); !errors.Is(err, ErrNoAnswer) {
		t.Errorf("error %v, want ErrNoAnswer", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	ln, _ = r.Listen()
	if _, err := r.Wait(ctx, ln); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
	if _, err := (Redirect{URL: "https://vitals.example/cb"}).Wait(context.Background(), nil); err == nil {
		t.Error("nothing to listen on and nothing to paste: no error")
	}
}

// The page the browser shows names what was done: linking an account, or
// connecting a device or health system; a vendor's error is shown as
// text, its controls escaped.
func TestRedirectPageSaysWhatWasDone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		connect bool
		query   string
		want    []string
	}{
		{"linked", false, "state=s&code=c", []string{"<h1>Linked</h1>"}},
		{"connected", true, "state=s&success=true", []string{"<h1>Connected</h1>"}},
		{"connect failed", true, "state=s&success=false", []string{"<h1>Connecting failed</h1>", "Nothing was connected."}},
		{"vendor error", false, "state=s&error=server%1b%5b2J", []string{"<h1>Linking failed</h1>", `server\x1b[2J`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := "http://127.0.0.1:" + freePort(t) + "/callback"
			r := Redirect{URL: u, State: "s", NoCode: tc.connect, Connect: tc.connect}
			ln, err := r.Listen()
			if err != nil {
				t.Fatal(err)
			}
			done := waitAsync(context.Background(), r, ln)
			resp, err := http.Get(u + "?" + tc.query)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			<-done
			for _, w := range tc.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
		})
	}
}
