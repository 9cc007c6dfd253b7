package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestEnrollmentLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		db := openAt(t, testLocation(t, backend), Options{})
		p, err := db.EnsureProfile(ctx, "p-1042")
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
		week := t0.Add(7 * 24 * time.Hour)
		e, err := db.CreateEnrollment(ctx, Enrollment{ProfileID: p.ID, Provider: ProviderOmron, Created: t0, Expires: week, CreatedBy: "dr-a"}, "hash-1", "")
		if err != nil {
			t.Fatal(err)
		}
		if e.Profile != "p-1042" || e.Status(t0) != EnrollmentPending || e.Status(week) != EnrollmentExpired || !e.Expires.Equal(week) {
			t.Fatalf("created %+v: want pending until %s, expired at it", e, week)
		}
		if _, err := db.CreateEnrollment(ctx, Enrollment{ProfileID: p.ID, Provider: ProviderOmron, Created: t0, Expires: week}, "hash-1", ""); err == nil {
			t.Fatal("a second link with the same token hash was accepted")
		}
		if got, err := db.EnrollmentByToken(ctx, "hash-1"); err != nil || got.ID != e.ID {
			t.Fatalf("by token = %+v, %v", got, err)
		}
		if _, err := db.EnrollmentByToken(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unknown token: %v, want ErrNotFound", err)
		}
		if err := db.OpenEnrollment(ctx, EnrollmentEvent{EnrollmentID: e.ID, At: t0.Add(time.Hour), Address: "192.0.2.7"}); err != nil {
			t.Fatal(err)
		}
		if err := db.OpenEnrollment(ctx, EnrollmentEvent{EnrollmentID: e.ID, At: t0.Add(2 * time.Hour), Address: "192.0.2.7"}); err != nil {
			t.Fatal(err)
		}

		// A trip to the sign-in: its state comes back once only.
		start := t0.Add(2 * time.Hour)
		a := EnrollmentAttempt{EnrollmentID: e.ID, StateHash: "state-1", Created: start, Expires: start.Add(15 * time.Minute)}
		if err := db.StartEnrollment(ctx, "session-1", start.Add(time.Hour), a, "192.0.2.7"); err != nil {
			t.Fatal(err)
		}
		if got, err := db.EnrollmentBySession(ctx, "session-1", start); err != nil || got.ID != e.ID {
			t.Fatalf("by session = %+v, %v", got, err)
		}
		if _, err := db.EnrollmentBySession(ctx, "session-1", start.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("session at its end: %v, want ErrNotFound", err)
		}
		used, err := db.UseEnrollmentAttempt(ctx, "state-1", start.Add(time.Minute))
		if err != nil || used.EnrollmentID != e.ID || !used.Expires.Equal(a.Expires) {
			t.Fatalf("use = %+v, %v", used, err)
		}
		if _, err := db.UseEnrollmentAttempt(ctx, "state-1", start.Add(2*time.Minute)); !errors.Is(err, ErrAttemptUsed) {
			t.Fatalf("state replayed: %v, want ErrAttemptUsed", err)
		}
		if _, err := db.UseEnrollmentAttempt(ctx, "forged", start); !errors.Is(err, ErrNotFound) {
			t.Fatalf("forged state: %v, want ErrNotFound", err)
		}

		acct, err := db.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOmron, ExternalID: "u-1"})
		if err != nil {
			t.Fatal(err)
		}
		done := start.Add(3 * time.Minute)
		if err := db.CompleteEnrollment(ctx, EnrollmentEvent{EnrollmentID: e.ID, At: done, Address: "192.0.2.7"}, acct.ID); err != nil {
			t.Fatal(err)
		}
		e, _ = db.Enrollment(ctx, e.ID)
		if e.Status(done) != EnrollmentUsed || e.AccountID != acct.ID || !e.Opened.Equal(t0.Add(time.Hour)) {
			t.Fatalf("completed: %+v, want used, account %d, opened at the first opening", e, acct.ID)
		}
		// A used link starts nothing, and cannot be revoked.
		b := EnrollmentAttempt{EnrollmentID: e.ID, StateHash: "state-2", Created: done, Expires: done.Add(time.Minute)}
		if err := db.StartEnrollment(ctx, "session-2", done.Add(time.Hour), b, ""); !errors.Is(err, ErrEnrollmentClosed) {
			t.Fatalf("start a used link: %v, want ErrEnrollmentClosed", err)
		}
		if err := db.RevokeEnrollment(ctx, EnrollmentEvent{EnrollmentID: e.ID, At: done}); !errors.Is(err, ErrEnrollmentClosed) {
			t.Fatalf("revoke a used link: %v, want ErrEnrollmentClosed", err)
		}
		// Its session may still add a trip (another 1upHealth system).
		if err := db.ContinueEnrollment(ctx, "session-1", b, ""); err != nil {
			t.Fatalf("continue in the session: %v", err)
		}
		if err := db.ContinueEnrollment(ctx, "session-x", EnrollmentAttempt{EnrollmentID: e.ID, StateHash: "state-3", Created: done, Expires: done}, ""); !errors.Is(err, ErrEnrollmentClosed) {
			t.Fatalf("continue in another session: %v, want ErrEnrollmentClosed", err)
		}

		// A second link, revoked: it starts nothing.
		f, err := db.CreateEnrollment(ctx, Enrollment{ProfileID: p.ID, Provider: ProviderOneUp, Created: t0, Expires: week}, "hash-2", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeEnrollment(ctx, EnrollmentEvent{EnrollmentID: f.ID, At: t0.Add(time.Minute), Address: ""}); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeEnrollment(ctx, EnrollmentEvent{EnrollmentID: 999, At: t0}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("revoke no such link: %v, want ErrNotFound", err)
		}
		c := EnrollmentAttempt{EnrollmentID: f.ID, StateHash: "state-4", Created: t0.Add(time.Hour), Expires: week}
		if err := db.StartEnrollment(ctx, "session-4", week, c, ""); !errors.Is(err, ErrEnrollmentClosed) {
			t.Fatalf("start a revoked link: %v, want ErrEnrollmentClosed", err)
		}
		list, err := db.Enrollments(ctx, p.ID)
		if err != nil || len(list) != 2 || list[1].Status(t0) != EnrollmentRevoked || list[0].Status(t0) != EnrollmentUsed {
			t.Fatalf("list = %+v, %v: want the used link, then the revoked one", list, err)
		}
		if all, err := db.Enrollments(ctx, 0); err != nil || len(all) != 2 {
			t.Fatalf("every profile's: %d, %v", len(all), err)
		}
		trail, err := db.EnrollmentEvents(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, ev := range trail {
			kinds = append(kinds, ev.Event+"@"+ev.Address)
		}
		want := []string{"created@", "opened@192.0.2.7", "opened@192.0.2.7", "started@192.0.2.7", "completed@192.0.2.7", "started@"}
		if len(kinds) != len(want) {
			t.Fatalf("trail = %v, want %v", kinds, want)
		}
		for i := range want {
			if kinds[i] != want[i] {
				t.Fatalf("trail = %v, want %v", kinds, want)
			}
		}
	})
}
