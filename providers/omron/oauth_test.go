package omron

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"vitals/providers"
)

func tokenBody(t *testing.T, s string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTokenResponses(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		body       string
		expiry     time.Duration // 0: none
		refreshSet bool
		wantErr    string
		relinkable bool // the error is a refusal (success:false)
		temporary  bool
	}{
		{name: "the guide's exchange answer (expiresIn, tokenType)", body: guideTokenResponse, expiry: time.Hour, refreshSet: true},
		{name: "RFC spelling", body: `{"access_token": "a", "refresh_token": "r", "expires_in": 1800, "token_type": "bearer"}`, expiry: 30 * time.Minute, refreshSet: true},
		{name: "expiry as a string", body: `{"success": true, "access_token": "a", "expiresIn": "3600", "tokenType": "Bearer"}`, expiry: time.Hour},
		{name: "no expiry", body: `{"access_token": "a"}`},
		// Beyond time.Duration: read as no expiry, not wrapped into the
		// past (which would refresh on every request).
		{name: "absurd expiry", body: `{"access_token": "a", "expiresIn": 1e300}`},
		{name: "success false", body: `{"success": false, "reason": "invalid refresh token"}`, wantErr: "success:false: invalid refresh token", relinkable: true},
		{name: "success \"false\"", body: `{"success": "false", "access_token": "a"}`, wantErr: "success:false", relinkable: true},
		{name: "no access token", body: `{"success": true, "refresh_token": "r"}`, wantErr: "no access_token", temporary: true},
		{name: "not a bearer token", body: `{"access_token": "a", "token_type": "mac"}`, wantErr: `token type "mac"`},
		{name: "expiry not a number", body: `{"access_token": "a", "expires_in": "soon"}`, wantErr: `field "expires_in"`, temporary: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := decodeTokenResponse("omron: test", tokenBody(t, tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				var rf *refusedError
				if errors.As(err, &rf) != tt.relinkable {
					t.Errorf("refusal %v, want %v", errors.As(err, &rf), tt.relinkable)
				}
				if errors.Is(err, providers.ErrTemporary) != tt.temporary {
					t.Errorf("temporary %v, want %v", errors.Is(err, providers.ErrTemporary), tt.temporary)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tok := tr.token(now)
			if tt.expiry == 0 && !tok.Expiry.IsZero() || tt.expiry != 0 && !tok.Expiry.Equal(now.Add(tt.expiry)) {
				t.Errorf("expiry %s, want now + %s", tok.Expiry, tt.expiry)
			}
			if (tok.RefreshToken != "") != tt.refreshSet || tok.AccessToken == "" {
				t.Errorf("token %v", tok)
			}
		})
	}
}

func TestRefreshRefusalMapping(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		relink bool
	}{
		{"400 invalid_grant", &providers.StatusError{StatusCode: 400, Code: "invalid_grant"}, true},
		{"401", &providers.StatusError{StatusCode: 401}, true},
		{"401 invalid_client is the configuration", &providers.StatusError{StatusCode: 401, Code: "invalid_client"}, false},
		{"400 invalid_request", &providers.StatusError{StatusCode: 400, Code: "invalid_request"}, false},
		{"500", &providers.StatusError{StatusCode: 500}, false},
		{"success:false", &refusedError{op: "x"}, true},
		{"timeout", providers.Temporary(errors.New("timeout")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := refreshRefusal(tt.err)
			if errors.Is(err, providers.ErrNeedsRelink) != tt.relink {
				t.Errorf("%v: relink %v, want %v", err, !tt.relink, tt.relink)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("%v lost its cause", err)
			}
		})
	}
}

func TestIDToken(t *testing.T) {
	// The guide's example access token is a Cognito ID token: its payload
	// names the user 71e22ae7-… with e-mail stg.oc.aus23@yopmail.com.
	guide := tokenBody(t, guideTokenResponse)
	var at string
	json.Unmarshal(guide["access_token"], &at)
	c, err := parseIDToken(at)
	if err != nil {
		t.Fatal(err)
	}
	if c.Sub != "71e22ae7-fc68-4ffb-9db5-6407eb5b42fd" || c.Email != "stg.oc.aus23@yopmail.com" {
		t.Errorf("got %+v", c)
	}
	bad := []struct{ name, jwt, want string }{
		{"not a JWT", "abc", "not a JWT"},
		{"payload not base64", "a.!!!.c", "not base64url"},
		{"payload not JSON", "a.bm90IGpzb24.c", "not a JSON object"},
		{"no sub", "a.eyJlbWFpbCI6ImFAYi5jIn0.c", "no sub claim"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseIDToken(tt.jwt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), tt.jwt) {
				t.Errorf("error %q quotes the token", err)
			}
		})
	}
	// Padding some encoders leave on is tolerated.
	if c, err := parseIDToken("a.eyJzdWIiOiJ1MSJ9.c"); err != nil || c.Sub != "u1" {
		t.Errorf("unpadded: %+v %v", c, err)
	}
	if c, err := parseIDToken("a.eyJzdWIiOiJ1MSJ9==.c"); err != nil || c.Sub != "u1" {
		t.Errorf("padded: %+v %v", c, err)
	}
}
