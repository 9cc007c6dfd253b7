package oneupsim

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Kinds of system.
const (
	KindClinical = "clinical"
	KindDevice   = "device"
)

// Ids of the systems the server lists. They are stable: tests, demo
// scripts and stored accounts rely on them. 4706 and 4709 are the ids the
// vendor's own documents use for Epic's test site and Fitbit.
const (
	EpicTestSite     = 4706
	CernerSandbox    = 4707
	AllscriptsTest   = 4708
	NorthwindClinic  = 12001
	RiversideHealth  = 12002
	Fitbit           = 4709
	Withings         = 4711
	OmronConnect     = 4712
	Garmin           = 4713
	Kinsa            = 4714
	JawboneUP        = 4715
	statusWorking    = "connection_working"
	statusNotWorking = "connection_not_working"
)

// System is one entry of the system lists, shaped as the vendor sends it.
type System struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	ResourceURL string `json:"resource_url"`
	Logo        string `json:"logo"`
	APIVersion  string `json:"api_version"`
	Status      string `json:"status"`
	Kind        string `json:"-"`
}

func catalog() []System {
	c := func(id int, name, res, api, status string) System {
		return System{ID: id, Name: name, ResourceURL: res, APIVersion: api, Status: status, Kind: KindClinical}
	}
	d := func(id int, name, res, status string) System {
		return System{ID: id, Name: name, ResourceURL: res, APIVersion: "FHIR STU3 3.0.1", Status: status, Kind: KindDevice}
	}
	return []System{
		c(EpicTestSite, "Epic test site", "https://open-ic.epic.com/Argonaut/api/FHIR/Argonaut/", "FHIR DSTU2 1.0.2", statusWorking),
		c(CernerSandbox, "Cerner Code sandbox", "https://fhir-open.sandboxcerner.com/dstu2/0b8a0111-e8e6-4c26-a91c-5069cbc6b1ca/", "FHIR DSTU2 1.0.2", statusWorking),
		c(AllscriptsTest, "Allscripts test site", "https://tw171.open.allscripts.com/FHIR/", "FHIR DSTU2 1.0.2", statusWorking),
		c(NorthwindClinic, "Northwind Family Clinic", "https://fhir.northwind-clinic.example/r4/", "FHIR R4 4.0.1", statusWorking),
		c(RiversideHealth, "Riverside Health System", "https://ehr.riverside-health.example/fhir/r4/", "FHIR R4 4.0.1", statusNotWorking),
		d(Fitbit, "Fitbit", "https://api.fitbit.com/", statusWorking),
		d(Withings, "Withings", "https://wbsapi.withings.net/", statusWorking),
		d(OmronConnect, "Omron Connect", "https://oi-api.ohiomron.com/", statusWorking),
		d(Garmin, "Garmin Connect", "https://apis.garmin.com/", statusWorking),
		d(Kinsa, "Kinsa Smart Thermometer", "https://api.kinsahealth.com/", statusWorking),
		d(JawboneUP, "Jawbone UP", "https://jawbone.com/nudge/api/", statusNotWorking),
	}
}

// Systems returns the systems the server lists.
func (s *Server) Systems() []System { return append([]System(nil), s.catalog...) }

func (s *Server) system(id int) (System, bool) {
	for _, sys := range s.catalog {
		if sys.ID == id {
			return sys, true
		}
	}
	return System{}, false
}

// listSystems is GET /connect/system/{clinical|device}.
func (s *Server) listSystems(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if kind != KindClinical && kind != KindDevice {
		writeJSON(w, http.StatusNotFound, failure{Error: "unknown system type " + strconv.Quote(kind) + ": use clinical or device"})
		return
	}
	if !s.validClient(clientCredentials(r, params(r))) {
		writeJSON(w, http.StatusUnauthorized, failure{Error: "invalid client_id or client_secret"})
		return
	}
	base := s.baseURL(r)
	out := []System{}
	for _, sys := range s.catalog {
		if sys.Kind == kind {
			sys.Logo = fmt.Sprintf("%s/connect/logo/%d", base, sys.ID)
			out = append(out, sys)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// logo serves a small placeholder logo, so the lists' logo URLs answer.
func (s *Server) logo(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("id"))
	sys, ok := s.system(id)
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" rx="8" fill="#2a6f97"/><text x="32" y="40" font-size="24" text-anchor="middle" fill="#fff">%s</text></svg>`,
		template.HTMLEscapeString(sys.Name[:1]))
}

// connectSystem resolves the {kind}/{id} of a connect URL.
func (s *Server) connectSystem(r *http.Request) (System, bool) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		return System{}, false
	}
	sys, ok := s.system(id)
	return sys, ok && sys.Kind == r.PathValue("kind")
}

// connectPage is where an application sends a person's browser to connect
// a system: /connect/system/{kind}/{id}?client_id=...&access_token=...
// It approves at once (AutoApprove) or shows the approve/deny page.
func (s *Server) connectPage(w http.ResponseWriter, r *http.Request) {
	sys, ok := s.connectSystem(r)
	if !ok {
		htmlPage(w, http.StatusNotFound, "Unknown system", "There is no "+r.PathValue("kind")+" system "+r.PathValue("id")+".", nil)
		return
	}
	q := r.URL.Query()
	if q.Get("client_id") != s.opt.ClientID || q.Get("client_id") == "" {
		htmlPage(w, http.StatusUnauthorized, "Unknown application", "The link names no registered application (client_id).", nil)
		return
	}
	u := s.userOfToken(q.Get("access_token"))
	if u == nil {
		htmlPage(w, http.StatusUnauthorized, "Link expired", "The access token in this link is invalid or has expired. Start again from the application.", nil)
		return
	}
	state := q.Get("state")
	if s.opt.AutoApprove {
		s.mu.Lock()
		s.connectLocked(u, sys.ID)
		s.mu.Unlock()
		s.finish(w, r, sys, state, true)
		return
	}
	id := randomHex(12)
	s.mu.Lock()
	s.attempts[id] = attempt{user: u.id, system: sys.ID, state: state, expires: s.now().Add(15 * time.Minute)}
	s.mu.Unlock()
	htmlPage(w, http.StatusOK, "Connect "+sys.Name, "Sign in to "+sys.Name+" (simulated) and allow the application to read your data through 1upHealth.", &form{
		Action:  fmt.Sprintf("%s/connect/system/%s/%d", s.baseURL(r), sys.Kind, sys.ID),
		Attempt: id,
	})
}

// connectDecision receives the approve/deny page's form.
func (s *Server) connectDecision(w http.ResponseWriter, r *http.Request) {
	sys, ok := s.connectSystem(r)
	if !ok {
		htmlPage(w, http.StatusNotFound, "Unknown system", "There is no such system.", nil)
		return
	}
	p := params(r)
	s.mu.Lock()
	a, ok := s.attempts[p.Get("attempt")]
	delete(s.attempts, p.Get("attempt"))
	if !ok || a.system != sys.ID || !s.now().Before(a.expires) {
		s.mu.Unlock()
		htmlPage(w, http.StatusBadRequest, "Attempt expired", "This page is no longer valid. Start again from the application.", nil)
		return
	}
	approve := p.Get("decision") == "approve"
	if approve {
		s.connectLocked(s.byID[a.user], sys.ID)
	}
	s.mu.Unlock()
	s.finish(w, r, sys, a.state, approve)
}

// finish sends the browser back to the application's redirect URI.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, sys System, state string, approved bool) {
	if s.opt.RedirectURI == "" {
		if approved {
			htmlPage(w, http.StatusOK, sys.Name+" connected", "Your data will appear in a few moments. You can close this tab.", nil)
		} else {
			htmlPage(w, http.StatusOK, "Not connected", "Access to "+sys.Name+" was declined.", nil)
		}
		return
	}
	u, err := url.Parse(s.opt.RedirectURI)
	if err != nil {
		htmlPage(w, http.StatusInternalServerError, "Bad redirect URI", "The application's registered redirect URI does not parse.", nil)
		return
	}
	q := u.Query()
	if approved {
		q.Set("success", "true")
		q.Set("system_id", strconv.Itoa(sys.ID))
	} else {
		q.Set("error", "access_denied")
		q.Set("error_description", "the person declined access to "+sys.Name)
	}
	if state != "" {
		q.Set("state", state)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

type form struct {
	Action  string
	Attempt string
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>1upHealth (simulated): {{.Title}}</title></head>
<body style="font-family:sans-serif;max-width:36em;margin:3em auto">
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
{{with .Form}}<form method="post" action="{{.Action}}">
<input type="hidden" name="attempt" value="{{.Attempt}}">
<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>{{end}}
</body></html>
`))

func htmlPage(w http.ResponseWriter, status int, title, text string, f *form) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, struct {
		Title, Text string
		Form        *form
	}{title, text, f})
}
