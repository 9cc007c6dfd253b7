// Package atomicfile writes a file so that it is either whole or absent:
// the content goes to a temporary file in the same folder, which is then
// renamed into place. Everything vitals writes is health data or holds
// secrets, so files are readable by their owner only.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Mode is the permission of every file Write creates.
const Mode = 0o600

// Write creates or replaces the file at path with what write produces. A
// failure at any point leaves the previous file (or none) in place. An
// existing file's permissions are replaced with Mode too: a file written
// by another tool may have been world-readable.
func Write(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w (does the folder exist, and can you write to it?)", path, err)
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing left to remove
	if err := tmp.Chmod(Mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	// Sync before the rename: after a crash the name must never point at
	// a file whose content never reached the disk.
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
