package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vitals/health"
	"vitals/store"
)

func TestProfileCommands(t *testing.T) {
	dir := t.TempDir()
	run := func(stdin string, args ...string) (string, string, error) {
		t.Helper()
		return runClinic(t, dir, strings.NewReader(stdin), args...)
	}
	if out, _, err := run("", "profile", "add", "p-1042", "--display-name", "Jane Doe", "--height", "1.68"); err != nil || !strings.Contains(out, "Added profile p-1042 (Jane Doe)") {
		t.Fatalf("add: %v %q", err, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"profile", "add", "p-1042"}, `profile "p-1042" already exists`},
		{[]string{"profile", "add", "-bad"}, "unknown shorthand"},
		{[]string{"profile", "add", "bad name"}, "1 to 64 letters"},
		{[]string{"profile", "add", "x", "--height", "172"}, "(172 cm is --height 1.72)"},
		{[]string{"profile", "add"}, "name the profile to add"},
		{[]string{"profile", "rename", "nobody", "x"}, `no profile "nobody"`},
		{[]string{"profile", "remove", "nobody", "--yes"}, `no profile "nobody"`},
	} {
		if _, _, err := run("", tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	if _, _, err := run("", "--profile", "p-1042", "add", "bp", "141/90", "--pulse", "70", "--at", "2025-01-14T07:00:00-05:00"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run("", "--profile", "p-1042", "add", "weight", "70.2", "--at", "2025-01-15T07:00:00-05:00"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run("", "profile", "add", "p-2000"); err != nil {
		t.Fatal(err)
	}

	out, _, err := run("", "--profile", "p-2000", "profile", "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 ||
		strings.Join(strings.Fields(lines[0]), " ") != "NAME DISPLAY NAME READINGS ACCOUNTS LAST READING" ||
		strings.Join(strings.Fields(lines[1]), " ") != "p-1042 Jane Doe 2 1 2025-01-15 07:00 -05:00" ||
		strings.Join(strings.Fields(lines[2]), " ") != "* p-2000 - 0 0 -" {
		t.Errorf("list:\n%s", out)
	}

	if _, _, err := run("", "profile", "rename", "p-1042", "p-2000"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("rename onto an existing profile: %v", err)
	}
	if out, _, err := run("", "profile", "rename", "p-1042", "jane"); err != nil || !strings.Contains(out, "Renamed profile p-1042 to jane.") {
		t.Fatalf("rename: %v %q", err, out)
	}

	// Without a terminal and without --yes: refused, and says what it would delete.
	_, errOut, err := run("", "profile", "remove", "jane")
	if err == nil || !strings.Contains(err.Error(), "add --yes") {
		t.Errorf("remove without a terminal: %v", err)
	}
	want := "Removing profile jane (Jane Doe) deletes:\n  account: Entered by hand\n  1 blood pressure reading\n  1 weight reading\nThis cannot be undone.\n"
	if errOut != want {
		t.Errorf("remove without a terminal said\n%q\nwant\n%q", errOut, want)
	}
	// On a terminal: asks; "no" keeps it.
	out, _, err = runClinic(t, dir, fakeTerminal{Reader: strings.NewReader("no\n")}, "profile", "remove", "jane")
	if err != nil || !strings.Contains(out, want) || !strings.Contains(out, "Type yes to confirm") || !strings.Contains(out, "Nothing removed.") {
		t.Errorf("remove, answered no: %v\n%s", err, out)
	}
	if out, _, _ := run("", "profile", "list"); !strings.Contains(out, "jane") {
		t.Errorf("jane was removed after answering no:\n%s", out)
	}
	out, _, err = runClinic(t, dir, fakeTerminal{Reader: strings.NewReader("yes\n")}, "profile", "remove", "jane")
	if err != nil || !strings.Contains(out, "Removed profile jane.") {
		t.Errorf("remove, answered yes: %v\n%s", err, out)
	}
	if out, _, err := run("", "profile", "remove", "p-2000", "--yes"); err != nil || !strings.Contains(out, "Removed profile p-2000.") {
		t.Errorf("remove --yes: %v %q", err, out)
	}
	// A message, not data: on stderr, so a script reading stdout sees
	// an empty list.
	if out, errOut, _ := run("", "profile", "list"); out != "" || !strings.Contains(errOut, "no profiles yet") {
		t.Errorf("list after removing all: stdout %q, stderr %q", out, errOut)
	}
}

// TestProfileListMany lists 300 profiles: the list is made with a fixed
// number of queries (see store.BenchmarkProfileSummaries for the timing).
func TestProfileListMany(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "vitals.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 1, 14, 12, 0, 0, 0, time.UTC)
	for i := range 300 {
		p, err := db.AddProfile(ctx, fmt.Sprintf("p-%03d", i), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		acc, _ := db.LocalAccount(ctx, p.ID, store.ProviderFile)
		bp := health.BloodPressure{Meta: health.Meta{ProviderID: "1", Time: at}, Systolic: health.Of(120), Diastolic: health.Of(80)}
		if _, err := db.Upsert(ctx, p.ID, acc.ID, health.Batch{BloodPressure: []health.BloodPressure{bp}}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	out, _, err := runClinic(t, dir, nil, "profile", "list")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "\n"); n != 301 || !strings.Contains(out, "p-299") {
		t.Errorf("%d lines", n)
	}
}
