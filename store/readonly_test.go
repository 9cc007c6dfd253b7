package store

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"vitals/health"
)

// readOnlyChildEnv names the database a re-executed test binary opens as
// an unprivileged user (root may write anywhere, so the parent cannot see
// what a read-only folder does).
const readOnlyChildEnv = "VITALS_TEST_READONLY_DB"

// TestReadOnlyFolder: a database in a folder this user may not write to
// (a copy shared read-only, a mounted backup) opens read-only and shows
// what it holds, although SQLite cannot create its -shm file there; with
// writes left in the -wal file it refuses, saying why, rather than
// showing a database without them.
func TestReadOnlyFolder(t *testing.T) {
	if path := os.Getenv(readOnlyChildEnv); path != "" {
		readOnlyChild(t, path)
		return
	}
	for _, tc := range []struct {
		name      string
		leaveWAL  bool
		wantError string
	}{
		{name: "checkpointed", wantError: ""},
		{name: "writes in the wal file", leaveWAL: true, wantError: "its last writes are still in v.db-wal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := sharedTempDir(t)
			path := filepath.Join(dir, "v.db")
			ctx := context.Background()
			db, err := Open(ctx, path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			p, a := fixture(t, db)
			at := time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)
			if _, err := db.Upsert(ctx, p.ID, a.ID, health.Batch{BloodPressure: []health.BloodPressure{bp("1", at, 142, 91)}}); err != nil {
				t.Fatal(err)
			}
			if tc.leaveWAL {
				// A copy taken while vitals was writing: the -wal file
				// still holds the last transaction.
				copyFile(t, path, path+".copy")
				copyFile(t, path+"-wal", path+".copy-wal")
				db.Close()
				for _, f := range []string{path, path + "-wal", path + "-shm"} {
					os.Remove(f)
				}
				os.Rename(path+".copy", path)
				os.Rename(path+".copy-wal", path+"-wal")
			} else {
				db.Close() // the last connection checkpoints and removes the -wal file
			}
			for _, f := range []string{path, path + "-wal"} {
				os.Chmod(f, 0o444)
			}
			if err := os.Chmod(dir, 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o755) })

			out, err := runAsOtherUser(t, path)
			if tc.wantError == "" {
				if err != nil || !strings.Contains(out, "read-only: 1 blood pressure") {
					t.Errorf("read-only open: %v\n%s", err, out)
				}
				return
			}
			if err == nil || !strings.Contains(out, tc.wantError) {
				t.Errorf("read-only open with a -wal file: %v\n%s\nwant %q", err, out, tc.wantError)
			}
		})
	}
}

// readOnlyChild is the re-executed side: open read-only and count.
func readOnlyChild(t *testing.T, path string) {
	ctx := context.Background()
	db, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	profiles, err := db.Profiles(ctx)
	if err != nil || len(profiles) != 1 {
		t.Fatalf("profiles: %v, %v", profiles, err)
	}
	n, err := db.Count(ctx, health.KindBloodPressure, Filter{ProfileID: profiles[0].ID})
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	t.Logf("read-only: %d blood pressure", n)
}

// runAsOtherUser runs this test in a copy of the test binary, as
// nobody when the test runs as root.
func runAsOtherUser(t *testing.T, path string) (string, error) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(sharedTempDir(t), "store.test")
	copyFile(t, self, bin)
	os.Chmod(bin, 0o755)
	cmd := exec.Command(bin, "-test.run=^TestReadOnlyFolder$", "-test.v")
	cmd.Env = append(os.Environ(), readOnlyChildEnv+"="+path)
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// sharedTempDir is a folder another user may enter (t.TempDir's is
// private to this one).
func sharedTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "vitals-readonly-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() {
		os.Chmod(dir, 0o755)
		os.RemoveAll(dir)
	})
	return dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
