package omron

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"vitals/providers"
	"vitals/providers/providertest"
)

// The token answers write the tokens they give as placeholders, so that
// the target can tell where they went; fuzzAccess and fuzzRefresh are
// what they stand for. fuzzCode and fuzzOldRefresh are what the client
// sends, and fuzzSecret its client secret.
const (
	fuzzAccess     = "acc-Qz7vXk2mW9pL"
	fuzzRefresh    = "ref-Hj4nTc8sY3dB"
	fuzzCode       = "code-Rw5gUe1oK6aZ"
	fuzzOldRefresh = "old-Fm2xVb7qN4cS"
	fuzzSecret     = "sec-Pt9kLw3hJ8yG"
)

func expandTokens(s string) string {
	return strings.NewReplacer("$ACCESS", fuzzAccess, "$REFRESH", fuzzRefresh).Replace(s)
}

// tokenPlaceholders turns a captured token answer back into placeholders.
func tokenPlaceholders(body string) string {
	var m map[string]any
	if json.Unmarshal([]byte(body), &m) != nil {
		return body
	}
	for k, p := range map[string]string{"access_token": "$ACCESS", "refresh_token": "$REFRESH"} {
		if v, ok := m[k].(string); ok && v != "" {
			body = strings.ReplaceAll(body, v, p)
		}
	}
	return body
}

// onlyAsField reports whether value appears in body once, as the string
// value of one of keys: then no message may repeat it. Text the vendor
// put in its reason is the vendor's to quote.
func onlyAsField(body, value string, keys ...string) bool {
	var m map[string]json.RawMessage
	if strings.Count(body, value) != 1 || json.Unmarshal([]byte(body), &m) != nil {
		return false
	}
	for _, k := range keys {
		var s string
		if json.Unmarshal(m[k], &s) == nil && s == value {
			return true
		}
	}
	return false
}

// checkExpiry holds an expiry to ExpiryIn's rule: none, or within a
// year of now and not before it.
func checkExpiry(t *testing.T, tok providers.Token, before, after time.Time) {
	t.Helper()
	if !tok.Expiry.IsZero() && (tok.Expiry.Before(before) || tok.Expiry.After(after.Add(366*24*time.Hour))) {
		t.Fatalf("expiry %s, asked at %s", tok.Expiry, before)
	}
}

// FuzzTokenAnswer: whatever the token endpoint answers (any status, any
// JSON, either spelling), an exchange gives a grant with an access token
// of Bearer type and the Omron user, or an error; a refresh through
// Credentials saves a token with an access and a refresh token, or saves
// nothing and leaves the stored pair as it was. A refusal (400, 401,
// success:false) is told from a failure worth retrying (5xx, 429, a
// malformed body), and no error repeats the code, the refresh token sent,
// the client secret, or a token the answer carried.
func FuzzTokenAnswer(f *testing.F) {
	tokens, _ := simAnswers(f)
	for _, a := range tokens {
		f.Add(tokenPlaceholders(a.body), uint16(a.status))
	}
	f.Add(tokenPlaceholders(guideTokenResponse), uint16(200))
	for _, body := range []string{
		`{"success": true}`, `{"access_token": ""}`, `{"access_token": null, "refresh_token": "$REFRESH"}`,
		`{"access_token": 7}`, `{"accessToken": "$ACCESS", "refreshToken": "$REFRESH", "expiresIn": "3600", "tokenType": "bearer"}`,
		`{"access_token": "$ACCESS", "token_type": "mac"}`, `{"access_token": "$ACCESS", "expires_in": -1}`,
		`{"access_token": "$ACCESS", "expires_in": 1e-300}`, `{"access_token": "$ACCESS", "id_token": "x.e30.y"}`,
		`{"success": false, "reason": "grant revoked"}`, `{"success": "false"}`, `[]`, `null`, `{"success": true, "access_token": "`,
	} {
		f.Add(body, uint16(200))
	}
	f.Add(`{"error": "invalid_grant", "error_description": "the grant has been revoked"}`, uint16(400))
	f.Add(`{"error": "invalid_client"}`, uint16(401))
	f.Add(`{"message": "Unauthorized"}`, uint16(401))
	f.Add(`{"error": "invalid_request"}`, uint16(400))
	f.Add(`<html>busy</html>`, uint16(503))
	f.Add(``, uint16(429))

	srv := newCannedServer(f)
	cfg := Config{ClientID: "c", ClientSecret: fuzzSecret, TokenURL: srv.URL, RedirectURL: "http://127.0.0.1:53682/callback", Scopes: []string{"openid", "offline_access"}}
	c := New(cfg, srv.Client())
	f.Fuzz(func(t *testing.T, raw string, status uint16) {
		ctx := context.Background()
		body := expandTokens(raw)
		code := int(status)
		if code < 200 || code > 599 {
			code = http.StatusOK
		}
		secrets := []string{fuzzCode, fuzzOldRefresh, fuzzSecret}
		if onlyAsField(body, fuzzAccess, "access_token", "accessToken") {
			secrets = append(secrets, fuzzAccess)
		}
		if onlyAsField(body, fuzzRefresh, "refresh_token", "refreshToken") {
			secrets = append(secrets, fuzzRefresh)
		}
		checkErr := func(what string, err error) {
			t.Helper()
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("%s: the error repeats %q: %v", what, s, err)
				}
			}
			if !strings.HasPrefix(err.Error(), "omron: ") {
				t.Fatalf("%s: the error does not say what failed: %v", what, err)
			}
			var se *providers.StatusError
			switch {
			case code >= 500 && !errors.Is(err, providers.ErrTemporary):
				t.Fatalf("%s: HTTP %d not temporary: %v", what, code, err)
			case code == http.StatusTooManyRequests && !errors.Is(err, providers.ErrRateLimited):
				t.Fatalf("%s: HTTP 429 not a rate limit: %v", what, err)
			case code >= 300 && code < 500 && code != http.StatusTooManyRequests && !errors.As(err, &se):
				t.Fatalf("%s: HTTP %d: %v", what, code, err)
			}
		}

		srv.answer(code, body)
		before := time.Now()
		g, err := c.Exchange(ctx, Authorization{verifier: "verifier"}, fuzzCode)
		form, _ := srv.last()
		if form.Get("code") != fuzzCode || form.Get("code_verifier") != "verifier" || form.Get("client_secret") != fuzzSecret || form.Get("grant_type") != "authorization_code" {
			t.Fatalf("exchange sent %v", form)
		}
		if err != nil {
			checkErr("exchange", err)
		} else {
			if code >= 300 || g.Token.AccessToken == "" || g.UserID == "" {
				t.Fatalf("HTTP %d %q gave a grant with access token %q for user %q", code, body, g.Token.AccessToken, g.UserID)
			}
			if g.Token.TokenType != "" && !strings.EqualFold(g.Token.TokenType, "Bearer") {
				t.Fatalf("a %q token taken", g.Token.TokenType)
			}
			checkExpiry(t, g.Token, before, time.Now())
		}

		old := providers.Token{AccessToken: "old-access", RefreshToken: fuzzOldRefresh, Expiry: before.Add(-time.Hour)}
		mem := secretsWith(t, old)
		stored := bytes.Clone(mem.data)
		tok, err := providers.NewCredentials(mem, 1, c.Refresh).Token(ctx)
		form, _ = srv.last()
		if form.Get("refresh_token") != fuzzOldRefresh || form.Get("grant_type") != "refresh_token" {
			t.Fatalf("refresh sent %v", form)
		}
		if err != nil {
			checkErr("refresh", err)
			if err := providertest.FailedRefreshKept(stored, mem.data); err != nil {
				t.Fatal(err)
			}
			if errors.Is(err, providers.ErrNeedsRelink) && code != 400 && code != 401 && !(code < 300 && strings.Contains(body, `"success"`)) {
				t.Fatalf("HTTP %d %q: %v asks to link again", code, body, err)
			}
			return
		}
		saved := mem.token(t)
		same := saved.AccessToken == tok.AccessToken && saved.RefreshToken == tok.RefreshToken && saved.TokenType == tok.TokenType && saved.Expiry.Equal(tok.Expiry)
		if code >= 300 || !same || tok.AccessToken == "" || tok.RefreshToken == "" {
			t.Fatalf("HTTP %d %q: saved %v, returned %v", code, body, saved, tok)
		}
		if tok.TokenType != "" && !strings.EqualFold(tok.TokenType, "Bearer") {
			t.Fatalf("a %q token saved", tok.TokenType)
		}
		checkExpiry(t, tok, before, time.Now())
	})
}
