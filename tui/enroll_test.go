package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"vitals/store"
)

// TestEnrollFromSources: E on the Sources tab, then o, makes an Omron
// enrollment link for the profile on screen and shows it once with its
// QR code; esc closes the box and nothing keeps the link.
func TestEnrollFromSources(t *testing.T) {
	fx := newFixture(t)
	var asked []string
	fx.options.Enroll = func(_ context.Context, prof store.Profile, p store.Provider) (EnrollmentLink, error) {
		asked = append(asked, prof.Name+" "+string(p))
		return EnrollmentLink{ID: 7, Provider: p, URL: "https://vitals.clinic.example/enroll/SECRETTOKEN",
			QR: "█▀▀█\n█▄▄█\n", Expires: time.Date(2026, 12, 9, 10, 0, 0, 0, time.UTC)}, nil
	}
	m := loaded(t, fx, 120, 36)
	run(t, m, m.onKey(keyMsg("7")))
	if s := screen(m); !strings.Contains(s, "E makes an enrollment link") {
		t.Errorf("the Sources tab does not say how to make a link:\n%s", s)
	}
	run(t, m, m.onKey(keyMsg("E")))
	if s := screen(m); m.overlay != overlayEnroll || !strings.Contains(s, "o  Omron Wellness") || !strings.Contains(s, "u  1upHealth") {
		t.Fatalf("overlay %d:\n%s", m.overlay, s)
	}
	run(t, m, m.onKey(keyMsg("o")))
	if len(asked) != 1 || asked[0] != m.profile.Name+" omron" {
		t.Fatalf("asked for %v", asked)
	}
	s := screen(m)
	for _, want := range []string{"Enrollment link for", "Omron Wellness, valid until 09 Dec 2026", "https://vitals.clinic.example/enroll/SECRETTOKEN", "█▀▀█", "y copy the link", "esc close"} {
		if !strings.Contains(s, want) {
			t.Errorf("the link's box lacks %q:\n%s", want, s)
		}
	}
	run(t, m, m.onKey(keyMsg("esc")))
	if m.overlay != overlayNone || m.enroll != nil || strings.Contains(screen(m), "SECRETTOKEN") {
		t.Errorf("esc left overlay %d, %+v", m.overlay, m.enroll)
	}

	// The vendor-side failure is said, and no box stays open.
	fx.options.Enroll = func(context.Context, store.Profile, store.Provider) (EnrollmentLink, error) {
		return EnrollmentLink{}, errors.New("enroll: the database is open read-only")
	}
	m = loaded(t, fx, 120, 36)
	run(t, m, m.onKey(keyMsg("E")))
	run(t, m, m.onKey(keyMsg("u")))
	if m.overlay != overlayNone || !strings.Contains(screen(m), "No enrollment link was made") {
		t.Errorf("after a failure: overlay %d\n%s", m.overlay, screen(m))
	}

	// Without a public address, E says what to set.
	fx.options.Enroll = nil
	m = loaded(t, fx, 120, 36)
	run(t, m, m.onKey(keyMsg("E")))
	if m.overlay != overlayNone || !strings.Contains(m.notice, "serve.public_url") {
		t.Errorf("without a public URL: overlay %d, notice %q", m.overlay, m.notice)
	}
}
