package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"vitals/providers"
	"vitals/store"
	"vitals/store/storetest"
)

// tokenServer is a provider whose data API accepts only the access token
// it issued last, and counts refreshes per refresh token family.
type tokenServer struct {
	*httptest.Server
	mu        gosync.Mutex
	current   map[string]string // user → the access token it accepts
	refreshes map[string]int    // user → refresh requests
}

func newTokenServer(t *testing.T) *tokenServer {
	ts := &tokenServer{current: map[string]string{}, refreshes: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		user := r.PostFormValue("user")
		ts.mu.Lock()
		ts.refreshes[user]++
		tok := fmt.Sprintf("%s-access-%d", user, ts.refreshes[user])
		ts.current[user] = tok
		ts.mu.Unlock()
		time.Sleep(20 * time.Millisecond) // a slow token endpoint widens any race
		json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "refresh_token": user + "-refresh", "expires_in": 3600})
	})
	mux.HandleFunc("GET /data", func(w http.ResponseWriter, r *http.Request) {
		user := r.URL.Query().Get("user")
		ts.mu.Lock()
		ok := r.Header.Get("Authorization") == "Bearer "+ts.current[user]
		ts.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{}`))
	})
	ts.Server = httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) refreshCount(user string) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.refreshes[user]
}

// credSource fetches through providers.Credentials, as the real clients do.
type credSource struct {
	user   string
	creds  *providers.Credentials
	client *http.Client
	base   string
}

func (s *credSource) Streams() []providers.Stream { return []providers.Stream{"a", "b", "c"} }

func (s *credSource) Fetch(ctx context.Context, stream providers.Stream, cursor string) (providers.Page, error) {
	resp, err := s.creds.Do(ctx, s.client, "fake: fetch "+string(stream), func(ctx context.Context, tok string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/data?user="+s.user, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		return req, nil
	})
	if err != nil {
		return providers.Page{}, err
	}
	resp.Body.Close()
	return providers.Page{Cursor: "done"}, nil
}

func refreshVia(ts *tokenServer, user string) providers.RefreshFunc {
	return func(ctx context.Context, refresh string) (providers.Token, error) {
		form := url.Values{"user": {user}, "refresh_token": {refresh}}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/token", strings.NewReader(form.Encode()))
		if err != nil {
			return providers.Token{}, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := ts.Client().Do(req)
		if err != nil {
			return providers.Token{}, err
		}
		defer resp.Body.Close()
		var body struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
			ExpiresIn    int    `json:"expires_in"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			return providers.Token{}, err
		}
		return providers.Token{AccessToken: body.AccessToken, RefreshToken: body.RefreshToken, Expiry: time.Now().Add(time.Duration(body.ExpiresIn) * time.Second)}, nil
	}
}

// TestConcurrentRoundsRefreshATokenOnce: an account whose token expired,
// synced by its worker, by manual triggers and by several RunOnce calls at
// the same time, refreshes once; so does a second account beside it.
func TestConcurrentRoundsRefreshATokenOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		for _, tc := range []struct {
			name   string
			stored func(user string) providers.Token
		}{
			{"expired", func(user string) providers.Token {
				return providers.Token{AccessToken: user + "-old", RefreshToken: user + "-refresh", Expiry: time.Now().Add(-time.Hour)}
			}},
			{"refused", func(user string) providers.Token { // looks fresh, but the server has moved on
				return providers.Token{AccessToken: user + "-old", RefreshToken: user + "-refresh", Expiry: time.Now().Add(time.Hour)}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				ts := newTokenServer(t)
				fx := openFixture(t, backend)
				accts := []store.Account{fx.account(t, store.ProviderOmron, "alice"), fx.account(t, store.ProviderOneUp, "bob")}
				for _, a := range accts {
					ts.current[a.ExternalID] = "issued-elsewhere" // the stored token is refused
					if err := providers.NewCredentials(fx.db, a.ID, nil).Save(ctx, tc.stored(a.ExternalID)); err != nil {
						t.Fatal(err)
					}
				}
				var made atomic.Int32
				factory := func(a store.Account) (providers.Source, error) {
					made.Add(1)
					return &credSource{user: a.ExternalID, creds: providers.NewCredentials(fx.db, a.ID, refreshVia(ts, a.ExternalID)), client: ts.Client(), base: ts.URL}, nil
				}
				e := New(fx.db, factory, Options{Concurrency: 8})
				go e.Run(ctx)
				var wg gosync.WaitGroup
				for range 6 {
					wg.Go(func() {
						for _, out := range e.RunOnce(ctx, accts) {
							if out.Err != nil {
								t.Errorf("%s: %v", out.Account.ExternalID, out.Err)
							}
						}
					})
					wg.Go(func() { e.SyncNow() })
				}
				wg.Wait()
				for _, a := range accts {
					if n := ts.refreshCount(a.ExternalID); n != 1 {
						t.Errorf("%s's token refreshed %d times, want once", a.ExternalID, n)
					}
				}
				if n := made.Load(); n != 2 {
					t.Errorf("%d sources made for 2 accounts, want one each", n)
				}
			})
		}
	})
}
