package enroll

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"vitals/providers"
)

// The pages are plain html/template: no JavaScript, readable on a phone
// (one column, 1rem text and larger, buttons a thumb can press), labelled
// buttons, language set, and colours of at least 7:1 contrast. Every
// failure says in a sentence what happened and what to do.

// page is what one page shows.
type page struct {
	status  string // for the log: ok, used, expired, ...
	Title   string
	Alert   bool     // the lead is a failure: announced to screen readers
	Done    bool     // the lead is a success
	Lead    string   // the page's main sentence
	Shared  []string // what will be shared
	Body    []string // more paragraphs
	Button  string   // a form posting back to Action; "" offers nothing
	Action  string   // "" posts to the page's own address
	Systems []systemGroup
	Clinic  string
}

// systemGroup is a kind of 1upHealth system (devices, health systems).
type systemGroup struct {
	Title   string
	Systems []systemButton
}

// systemButton is a 1upHealth device or health system to connect.
type systemButton struct {
	ID, Name  string
	Connected bool
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>{{.Title}} · {{.Clinic}}</title>
<link rel="stylesheet" href="/enroll/style.css">
</head>
<body>
<main>
<p class="from">{{.Clinic}}</p>
<h1>{{.Title}}</h1>
{{if .Alert}}<p class="lead alert" role="alert">{{.Lead}}</p>
{{else if .Done}}<p class="lead done" role="status">{{.Lead}}</p>
{{else}}<p class="lead">{{.Lead}}</p>
{{end}}{{with .Shared}}<h2>What will be shared</h2>
<ul>{{range .}}<li>{{.}}</li>{{end}}</ul>
{{end}}{{range .Body}}<p>{{.}}</p>
{{end}}{{if .Button}}<form method="post"{{with .Action}} action="{{.}}"{{end}}>
<button type="submit" name="go" value="1">{{.Button}}</button>
</form>
{{end}}{{with .Systems}}<form method="post"{{with $.Action}} action="{{.}}"{{end}}>
{{range .}}<fieldset>
<legend>{{.Title}}</legend>
<ul class="systems">{{range .Systems}}<li>{{if .Connected}}<span class="connected">✓ {{.Name}} is connected</span>{{else}}<button type="submit" name="system" value="{{.ID}}">Connect {{.Name}}</button>{{end}}</li>
{{end}}</ul>
</fieldset>
{{end}}</form>
{{end}}</main>
</body>
</html>
`))

// style is the pages' one stylesheet, served from the hub itself so the
// Content-Security-Policy allows no inline style.
const style = `html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:1.0625rem;line-height:1.55;color:#1a1a1a;background:#fff}
main{max-width:34rem;margin:0 auto;padding:1.25rem 1.1rem 3rem}
.from{margin:0 0 .25rem;font-size:.95rem;font-weight:600;color:#3d3d3d;letter-spacing:.01em}
h1{font-size:1.55rem;line-height:1.25;margin:.2rem 0 1rem}
h2{font-size:1.1rem;margin:1.4rem 0 .4rem}
.lead{font-size:1.125rem}
.alert{color:#7a0000;background:#fdecea;border-left:5px solid #7a0000;padding:.7rem .9rem;border-radius:4px}
.done{color:#0f4d1f;background:#e7f5ea;border-left:5px solid #0f4d1f;padding:.7rem .9rem;border-radius:4px}
ul{padding-left:1.3rem}
li{margin:.2rem 0}
form{margin:1.6rem 0 0}
fieldset{border:0;padding:0;margin:0 0 1.2rem}
legend{font-weight:600;font-size:1.1rem;margin-bottom:.4rem}
.systems{list-style:none;padding:0}
.systems li{margin:.6rem 0}
button{display:block;width:100%;min-height:3rem;font:inherit;font-weight:600;color:#fff;background:#0b5394;border:2px solid #0b5394;border-radius:6px;padding:.7rem 1rem;cursor:pointer;text-align:center}
button:focus-visible{outline:3px solid #1a1a1a;outline-offset:3px}
.connected{font-weight:600;color:#0f4d1f}
`

func serveStyle(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	// The stylesheet holds nothing private; a day's cache spares phones.
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write([]byte(style))
}

// render writes a page with its status, and logs its outcome.
func (s *Service) render(w http.ResponseWriter, r *http.Request, code int, p page) {
	p.Clinic = s.opt.Clinic
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := pageTemplate.Execute(w, p); err != nil {
		s.log.Warn("enrollment page not written", "err", err)
	}
}

// guard sends the headers every answer carries and rations each client
// address (providers.ClientAddress).
func (s *Service) guard(next http.Handler) http.Handler {
	csp := "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'" + s.formTargets()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.public.Scheme == "https" {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if wait := s.limits.Reserve(providers.ClientAddress(r), s.now()); wait > 0 {
			secs := int(wait/time.Second) + 1
			h.Set("Retry-After", strconv.Itoa(secs))
			s.log.Warn("enrollment request rate-limited", "addr", providers.ClientAddress(r))
			s.render(w, r, http.StatusTooManyRequests, page{status: "rate-limited", Title: "Too many requests", Alert: true,
				Lead: fmt.Sprintf("This address sent too many requests. Wait %d seconds, then open your link again.", secs)})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// formTargets are the origins a form may lead to: a form posts to the
// hub, which answers with a redirect to the provider, and browsers apply
// form-action to where the redirect goes.
func (s *Service) formTargets() string {
	var out []string
	for _, raw := range []string{s.opt.Config.Omron.AuthorizeURL, s.opt.Config.OneUp.APIURL} {
		if o := origin(raw); o != "" && !strings.Contains(strings.Join(out, " "), o) {
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return " " + strings.Join(out, " ")
}

// origin is scheme://host of an absolute URL, or "".
func origin(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || scheme == "" {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	if host == "" || strings.ContainsAny(host, " ;'") {
		return ""
	}
	return scheme + "://" + host
}

// The pages. Each failure says what happened and what to do.

func notFoundPage(clinic string) page {
	return page{status: "unknown", Title: "Link not recognised", Alert: true,
		Lead: "This link is not one we know. Check that you opened the whole address from the message, or ask " + clinic + " for a new link.",
		Body: []string{"Nothing was shared."}}
}

func usedPage(clinic string) page {
	return page{status: "used", Title: "This link was already used", Alert: true,
		Lead: "This link was already used to connect an account, and it cannot be used again.",
		Body: []string{"If you connected your account, nothing more is needed. If you did not, contact " + clinic + "."}}
}

func expiredPage(clinic string, when time.Time) page {
	return page{status: "expired", Title: "This link has expired", Alert: true,
		Lead: "This link expired on " + when.Format("2 January 2006") + ". Ask " + clinic + " to send you a new one.",
		Body: []string{"Nothing was shared."}}
}

func revokedPage(clinic string) page {
	return page{status: "revoked", Title: "This link was withdrawn", Alert: true,
		Lead: clinic + " withdrew this link, so it no longer works. Ask them for a new one if you still want to connect.",
		Body: []string{"Nothing was shared."}}
}

func unavailablePage() page {
	return page{status: "unavailable", Title: "Please try again later", Alert: true,
		Lead: "The service cannot answer right now. Nothing was shared. Please try your link again in a few minutes."}
}

func refusedPage(clinic string) page {
	return page{status: "refused", Title: "Sign-in not accepted", Alert: true,
		Lead: "This sign-in does not match a link opened in this browser, so it was refused. Nothing was shared.",
		Body: []string{"Open the link from " + clinic + " again on this phone or computer, and sign in from there."}}
}

func replayedPage(clinic string) page {
	return page{status: "replayed", Title: "This sign-in is finished", Alert: true,
		Lead: "This sign-in was already handled and cannot be used again.",
		Body: []string{"If you saw a page saying you are connected, nothing more is needed. Otherwise open the link from " + clinic + " again."}}
}

func slowPage(clinic string) page {
	return page{status: "slow", Title: "The sign-in took too long", Alert: true,
		Lead: "The sign-in took too long and was stopped for your safety. Nothing was shared.",
		Body: []string{"Open the link from " + clinic + " again to start over."}}
}
