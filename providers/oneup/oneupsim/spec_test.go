package oneupsim_test

// A client written only from the vendor's overview
// (../shared/reference/oneuphealth-connect.txt) and the notes beside it,
// with plain net/http: if the simulated server follows those documents,
// this works without knowing anything of vitals' own client.

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"vitals/providers/oneup/oneupsim"
)

func TestClientWrittenFromTheReferenceDocuments(t *testing.T) {
	t.Parallel()
	// The application: its registered redirect_uri is where the person's
	// browser comes back after connecting a system.
	var returned url.Values
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/callback" {
			returned = r.URL.Query()
			io.WriteString(w, "thanks")
		}
	}))
	defer app.Close()
	sim := oneupsim.New(oneupsim.Options{ClientID: "clientidclientidclientid", ClientSecret: "clientsecretclientsecret", RedirectURI: app.URL + "/callback", AutoApprove: true})
	api := httptest.NewServer(sim)
	defer api.Close()
	const clientID, clientSecret = "clientidclientidclientid", "clientsecretclientsecret"

	getJSON := func(req *http.Request, v any) {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: HTTP %d %s", req.Method, req.URL.Path, resp.StatusCode, body)
		}
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%s: %v: %s", req.URL.Path, err, body)
		}
	}

	// "First, list the health systems you want to connect to."
	var systems []struct {
		ID          int    `json:"id"`
		Name        string `json:"name"`
		ResourceURL string `json:"resource_url"`
	}
	req, _ := http.NewRequest("GET", api.URL+"/connect/system/clinical?client_id="+clientID+"&client_secret="+clientSecret, nil)
	getJSON(req, &systems)
	epic := 0
	for _, s := range systems {
		if strings.Contains(s.Name, "Epic") {
			epic = s.ID
		}
	}
	if epic != 4706 {
		t.Fatalf("\"EPIC's test FHIR endpoint with id 4706\" is not in %+v", systems)
	}

	// "Now create a new user" (curl -XPOST with the parameters).
	var user struct {
		Success     bool   `json:"success"`
		Code        string `json:"code"`
		OneUpUserID int    `json:"oneup_user_id"`
	}
	req, _ = http.NewRequest("POST", api.URL+"/user-management/v1/user?app_user_id=myappsuserid&client_id="+clientID+"&client_secret="+clientSecret, nil)
	getJSON(req, &user)
	if !user.Success || user.Code == "" || user.OneUpUserID == 0 {
		t.Fatalf("user %+v", user)
	}

	// "Use your user's code to get an access_token via 1upHealth's OAuth2
	// token endpoint" (curl -X POST -d ... : a form).
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int    `json:"expires_in"`
		TokenType    string `json:"token_type"`
	}
	form := url.Values{"client_id": {clientID}, "client_secret": {clientSecret}, "code": {user.Code}, "grant_type": {"authorization_code"}}
	req, _ = http.NewRequest("POST", api.URL+"/fhir/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	getJSON(req, &tok)
	if tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn <= 0 {
		t.Fatalf("token %+v", tok)
	}

	// "Now direct your user to the following url so they can authorize
	// the EPIC app ... After authorization, the user will be sent back to
	// your app." A browser follows the redirects.
	resp, err := http.Get(api.URL + "/connect/system/clinical/4706?client_id=" + clientID + "&access_token=" + tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Host != strings.TrimPrefix(app.URL, "http://") || returned == nil {
		t.Fatalf("the browser ended at %s, not the app's redirect_uri", resp.Request.URL)
	}

	// "You can then use your user's access_token to query their
	// demographics", their conditions for a specific code, and any FHIR
	// query, 10 a page, following the Bundle's next links.
	auth := func(u string) *http.Request {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		return req
	}
	type bundle struct {
		ResourceType string `json:"resourceType"`
		Link         []struct {
			Relation string `json:"relation"`
			URL      string `json:"url"`
		} `json:"link"`
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	var patients bundle
	getJSON(auth(api.URL+"/fhir/r4/Patient"), &patients)
	if patients.ResourceType != "Bundle" || len(patients.Entry) != 1 {
		t.Errorf("demographics: %+v", patients)
	}
	var conditions bundle
	getJSON(auth(api.URL+"/r4/Condition?code=http://snomed.info/sct|49436004"), &conditions)
	if len(conditions.Entry) != 1 {
		t.Errorf("%d AFib conditions, want 1", len(conditions.Entry))
	}
	var observations, pages int
	seen := map[string]bool{}
	for next := api.URL + "/r4/Observation?code=" + url.QueryEscape("http://loinc.org|85354-9"); next != ""; {
		var b bundle
		getJSON(auth(next), &b)
		pages++
		if len(b.Entry) > 10 {
			t.Errorf("page of %d, more than the default 10", len(b.Entry))
		}
		next = ""
		for _, l := range b.Link {
			if l.Relation == "next" {
				next = l.URL
			}
		}
		for _, e := range b.Entry {
			var o struct {
				ID           string `json:"id"`
				ResourceType string `json:"resourceType"`
			}
			json.Unmarshal(e.Resource, &o)
			if o.ResourceType != "Observation" || seen[o.ID] {
				t.Errorf("entry %s/%s (twice: %v)", o.ResourceType, o.ID, seen[o.ID])
			}
			seen[o.ID] = true
			observations++
		}
	}
	// Epic's office visits: every 91 days over two years.
	if observations < 7 || observations > 9 || pages != 1 {
		t.Errorf("%d office BP panels in %d pages", observations, pages)
	}
	var all int
	for next := api.URL + "/fhir/r4/Observation"; next != ""; {
		var b bundle
		getJSON(auth(next), &b)
		all += len(b.Entry)
		next = ""
		for _, l := range b.Link {
			if l.Relation == "next" {
				next = l.URL
			}
		}
	}
	if all < 5*observations {
		t.Errorf("%d observations in all", all)
	}
}
