package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"vitals/store"
)

// Sources lists the profile's pending and used enrollment links, and
// leaves out expired and revoked ones.
func TestSourcesShowEnrollments(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	week := 7 * 24 * time.Hour
	mk := func(hash string, created time.Time, p store.Provider) store.Enrollment {
		e, err := fx.db.CreateEnrollment(ctx, store.Enrollment{ProfileID: fx.me.ID, Provider: p, Created: created, Expires: created.Add(week)}, hash, "")
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	mk("h1", fixNow.Add(-time.Hour), store.ProviderOmron)
	used := mk("h2", fixNow.Add(-48*time.Hour), store.ProviderOneUp)
	if err := fx.db.CompleteEnrollment(ctx, store.EnrollmentEvent{EnrollmentID: used.ID, At: fixNow.Add(-24 * time.Hour)}, fx.oneup.ID); err != nil {
		t.Fatal(err)
	}
	mk("h3", fixNow.Add(-30*24*time.Hour), store.ProviderOmron) // expired
	m := loaded(t, fx, 120, 40)
	m.tab = TabSources
	s := screen(m)
	for _, want := range []string{"Enrollment links", "#1 Omron Wellness: … pending until", "not opened yet", "#2 1upHealth: ✓ used"} {
		if !strings.Contains(s, want) {
			t.Errorf("Sources lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "#3 ") {
		t.Errorf("an expired link is listed:\n%s", s)
	}
}
