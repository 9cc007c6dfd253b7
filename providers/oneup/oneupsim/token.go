package oneupsim

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

type tokenJSON struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// token is the OAuth 2.0 token endpoint: authorization_code and
// refresh_token grants. Refresh tokens rotate: each works once.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	p := params(r)
	if !s.validClient(clientCredentials(r, p)) {
		writeJSON(w, http.StatusUnauthorized, oauthError{"invalid_client", "unknown client_id or wrong client_secret"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var uid int64
	switch p.Get("grant_type") {
	case "authorization_code":
		code := p.Get("code")
		g, ok := s.codes[code]
		delete(s.codes, code) // a code works once, even when it has expired
		if !ok || code == "" || !now.Before(g.expires) {
			writeJSON(w, http.StatusBadRequest, oauthError{"invalid_grant", "authorization code is invalid, expired or already used"})
			return
		}
		uid = g.user
	case "refresh_token":
		rt := p.Get("refresh_token")
		id, ok := s.refresh[rt]
		if !ok || rt == "" {
			if rot, was := s.rotated[rt]; was && rt != "" {
				s.reuse.add(RefreshReuse{User: strconv.FormatInt(rot.user, 10), At: now, RotatedAt: rot.at, Refused: true, Remote: r.RemoteAddr})
			}
			writeJSON(w, http.StatusBadRequest, oauthError{"invalid_grant", "refresh token is invalid or was already used"})
			return
		}
		delete(s.refresh, rt)
		// Kept to tell a rotated token presented again from a token the
		// server never issued.
		s.rotated[rt] = rotation{user: id, at: now}
		uid = id
	case "":
		writeJSON(w, http.StatusBadRequest, oauthError{"invalid_request", "grant_type is required"})
		return
	default:
		writeJSON(w, http.StatusBadRequest, oauthError{"unsupported_grant_type", "grant_type must be authorization_code or refresh_token"})
		return
	}
	access, refresh := randomHex(20), randomHex(20)
	s.access[access] = grant{user: uid, expires: now.Add(s.opt.TokenTTL)}
	s.refresh[refresh] = uid
	writeJSON(w, http.StatusOK, tokenJSON{
		AccessToken:  access,
		TokenType:    "Bearer",
		ExpiresIn:    int(s.opt.TokenTTL / time.Second),
		RefreshToken: refresh,
		Scope:        "user/*.*",
	})
}

// bearer returns the user an Authorization header's token belongs to, or
// nil when the token is missing, unknown or expired.
func (s *Server) bearer(r *http.Request) *user {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil
	}
	return s.userOfToken(strings.TrimSpace(tok))
}

func (s *Server) userOfToken(tok string) *user {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.access[tok]
	if !ok || tok == "" || !s.now().Before(g.expires) {
		return nil
	}
	return s.byID[g.user]
}
