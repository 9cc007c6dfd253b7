package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	t.Run("creates the file readable by its owner only", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "out.csv")
		if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "a,b\n"); return err }); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != "a,b\n" {
			t.Fatalf("content %q, %v", got, err)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", fi.Mode().Perm())
		}
	})
	t.Run("replaces a world-readable file and tightens it", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "out.csv")
		if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(path); string(got) != "new" {
			t.Errorf("content %q", got)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", fi.Mode().Perm())
		}
	})
	t.Run("a failure leaves the old file and no temporary", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "out.csv")
		if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		err := Write(path, func(w io.Writer) error { io.WriteString(w, "half"); return boom })
		if !errors.Is(err, boom) {
			t.Fatalf("err %v, want boom", err)
		}
		if got, _ := os.ReadFile(path); string(got) != "old" {
			t.Errorf("content %q, want the old file", got)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("folder holds %d entries, want only the old file", len(entries))
		}
	})
	t.Run("a missing folder is named", func(t *testing.T) {
		err := Write(filepath.Join(t.TempDir(), "no", "such", "out.csv"), func(io.Writer) error { return nil })
		if err == nil {
			t.Fatal("wrote into a missing folder")
		}
	})
}
