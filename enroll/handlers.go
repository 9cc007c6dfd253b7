package enroll

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"slices"
	"time"

	"vitals/link"
	"vitals/providers"
	"vitals/providers/omron"
	"vitals/providers/oneup"
	"vitals/store"
)

// The flow: GET /enroll/{token} shows the link's page (or why it no
// longer works); its button POSTs back to the same address, which gives
// the browser a session cookie, records a trip with a fresh state, and
// redirects to Omron's sign-in (or 1upHealth's connect page). The
// provider sends the browser back to a callback, which spends the state
// once, checks that the same browser's session started it, finishes the
// link and says so. POST /enroll/session goes on in that session: try
// again after a refusal, connect another 1upHealth system.

// landing is GET /enroll/{token}.
func (s *Service) landing(w http.ResponseWriter, r *http.Request) {
	e, ok := s.byToken(w, r)
	if !ok {
		return
	}
	addr := providers.ClientAddress(r)
	if err := s.opt.DB.OpenEnrollment(r.Context(), store.EnrollmentEvent{EnrollmentID: e.ID, At: s.now(), Address: addr}); err != nil {
		s.log.Warn("enrollment opened, not recorded", "enrollment", e.ID, "err", err)
	}
	s.log.Info("enrollment link opened", "enrollment", e.ID, "addr", addr)
	p, code := s.invitation(r.Context(), e, nil)
	s.render(w, r, code, p)
}

// byToken finds a pending link by the token in the path, or answers with
// the page that says why not.
func (s *Service) byToken(w http.ResponseWriter, r *http.Request) (store.Enrollment, bool) {
	token := r.PathValue("token")
	if !tokenShaped(token) {
		s.render(w, r, http.StatusNotFound, notFoundPage(s.opt.Clinic))
		return store.Enrollment{}, false
	}
	e, err := s.opt.DB.EnrollmentByToken(r.Context(), digest(token))
	if errors.Is(err, store.ErrNotFound) {
		s.log.Info("enrollment link unknown", "addr", providers.ClientAddress(r))
		s.render(w, r, http.StatusNotFound, notFoundPage(s.opt.Clinic))
		return e, false
	}
	if err != nil {
		s.log.Warn("enrollment link not read", "err", err)
		s.render(w, r, http.StatusServiceUnavailable, unavailablePage())
		return e, false
	}
	if !s.open(w, r, e) {
		return e, false
	}
	return e, true
}

// open answers with the page of a link that is no longer pending.
func (s *Service) open(w http.ResponseWriter, r *http.Request, e store.Enrollment) bool {
	var p page
	switch e.Status(s.now()) {
	case store.EnrollmentPending:
		return true
	case store.EnrollmentUsed:
		p = usedPage(s.opt.Clinic)
	case store.EnrollmentExpired:
		p = expiredPage(s.opt.Clinic, e.Expires)
	case store.EnrollmentRevoked:
		p = revokedPage(s.opt.Clinic)
	}
	s.log.Info("enrollment link closed", "enrollment", e.ID, "status", p.status, "addr", providers.ClientAddress(r))
	s.render(w, r, http.StatusGone, p)
	return false
}

// invitation is a pending link's page: who asks, what is shared, how to
// stop, and the button (Omron) or the systems (1upHealth).
func (s *Service) invitation(ctx context.Context, e store.Enrollment, connected []string) (page, int) {
	c := s.opt.Clinic
	stop := "You can stop sharing at any time: ask " + c + " to unlink your account"
	switch e.Provider {
	case store.ProviderOmron:
		return page{status: "invitation", Title: "Share your Omron readings with " + c,
			Lead: c + " asks to receive the readings your Omron devices store in your Omron account, so they can follow them between visits.",
			Shared: []string{"Blood pressure and pulse, with irregular-heartbeat and AFib flags", "Weight and body composition",
				"Activity, body temperature and oxygen saturation, if your devices measure them"},
			Body: []string{
				"You will sign in on Omron's own page: " + c + " never sees your Omron password.",
				stop + ", or remove this app from your Omron account.",
			},
			Button: "Continue to Omron sign-in"}, http.StatusOK
	default:
		systems, err := s.opt.Flow.Systems(ctx, "")
		if err != nil {
			s.log.Warn("1upHealth systems not listed", "enrollment", e.ID, "err", err)
			return page{status: "unavailable", Title: "Please try again later", Alert: true,
				Lead: "The list of devices and health systems cannot be fetched right now. Nothing was shared. Please open your link again in a few minutes."}, http.StatusServiceUnavailable
		}
		groups := []systemGroup{{Title: "Devices and apps"}, {Title: "Health systems"}}
		for _, sys := range systems {
			if !sys.Working() {
				continue
			}
			g := &groups[1]
			if sys.Kind == oneup.KindDevice {
				g = &groups[0]
			}
			g.Systems = append(g.Systems, systemButton{ID: sys.ID, Name: sys.Name, Connected: slices.Contains(connected, sys.ID)})
		}
		groups = slices.DeleteFunc(groups, func(g systemGroup) bool { return len(g.Systems) == 0 })
		return page{status: "invitation", Title: "Share your health data with " + c,
			Lead: c + " asks to receive the readings of your devices and the records of your health systems, through 1upHealth.",
			Shared: []string{"Readings such as blood pressure, weight, activity and oxygen saturation from the devices you connect",
				"Observations from the health systems you connect"},
			Body:    []string{"Each button takes you to the device's or health system's own sign-in, then back here. Connect as many as you like.", stop + "."},
			Systems: groups}, http.StatusOK
	}
}

// start is POST /enroll/{token}: a new session for the link, and the
// first trip to the provider.
func (s *Service) start(w http.ResponseWriter, r *http.Request) {
	e, ok := s.byToken(w, r)
	if !ok {
		return
	}
	session := rand.Text()
	s.trip(w, r, e, session, true)
}

// continueSession is POST /enroll/session: another trip in the session
// that started the link.
func (s *Service) continueSession(w http.ResponseWriter, r *http.Request) {
	session, e, ok := s.session(w, r)
	if !ok {
		return
	}
	if e.Provider == store.ProviderOmron && !s.open(w, r, e) {
		return
	}
	s.trip(w, r, e, session, false)
}

// session finds the link of the request's session cookie, or answers.
func (s *Service) session(w http.ResponseWriter, r *http.Request) (string, store.Enrollment, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		s.render(w, r, http.StatusBadRequest, refusedPage(s.opt.Clinic))
		return "", store.Enrollment{}, false
	}
	e, err := s.opt.DB.EnrollmentBySession(r.Context(), digest(c.Value), s.now())
	if errors.Is(err, store.ErrNotFound) {
		s.render(w, r, http.StatusBadRequest, refusedPage(s.opt.Clinic))
		return "", e, false
	}
	if err != nil {
		s.log.Warn("enrollment session not read", "err", err)
		s.render(w, r, http.StatusServiceUnavailable, unavailablePage())
		return "", e, false
	}
	if !e.Revoked.IsZero() {
		s.render(w, r, http.StatusGone, revokedPage(s.opt.Clinic))
		return "", e, false
	}
	return c.Value, e, true
}

// trip records a trip to the provider and sends the browser there.
func (s *Service) trip(w http.ResponseWriter, r *http.Request, e store.Enrollment, session string, first bool) {
	ctx, now, addr := r.Context(), s.now(), providers.ClientAddress(r)
	state := rand.Text()
	a := store.EnrollmentAttempt{EnrollmentID: e.ID, StateHash: digest(state), Created: now, Expires: now.Add(attemptTTL)}
	var target string
	switch e.Provider {
	case store.ProviderOmron:
		if err := s.opt.Config.OmronReady(); err != nil {
			s.fail(w, r, e, "omron is not configured on the hub", err, unavailablePage())
			return
		}
		target = omron.New(s.omronConfig(), s.opt.Flow.HTTP).AuthorizationFor(state, verifier(session, state)).URL
	case store.ProviderOneUp:
		sys, acct, ok := s.oneUpTarget(w, r, e)
		if !ok {
			return
		}
		a.SystemID, a.SystemName, a.SystemKind = sys.ID, sys.Name, sys.Kind
		client := oneup.New(s.opt.Config.OneUp, s.opt.Flow.HTTP)
		tok, err := client.Credentials(s.opt.DB, acct.ID).Token(ctx)
		if err != nil {
			s.fail(w, r, e, "1upHealth token", err, unavailablePage())
			return
		}
		// 1upHealth's connect page takes the user's access token in its
		// query and nothing else: the one redirect that carries a token,
		// to the vendor's own host, and never written to a page or log.
		target = client.ConnectLink(sys, tok.AccessToken, state).Reveal()
	}
	var err error
	if first {
		err = s.opt.DB.StartEnrollment(ctx, digest(session), now.Add(sessionTTL), a, addr)
	} else {
		err = s.opt.DB.ContinueEnrollment(ctx, digest(session), a, addr)
	}
	if errors.Is(err, store.ErrEnrollmentClosed) {
		e, _ = s.opt.DB.Enrollment(ctx, e.ID)
		if s.open(w, r, e) { // closed under the session only: it ended
			s.render(w, r, http.StatusBadRequest, refusedPage(s.opt.Clinic))
		}
		return
	}
	if err != nil {
		s.log.Warn("enrollment not started", "enrollment", e.ID, "err", err)
		s.render(w, r, http.StatusServiceUnavailable, unavailablePage())
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: session, Path: Prefix, MaxAge: int(sessionTTL / time.Second),
		HttpOnly: true, Secure: s.public.Scheme == "https", SameSite: http.SameSiteLaxMode})
	s.log.Info("enrollment started", "enrollment", e.ID, "provider", e.Provider, "system", a.SystemName, "addr", addr)
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// omronConfig is the Omron client's configuration with the hub's callback
// as its redirect URI.
func (s *Service) omronConfig() omron.Config {
	cfg := s.opt.Config.Omron
	cfg.RedirectURL = s.abs(OmronCallback)
	return cfg
}

// oneUpTarget is the system the form asked for and the link's 1upHealth
// account, linked now (the user created or found) on the first trip.
func (s *Service) oneUpTarget(w http.ResponseWriter, r *http.Request, e store.Enrollment) (oneup.System, store.Account, bool) {
	ctx := r.Context()
	if err := s.opt.Config.OneUpReady(); err != nil {
		s.fail(w, r, e, "oneup is not configured on the hub", err, unavailablePage())
		return oneup.System{}, store.Account{}, false
	}
	systems, err := s.opt.Flow.Systems(ctx, "")
	if err != nil {
		s.fail(w, r, e, "1upHealth systems", err, unavailablePage())
		return oneup.System{}, store.Account{}, false
	}
	i := slices.IndexFunc(systems, func(sys oneup.System) bool { return sys.ID == r.PostFormValue("system") })
	if i < 0 {
		p, _ := s.invitation(ctx, e, nil)
		p.Alert, p.Lead = true, "Choose a device or health system from the list below."
		s.render(w, r, http.StatusBadRequest, p)
		return oneup.System{}, store.Account{}, false
	}
	prof, err := s.opt.DB.ProfileByID(ctx, e.ProfileID)
	if err != nil {
		s.fail(w, r, e, "profile", err, unavailablePage())
		return oneup.System{}, store.Account{}, false
	}
	acct, err := oneup.FindAccount(ctx, s.opt.DB, e.ProfileID)
	if errors.Is(err, oneup.ErrNotLinked) {
		var l link.Linked
		l, err = s.opt.Flow.Link(ctx, prof, store.ProviderOneUp, nil)
		acct = l.Account
	}
	if err != nil {
		s.fail(w, r, e, "1upHealth user", err, unavailablePage())
		return oneup.System{}, store.Account{}, false
	}
	return systems[i], acct, true
}

// callbackAttempt spends the callback's state and checks that this
// browser's session started its link. It answers and returns false when
// anything is wrong: a missing, forged, replayed, expired or moved state.
func (s *Service) callbackAttempt(w http.ResponseWriter, r *http.Request, stateOptional bool) (store.EnrollmentAttempt, store.Enrollment, string, bool) {
	ctx, now, addr := r.Context(), s.now(), providers.ClientAddress(r)
	state := r.URL.Query().Get("state")
	var session string
	if c, err := r.Cookie(cookieName); err == nil {
		session = c.Value
	}
	var a store.EnrollmentAttempt
	var err error
	switch {
	case state != "":
		a, err = s.opt.DB.UseEnrollmentAttempt(ctx, digest(state), now)
	case stateOptional && session != "":
		// 1upHealth may drop the state: the session's newest trip.
		var e store.Enrollment
		if e, err = s.opt.DB.EnrollmentBySession(ctx, digest(session), now); err == nil {
			a, err = s.opt.DB.UseLatestEnrollmentAttempt(ctx, e.ID, now)
		}
	default:
		err = store.ErrNotFound
	}
	switch {
	case errors.Is(err, store.ErrAttemptUsed):
		s.log.Warn("enrollment callback refused: state replayed", "addr", addr)
		s.render(w, r, http.StatusConflict, replayedPage(s.opt.Clinic))
		return a, store.Enrollment{}, "", false
	case errors.Is(err, store.ErrNotFound):
		s.log.Warn("enrollment callback refused: unknown state", "addr", addr)
		s.render(w, r, http.StatusBadRequest, refusedPage(s.opt.Clinic))
		return a, store.Enrollment{}, "", false
	case err != nil:
		s.log.Warn("enrollment callback not read", "err", err)
		s.render(w, r, http.StatusServiceUnavailable, unavailablePage())
		return a, store.Enrollment{}, "", false
	}
	e, err := s.opt.DB.Enrollment(ctx, a.EnrollmentID)
	if err != nil {
		s.log.Warn("enrollment callback not read", "err", err)
		s.render(w, r, http.StatusServiceUnavailable, unavailablePage())
		return a, e, "", false
	}
	// The session must be this link's, now: a state carried to another
	// browser, or into another link's session, goes no further.
	own, err := s.opt.DB.EnrollmentBySession(ctx, digest(session), now)
	if session == "" || err != nil || own.ID != e.ID {
		s.fail(w, r, e, "the state came back in a browser session that did not start it", nil, refusedPage(s.opt.Clinic))
		return a, e, "", false
	}
	if !now.Before(a.Expires) {
		s.fail(w, r, e, "the sign-in took longer than "+attemptTTL.String(), nil, slowPage(s.opt.Clinic))
		return a, e, "", false
	}
	if !e.Revoked.IsZero() {
		s.fail(w, r, e, "the link was revoked during the sign-in", nil, revokedPage(s.opt.Clinic))
		return a, e, "", false
	}
	return a, e, session, true
}

// omronCallback is where Omron sends the browser back.
func (s *Service) omronCallback(w http.ResponseWriter, r *http.Request) {
	_, e, session, ok := s.callbackAttempt(w, r, false)
	if !ok {
		return
	}
	ctx, q := r.Context(), r.URL.Query()
	if q.Get("error") != "" {
		reason := "Omron reported an error"
		p := page{status: "failed", Title: "Not connected", Alert: true,
			Lead: "Omron did not finish the sign-in. Nothing was shared.",
			Body: []string{"You can try again now, or later from the same link."}, Button: "Try again", Action: sessionPath}
		if q.Get("error") == "access_denied" {
			reason = "the patient declined at Omron"
			p.Lead = "You chose not to share your Omron readings. Nothing was shared."
			p.Body = []string{"If you change your mind, press the button below or open the link again before it expires."}
		}
		s.fail(w, r, e, reason, nil, p)
		return
	}
	code := q.Get("code")
	if code == "" {
		s.fail(w, r, e, "the redirect carried no code", nil, refusedPage(s.opt.Clinic))
		return
	}
	client := omron.New(s.omronConfig(), s.opt.Flow.HTTP)
	state := q.Get("state")
	g, err := client.Exchange(ctx, client.AuthorizationFor(state, verifier(session, state)), code)
	if err != nil {
		s.fail(w, r, e, "the code exchange failed", err, page{status: "failed", Title: "Not connected", Alert: true,
			Lead: "Omron did not confirm the sign-in, so nothing was stored. Nothing was shared.",
			Body: []string{"Please try again. If it fails again, contact " + s.opt.Clinic + "."}, Button: "Try again", Action: sessionPath})
		return
	}
	acct, err := omron.SaveLink(ctx, s.opt.DB, e.ProfileID, g)
	if err != nil {
		s.fail(w, r, e, "the account was not stored", err, unavailablePage())
		return
	}
	s.complete(w, r, e, acct, "Omron user "+g.UserID, page{status: "completed", Title: "Connected", Done: true,
		Lead: "Connected — your readings will reach " + s.opt.Clinic + ".",
		Body: []string{"New readings from your Omron devices will be shared from now on; you do not need to do anything else. You can close this page.",
			"To stop sharing, ask " + s.opt.Clinic + " to unlink your account, or remove this app from your Omron account."}})
}

// oneUpCallback is where 1upHealth sends the browser back from a
// system's connect page.
func (s *Service) oneUpCallback(w http.ResponseWriter, r *http.Request) {
	a, e, _, ok := s.callbackAttempt(w, r, true)
	if !ok {
		return
	}
	ctx, q := r.Context(), r.URL.Query()
	retry := func(lead string) page {
		p, _ := s.invitation(ctx, e, nil)
		p.status, p.Title, p.Alert, p.Lead, p.Action = "failed", "Not connected", true, lead, sessionPath
		return p
	}
	if q.Get("error") != "" || q.Get("success") == "false" {
		s.fail(w, r, e, a.SystemName+" was not connected", nil, retry(a.SystemName+" was not connected. Nothing was shared from it. You can try again or choose another."))
		return
	}
	if id := q.Get("system_id"); id != "" && id != a.SystemID {
		s.fail(w, r, e, "the redirect named another system", nil, retry("1upHealth named a different system than the one you chose, so nothing was recorded. Please try again."))
		return
	}
	acct, err := oneup.FindAccount(ctx, s.opt.DB, e.ProfileID)
	if err == nil {
		cn := oneup.Connect{System: oneup.System{ID: a.SystemID, Name: a.SystemName, Kind: a.SystemKind}}
		err = cn.Save(ctx, s.opt.DB, acct.ID)
	}
	if err != nil {
		s.fail(w, r, e, "the system was not stored", err, unavailablePage())
		return
	}
	var connected []string
	if systems, err := s.opt.DB.Systems(ctx, acct.ID); err == nil {
		for _, sys := range systems {
			connected = append(connected, sys.ID)
		}
	}
	p, _ := s.invitation(ctx, e, connected)
	p.status, p.Title, p.Done, p.Action, p.Shared = "completed", "Connected", true, sessionPath, nil
	p.Lead = "Connected — your readings from " + a.SystemName + " will reach " + s.opt.Clinic + "."
	p.Body = []string{"You can connect another device or health system below, or close this page."}
	s.complete(w, r, e, acct, "1upHealth system "+a.SystemName, p)
}

// complete records the link used (its account) and tells the engine.
func (s *Service) complete(w http.ResponseWriter, r *http.Request, e store.Enrollment, acct store.Account, what string, p page) {
	ctx, addr := r.Context(), providers.ClientAddress(r)
	if err := s.opt.DB.CompleteEnrollment(ctx, store.EnrollmentEvent{EnrollmentID: e.ID, At: s.now(), Address: addr, Detail: what}, acct.ID); err != nil {
		s.log.Warn("enrollment completion not recorded", "enrollment", e.ID, "err", err)
	}
	s.log.Info("enrollment completed", "enrollment", e.ID, "provider", e.Provider, "account", acct.ID, "addr", addr)
	if s.opt.Flow.Changed != nil {
		if err := s.opt.Flow.Changed(context.WithoutCancel(ctx), acct.ID); err != nil {
			s.log.Warn("the sync engine did not take up the account enrolled (it will at its next start)", "account", acct.ID, "err", err)
		}
	}
	s.render(w, r, http.StatusOK, p)
}

// fail records a failure in the link's trail and the log, and answers
// with p. err is logged (errors of this project never hold a secret).
func (s *Service) fail(w http.ResponseWriter, r *http.Request, e store.Enrollment, reason string, err error, p page) {
	addr := providers.ClientAddress(r)
	detail := reason
	if err != nil {
		detail += ": " + err.Error()
	}
	if rerr := s.opt.DB.RecordEnrollmentEvent(r.Context(), store.EnrollmentEvent{EnrollmentID: e.ID, At: s.now(), Event: "failed", Address: addr,
		Detail: providers.VendorText(detail, 300)}); rerr != nil {
		s.log.Warn("enrollment failure not recorded", "enrollment", e.ID, "err", rerr)
	}
	s.log.Warn("enrollment failed", "enrollment", e.ID, "reason", reason, "err", err, "addr", addr)
	code := http.StatusBadRequest
	if p.status == "unavailable" {
		code = http.StatusServiceUnavailable
	} else if p.status == "failed" {
		code = http.StatusOK
	}
	s.render(w, r, code, p)
}
