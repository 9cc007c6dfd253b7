package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"vitals/providers/omron"
	"vitals/sync"
)

func newServeCmd(a *invocation) *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the sync engine headless, with the Omron notification endpoint",
		Long: `Serve keeps the database current without a screen: every linked account
of every profile (or only the profile's, when --profile is given) is synced
on the schedule of the [sync] section (every 30 minutes by default, with
jitter), and an HTTP endpoint receives Omron's notifications of new data
(POST /omron/notify by default: register http(s)://<this host>/omron/notify
as the Notification URI with Omron).

A notification fetches only the type it names, from the day before its
date. With notifications = true under [sync], scheduled syncs leave Omron
accounts alone and a daily catch-up fetches what lost notifications
missed. Since Omron does not sign its requests, set serve.notify_secret
and register the URI as /omron/notify/<secret> (or send the
X-Vitals-Secret header). Put a TLS-terminating proxy in front to expose
the endpoint beyond this machine.

Logs go to stderr. SIGINT or SIGTERM stops it cleanly: the page being
fetched is stored, and no page starts after; a second signal stops it at
once (what was stored stays).`,
		Example: `  vitals serve
  vitals serve --listen 127.0.0.1:8080
  VITALS_SERVE_NOTIFY_SECRET=$(openssl rand -hex 16) vitals serve --listen :8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if listen == "" {
				listen = a.Config.Serve.Listen
			}
			return runServe(cmd.Context(), a, listen, cmd.Flags().Changed("profile"))
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "address for the notification endpoint (default serve.listen of the configuration, 127.0.0.1:8080)")
	return cmd
}

// runServe serves until ctx ends. oneProfile limits the engine to the
// profile --profile names.
func runServe(ctx context.Context, a *invocation, listen string, oneProfile bool) error {
	log := slog.New(slog.NewTextHandler(a.stderr, nil))
	db, err := a.OpenDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	var profileID int64
	whose := "every profile"
	if oneProfile {
		p, err := a.CurrentProfile(ctx, db)
		if err != nil {
			return err
		}
		profileID, whose = p.ID, p.Name
	}

	e := a.NewEngine(db, profileID, log)
	events, unsubscribe := e.Subscribe()
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		logEvents(log, events)
	}()
	endLog := func() {
		unsubscribe()
		<-logged
	}
	defer endLog()

	path := a.Config.Serve.NotifyPath
	mux := http.NewServeMux()
	notify := omron.NotifyHandler(e, path, a.Config.Serve.NotifySecret, log)
	mux.Handle(path, notify)
	mux.Handle(strings.TrimRight(path, "/")+"/", notify)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (choose another address with --listen)", listen, err)
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("vitals serve started", "listen", ln.Addr().String(), "notify_path", path,
		"secret", a.Config.Serve.NotifySecret != "", "notifications", a.Config.Sync.Notifications, "interval", a.Config.Sync.Interval.Duration,
		"db", db.Path(), "profile", whose)

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	ran := make(chan error, 1)
	go func() { ran <- e.Run(runCtx) }()

	shutdown := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}
	select {
	case err = <-served:
		stop()
		<-ran
		err = fmt.Errorf("notification endpoint on %s: %w", ln.Addr(), err)
	case err = <-ran:
		shutdown()
	case <-ctx.Done():
		log.Info("vitals serve stopping: storing the pages in flight (a second signal stops at once)")
		shutdown()
		err = <-ran
	}
	// The last events (rounds the stop interrupted) are logged before
	// serve says it stopped.
	endLog()
	if err != nil {
		return err
	}
	log.Info("vitals serve stopped")
	return nil
}

// logEvents writes the engine's events to the log: rounds at Info, pages
// and pauses at Debug and Info, failures at Warn.
func logEvents(log *slog.Logger, events <-chan sync.Event) {
	for ev := range events {
		attrs := []any{"account", ev.AccountID, "provider", ev.Provider, "trigger", ev.Trigger.String()}
		if ev.Dropped > 0 {
			attrs = append(attrs, "events_dropped", ev.Dropped)
		}
		switch ev.Kind {
		case sync.Started:
			log.Info("sync started", attrs...)
		case sync.PageStored:
			log.Debug("page stored", append(attrs, "stream", ev.Stream, "added", ev.Added, "updated", ev.Updated, "unchanged", ev.Unchanged)...)
		case sync.Waiting:
			log.Info("sync waiting", append(attrs, "stream", ev.Stream, "until", ev.Until.Format(time.RFC3339), "rate_limited", ev.RateLimited, "err", ev.Err)...)
		case sync.Finished:
			log.Info("sync finished", append(attrs, "pages", ev.Pages, "added", ev.Added, "updated", ev.Updated, "unchanged", ev.Unchanged)...)
		case sync.Failed:
			if errors.Is(ev.Err, sync.ErrInterrupted) {
				log.Info("sync interrupted", attrs...)
				continue
			}
			log.Warn("sync failed", append(attrs, "err", ev.Err)...)
		case sync.NeedsRelink:
			log.Warn("account must be linked again: run `vitals link "+string(ev.Provider)+"`", append(attrs, "profile_id", ev.ProfileID, "err", ev.Err)...)
		}
	}
}
