package oneupsim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxForm bounds a request body the server parses.
const maxForm = 1 << 20

// params gathers a request's parameters the way the vendor's own sample
// clients send them: query parameters, then form fields, then the fields of
// a JSON object (numbers written as they were). Later sources win.
func params(r *http.Request) url.Values {
	v := url.Values{}
	for k, vals := range r.URL.Query() {
		v[k] = vals
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return v
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(io.LimitReader(r.Body, maxForm))
	if err != nil {
		return v
	}
	switch ct {
	case "application/json":
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			for k, x := range m {
				switch x := x.(type) {
				case string:
					v.Set(k, x)
				case float64:
					if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
						v.Set(k, strconv.FormatInt(int64(x), 10))
					} else {
						v.Set(k, strconv.FormatFloat(x, 'f', -1, 64))
					}
				case bool:
					v.Set(k, strconv.FormatBool(x))
				}
			}
		}
	default: // form-encoded, which curl -d sends without saying
		if f, err := url.ParseQuery(string(body)); err == nil {
			for k, vals := range f {
				v[k] = vals
			}
		}
	}
	return v
}

// clientCredentials finds the application's credentials in the
// parameters, the client_id/client_secret headers, or HTTP Basic auth.
func clientCredentials(r *http.Request, p url.Values) (id, secret string) {
	id, secret = p.Get("client_id"), p.Get("client_secret")
	if id == "" {
		id = r.Header.Get("client_id")
	}
	if secret == "" {
		secret = r.Header.Get("client_secret")
	}
	if id == "" || secret == "" {
		if bid, bsecret, ok := r.BasicAuth(); ok {
			id, secret = bid, bsecret
		}
	}
	return id, secret
}

func (s *Server) validClient(id, secret string) bool {
	return id != "" && subtle.ConstantTimeCompare([]byte(id), []byte(s.opt.ClientID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.opt.ClientSecret)) == 1
}

type userJSON struct {
	Success     bool   `json:"success"`
	Code        string `json:"code,omitempty"`
	OneUpUserID int64  `json:"oneup_user_id"`
	AppUserID   string `json:"app_user_id"`
	Active      bool   `json:"active"`
}

type failure struct {
	Success bool   `json:"success"`
	Error   string `json:"error"`
}

// userManagement authenticates the application and applies the hourly
// limit. It returns the parameters, or false when it has answered.
func (s *Server) userManagement(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	p := params(r)
	if !s.validClient(clientCredentials(r, p)) {
		writeJSON(w, http.StatusUnauthorized, failure{Error: "invalid client_id or client_secret"})
		return nil, false
	}
	s.mu.Lock()
	now := s.now()
	cut := 0
	for cut < len(s.umCalls) && !s.umCalls[cut].After(now.Add(-time.Hour)) {
		cut++
	}
	s.umCalls = s.umCalls[cut:]
	if len(s.umCalls) >= s.opt.UserLimit {
		wait := s.umCalls[0].Add(time.Hour).Sub(now)
		s.mu.Unlock()
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		writeJSON(w, http.StatusTooManyRequests, failure{Error: "rate limit exceeded: 300 user management calls per hour"})
		return nil, false
	}
	s.umCalls = append(s.umCalls, now)
	s.mu.Unlock()
	return p, true
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	p, ok := s.userManagement(w, r)
	if !ok {
		return
	}
	appID := strings.TrimSpace(p.Get("app_user_id"))
	if appID == "" {
		writeJSON(w, http.StatusBadRequest, failure{Error: "app_user_id is required"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[appID]; ok {
		writeJSON(w, http.StatusBadRequest, failure{Error: "this user already exists"})
		return
	}
	u := s.newUserLocked(appID)
	writeJSON(w, http.StatusOK, userJSON{Success: true, Code: s.issueCodeLocked(u), OneUpUserID: u.id, AppUserID: appID, Active: true})
}

func (s *Server) authCode(w http.ResponseWriter, r *http.Request) {
	p, ok := s.userManagement(w, r)
	if !ok {
		return
	}
	appID := strings.TrimSpace(p.Get("app_user_id"))
	if appID == "" {
		writeJSON(w, http.StatusBadRequest, failure{Error: "app_user_id is required"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[appID]
	if !ok {
		writeJSON(w, http.StatusNotFound, failure{Error: "user not found"})
		return
	}
	writeJSON(w, http.StatusOK, userJSON{Success: true, Code: s.issueCodeLocked(u), OneUpUserID: u.id, AppUserID: appID, Active: u.active})
}

func (s *Server) lookupUser(w http.ResponseWriter, r *http.Request) {
	p, ok := s.userManagement(w, r)
	if !ok {
		return
	}
	type listJSON struct {
		Success bool       `json:"success"`
		Entry   []userJSON `json:"entry"`
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := listJSON{Success: true, Entry: []userJSON{}}
	appID, oneupID := p.Get("app_user_id"), p.Get("oneup_user_id")
	add := func(u *user) {
		if u != nil && (appID == "" || u.appUserID == appID) && (oneupID == "" || strconv.FormatInt(u.id, 10) == oneupID) {
			out.Entry = append(out.Entry, userJSON{OneUpUserID: u.id, AppUserID: u.appUserID, Active: u.active})
		}
	}
	// A lookup by id goes straight to the user: only a list of every
	// user costs as many steps as there are users.
	switch {
	case appID != "":
		add(s.users[appID])
	case oneupID != "":
		if id, err := strconv.ParseInt(oneupID, 10, 64); err == nil {
			add(s.byID[id])
		}
	default:
		for id := int64(251); id < s.nextUser; id++ {
			add(s.byID[id])
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) issueCodeLocked(u *user) string {
	code := randomHex(16)
	s.codes[code] = grant{user: u.id, expires: s.now().Add(s.opt.CodeTTL)}
	return code
}

// randomHex returns n random bytes in hex, the shape of the vendor's
// codes and tokens.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
