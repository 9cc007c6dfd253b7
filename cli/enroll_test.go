package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vitals/store/storetest"
)

func TestEnrollCommand(t *testing.T) {
	storetest.Each(t, func(t *testing.T, backend string) {
		dir := t.TempDir()
		db := storetest.Location(t, backend)
		if backend == "sqlite" {
			db = filepath.Join(dir, "vitals.db")
		}
		t.Setenv("VITALS_SECRET_KEY", strings.Repeat("ab", 32))
		run := func(args ...string) (string, string, error) {
			t.Helper()
			return runClinicOn(t, dir, db, nil, args...)
		}
		if _, _, err := run("profile", "add", "p-1042"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"enroll", "p-1042"}, "no public URL"},
			{[]string{"enroll", "p-1042", "--public-url", "ftp://x"}, "want an address such as https://"},
			{[]string{"enroll", "nobody", "--public-url", "https://vitals.clinic.example"}, `no profile "nobody"`},
			{[]string{"enroll", "p-1042", "--public-url", "https://vitals.clinic.example", "--expires", "31d"}, "at most"},
			{[]string{"enroll", "p-1042", "--public-url", "https://vitals.clinic.example", "--expires", "soon"}, "--expires"},
			{[]string{"enroll", "p-1042", "--public-url", "https://vitals.clinic.example", "--provider", "file"}, "only omron and oneup"},
			{[]string{"enroll"}, "name the patient's profile"},
			{[]string{"enroll", "--revoke", "99"}, "no enrollment link 99"},
		} {
			if _, _, err := run(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
			}
		}
		out, _, err := run("enroll", "p-1042", "--provider", "omron", "--expires", "7d", "--public-url", "https://vitals.clinic.example/")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "Enrollment link 1 for p-1042 (Omron Wellness)") || !strings.Contains(out, "https://vitals.clinic.example/enroll/") || !strings.Contains(out, "█") {
			t.Fatalf("enroll printed:\n%s", out)
		}
		out, _, err = run("enroll", "p-1042", "--provider", "oneup", "--json", "--public-url", "https://vitals.clinic.example")
		var made enrollmentJSON
		if err != nil || json.Unmarshal([]byte(out), &made) != nil || made.ID != 2 || made.Status != "pending" || !strings.HasPrefix(made.URL, "https://vitals.clinic.example/enroll/") {
			t.Fatalf("enroll --json: %v\n%s", err, out)
		}
		created, _ := time.Parse(time.RFC3339, made.Created)
		expires, _ := time.Parse(time.RFC3339, made.Expires)
		if expires.Sub(created) != 7*24*time.Hour {
			t.Errorf("default expiry %s after creation, want 7 days", expires.Sub(created))
		}
		if _, errOut, err := run("enroll", "--revoke", "2"); err != nil || !strings.Contains(errOut, "link 2 is revoked") {
			t.Fatalf("revoke: %v %s", err, errOut)
		}
		out, _, err = run("enroll", "--list", "--json")
		var list []enrollmentJSON
		if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 {
			t.Fatalf("list --json: %v\n%s", err, out)
		}
		if list[0].Status != "pending" || list[1].Status != "revoked" || list[1].Revoked == "" || list[0].URL != "" || list[0].Profile != "p-1042" {
			t.Errorf("list: %+v", list)
		}
		out, _, err = run("enroll", "--list")
		if err != nil || !strings.Contains(out, "STATUS") || !strings.Contains(out, "revoked") || strings.Contains(out, "/enroll/") {
			t.Errorf("list:\n%s", out)
		}
	})
}
