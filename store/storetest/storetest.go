// Package storetest helps tests compare what vitals databases hold.
package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"vitals/store"
)

// Readings returns the dump of every reading the database at path holds
// (see store.DB.DumpReadings), opening it read-only.
func Readings(tb testing.TB, path string) string {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path, store.Options{ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	if err := db.DumpReadings(ctx, &b); err != nil {
		tb.Fatalf("dump %s: %v", path, err)
	}
	return b.String()
}

// Diff shows where two dumps part: the first line that differs, or how
// many lines each has when one is the start of the other.
func Diff(got, want string) string {
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(gl), len(wl)) {
		if gl[i] != wl[i] {
			return fmt.Sprintf("line %d:\n got %.300s\nwant %.300s", i+1, gl[i], wl[i])
		}
	}
	return fmt.Sprintf("%d lines against %d", len(gl), len(wl))
}
