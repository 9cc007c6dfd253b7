package sandbox_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"vitals/sandbox"
)

// guideClient is a partner client written only from the vendor's guide:
// plain net/http and url.Values, the documented endpoints, parameters and
// fields, and nothing of vitals' own client. It proves the sandbox serves
// what the guide describes.
type guideClient struct {
	t                       *testing.T
	oauthHost, apiHost      string // the guide's two hosts; one sandbox here
	clientID, secret, redir string
	http                    *http.Client
}

// post sends a form the way the guide's curl examples do.
func (g *guideClient) post(endpoint string, form url.Values, bearer string) (int, map[string]any) {
	g.t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := g.http.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(body, &m)
	return resp.StatusCode, m
}

// "Generating the URL": a GET the user's browser follows; the answer is a
// redirect to the redirect URI with the code (the sandbox approves at once).
func (g *guideClient) authorize(state string) string {
	g.t.Helper()
	q := url.Values{
		"client_id":     {g.clientID},
		"response_type": {"code"},
		"redirect_uri":  {g.redir},
		"scope":         {"bloodpressure activity weight temperature oxygen openid offline_access"},
		"state":         {state},
	}
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(g.oauthHost + "/connect/authorize?" + q.Encode())
	if err != nil {
		g.t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), g.redir+"?") {
		g.t.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if back.Query().Get("state") != state {
		g.t.Fatalf("state %q did not come back", state)
	}
	return back.Query().Get("code")
}

// expiresIn reads the lifetime under either name the guide uses.
func expiresIn(m map[string]any) float64 {
	if v, ok := m["expires_in"].(float64); ok {
		return v
	}
	v, _ := m["expiresIn"].(float64)
	return v
}

func TestAClientWrittenFromTheGuide(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.Start(sandbox.Options{AutoApprove: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	g := &guideClient{
		t:         t,
		oauthHost: sb.URL() + "/omron",
		apiHost:   sb.URL() + "/omron",
		clientID:  sandbox.ClientID,
		secret:    sandbox.ClientSecret,
		redir:     "http://127.0.0.1:8787/oauth",
		http:      http.DefaultClient,
	}
	// The sandbox registers http://127.0.0.1:<port>/callback; this client
	// chose another path, which the sandbox must refuse…
	resp, err := http.Get(g.oauthHost + "/connect/authorize?" + url.Values{"client_id": {g.clientID}, "response_type": {"code"}, "redirect_uri": {g.redir}, "scope": {"bloodpressure"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("an unregistered redirect URI: %d", resp.StatusCode)
	}
	g.redir = "http://127.0.0.1:8787/callback" // …and accept on any port.

	// Step 2: authorization code, then "Making the Access Token Request".
	code := g.authorize("xyz-123")
	status, tok := g.post(g.oauthHost+"/connect/token", url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {g.clientID},
		"client_secret": {g.secret},
		"scope":         {"bloodpressure activity weight temperature oxygen openid offline_access"},
		"redirect_uri":  {g.redir},
		"code":          {code},
	}, "")
	if status != 200 || tok["success"] != true || tok["access_token"] == nil || tok["refresh_token"] == nil || expiresIn(tok) != 3600 {
		t.Fatalf("token: %d %v", status, tok)
	}
	// "you can use sub": decode the id_token's payload as jwt.io would.
	parts := strings.Split(tok["id_token"].(string), ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct{ Sub, Email string }
	json.Unmarshal(payload, &claims)
	if claims.Sub == "" || claims.Email == "" {
		t.Fatalf("id_token claims %s", payload)
	}
	access := tok["access_token"].(string)

	// "Using the Omron Wellness Data API": page through every type with
	// since, limit, sortOrder=asc and the per-type pagination key.
	apiCalls := 0
	for _, typ := range []string{"bloodpressure", "activity", "weight", "temperature", "oxygen"} {
		array := map[string]string{"bloodpressure": "bloodPressure"}[typ]
		if array == "" {
			array = typ
		}
		form := url.Values{"type": {typ}, "since": {"2000-01-01"}, "limit": {"200"}, "sortOrder": {"asc"}, "includeHourlyActivity": {"true"}}
		n := 0
		for {
			status, body := g.post(g.apiHost+"/api/measurement", form, access)
			apiCalls++
			if status != 200 || body["status"] != 0.0 {
				t.Fatalf("%s: %d %v", typ, status, body)
			}
			result := body["result"].(map[string]any)
			n += len(result[array].([]any))
			key := result["paginationKey"].(map[string]any)[typ+"PaginationKey"]
			if key == nil {
				break
			}
			form.Set(typ+"PaginationKey", fmt.Sprintf("%.0f", key.(float64)))
		}
		if want := sb.Omron.Count(claims.Sub, typ); n != want || n == 0 {
			t.Errorf("%s: the guide's client read %d readings, the patient has %d", typ, n, want)
		}
	}

	// "Using your Refresh Token".
	refreshForm := url.Values{
		"client_id":     {g.clientID},
		"client_secret": {g.secret},
		"grant_type":    {"refresh_token"},
		"refresh_token": {tok["refresh_token"].(string)},
		"redirect_uri":  {g.redir},
	}
	status, fresh := g.post(g.oauthHost+"/connect/token", refreshForm, "")
	if status != 200 || fresh["success"] != true || fresh["access_token"] == access || expiresIn(fresh) != 3600 {
		t.Fatalf("refresh: %d %v", status, fresh)
	}
	if status, body := g.post(g.apiHost+"/api/measurement", url.Values{"type": {"weight"}, "since": {"2000-01-01"}, "limit": {"1"}}, fresh["access_token"].(string)); status != 200 || body["status"] != 0.0 {
		t.Fatalf("the refreshed token: %d %v", status, body)
	}
	apiCalls++

	// Revocation (omron-notes.md): the grant ends.
	status, _ = g.post(g.oauthHost+"/connect/revocation", url.Values{
		"token": {fresh["refresh_token"].(string)}, "token_type_hint": {"refresh_token"},
		"client_id": {g.clientID}, "client_secret": {g.secret},
	}, "")
	if status != 200 {
		t.Fatalf("revocation: %d", status)
	}
	refreshForm.Set("refresh_token", fresh["refresh_token"].(string))
	if status, body := g.post(g.oauthHost+"/connect/token", refreshForm, ""); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("refresh after revocation: %d %v", status, body)
	}
	if status, _ := g.post(g.apiHost+"/api/measurement", url.Values{"type": {"weight"}, "since": {"2000-01-01"}}, fresh["access_token"].(string)); status != 401 {
		t.Errorf("data after revocation: %d, want 401", status)
	}
	apiCalls++

	// The sandbox counted every request by endpoint.
	resp, err = http.Get(sb.URL() + sandbox.RequestsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer requestsAnswer
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		t.Fatal(err)
	}
	counts := answer.Counts
	want := map[string]int{"GET /omron/connect/authorize": 2, "POST /omron/connect/token": 3, "POST /omron/api/measurement": apiCalls, "POST /omron/connect/revocation": 1}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("%s: %d, want %d (all: %v)", k, counts[k], v, counts)
		}
	}
	// One client, one request at a time, each refresh token spent once.
	if answer.Overlaps.Total != 0 || answer.RefreshReuse.Total != 0 {
		t.Errorf("overlaps %+v, refresh reuse %+v", answer.Overlaps, answer.RefreshReuse)
	}
}
