// Command vitals is a terminal dashboard for home health readings: it links
// Omron Wellness and 1upHealth accounts, syncs their readings into a local
// database, and shows blood-pressure, weight and activity trends with AFib
// alerts. The commands are in package cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"vitals/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal asks the command to stop cleanly (a sync stores the
	// page in flight); a second one ends the process at once.
	context.AfterFunc(ctx, stop)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
