package sandbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"vitals/providers/oneup/oneupsim"
	"vitals/sandbox"
)

// A client written from 1upHealth's documents, with plain HTTP, against
// the sandbox: create a user, exchange the code, list systems, connect
// one, and page through its Observations under /oneup.
func TestOneUpThroughTheSandbox(t *testing.T) {
	t.Parallel()
	var back url.Values
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { back = r.URL.Query() }))
	defer app.Close()
	sb, err := sandbox.Start(sandbox.Options{AutoApprove: true, OneUpRedirectURL: app.URL + "/cb", OneUp: func(o *oneupsim.Options) { o.DataDelay = 0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	cfg := sb.Config("").OneUp
	if cfg.APIURL != sb.URL()+"/oneup" || cfg.FHIRURL != sb.URL()+"/oneup/r4" || cfg.RedirectURL != app.URL+"/cb" || cfg.ClientSecret == "" {
		t.Errorf("[oneup] section %+v", cfg)
	}
	call := func(method, u string, body url.Values, header map[string]string, v any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			rd = strings.NewReader(body.Encode())
		}
		req, _ := http.NewRequest(method, u, rd)
		if body != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: HTTP %d %s", method, req.URL.Path, resp.StatusCode, data)
		}
		if v != nil {
			if err := json.Unmarshal(data, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	creds := url.Values{"client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret}}

	var devices []struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	call("GET", cfg.APIURL+"/connect/system/device?"+creds.Encode(), nil, nil, &devices)
	if len(devices) == 0 || devices[0].ID != 4709 || devices[0].Name != "Fitbit" {
		t.Fatalf("devices %+v", devices)
	}
	form := url.Values{"app_user_id": {"someone"}}
	for k, v := range creds {
		form[k] = v
	}
	var user struct{ Code string }
	call("POST", cfg.APIURL+"/user-management/v1/user", form, nil, &user)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	call("POST", cfg.TokenURL, url.Values{"client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret}, "code": {user.Code}, "grant_type": {"authorization_code"}}, nil, &tok)
	call("GET", cfg.APIURL+"/connect/system/device/4709?"+url.Values{"client_id": {cfg.ClientID}, "access_token": {tok.AccessToken}}.Encode(), nil, nil, nil)
	if back.Get("success") != "true" || back.Get("system_id") != "4709" {
		t.Fatalf("the browser came back with %v", back)
	}
	bearer := map[string]string{"Authorization": "Bearer " + tok.AccessToken}
	var n, pages int
	for next := cfg.FHIRURL + "/Observation?code=" + url.QueryEscape("http://loinc.org|66334-4") + "&_count=25"; next != ""; pages++ {
		var b struct {
			Link  []struct{ Relation, URL string }
			Entry []json.RawMessage
		}
		call("GET", next, nil, bearer, &b)
		n += len(b.Entry)
		next = ""
		for _, l := range b.Link {
			if l.Relation == "next" {
				if !strings.HasPrefix(l.URL, sb.URL()+"/oneup/r4/") {
					t.Fatalf("next link %s leaves the mount", l.URL)
				}
				next = l.URL
			}
		}
	}
	if n < 90 || pages != (n+24)/25 {
		t.Errorf("%d step days in %d pages", n, pages)
	}
	var answer requestsAnswer
	call("GET", sb.URL()+sandbox.RequestsPath, nil, nil, &answer)
	counts := answer.Counts
	if counts["GET /oneup/r4/Observation"] != pages || counts["POST /oneup/user-management/v1/user"] != 1 || counts["GET /oneup/connect/system/device"] != 1 {
		t.Errorf("request counts %v", counts)
	}
}
