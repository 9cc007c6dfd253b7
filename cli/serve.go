package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"vitals/config"
	"vitals/hub"
	"vitals/providers/omron"
	"vitals/sync"
)

func newServeCmd(a *invocation) *cobra.Command {
	var listen string
	var insecure bool
	var hubOpt hubFlags
	var publicURL, clinic string // enrollment pages (cli/enroll.go)
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
date, and never more than two days before what is already stored: a
notification only says that something new arrived. Notifications for one
account within a second make one fetch, and at most one every 30 seconds.
With notifications = true under [sync], scheduled syncs leave Omron
accounts alone and a daily catch-up fetches what lost notifications
missed.

Since Omron does not sign its requests, set serve.notify_secret and
register the URI as /omron/notify/<secret> (or send the X-Vitals-Secret
header). Serve refuses to listen beyond loopback (127.0.0.0/8, ::1,
localhost) without a secret unless given --insecure-notify. Put a
TLS-terminating proxy in front to expose the endpoint beyond this machine.
Each sender may send serve.notify_rate requests a second (bursts of
serve.notify_burst); past that it is answered 429 with Retry-After.

Several serve processes may share one database (a clinic's PostgreSQL, on
one machine or several): each syncs an account only while it holds the
account's lease, which it takes when it has room for one more sync and
hands back when the sync ends, so the accounts spread over the processes.
A process that dies keeps its accounts no longer than --lease-ttl (renewed
every third of it while a sync runs). A notification for an account
another process is syncing is handed to it through the database, which
each process reads every --request-poll: one notification, one fetch.

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
			if hubOpt.leaseTTL <= 0 || hubOpt.poll <= 0 {
				return fmt.Errorf("serve: --lease-ttl %s, --request-poll %s: both must be positive, such as 30s and 2s", hubOpt.leaseTTL, hubOpt.poll)
			}
			if publicURL != "" {
				a.Config.Serve.PublicURL = publicURL
			}
			if clinic != "" {
				a.Config.Serve.Clinic = clinic
			}
			return runServe(cmd.Context(), a, listen, insecure, cmd.Flags().Changed("profile"), hubOpt)
		},
	}
	cmd.Flags().StringVar(&hubOpt.name, "hub-name", "", "this process's name in the accounts' leases (default: host, process id and a random suffix)")
	cmd.Flags().DurationVar(&hubOpt.leaseTTL, "lease-ttl", sync.DefaultLeaseTTL, "how long an account stays with a process that stopped without handing it back")
	cmd.Flags().DurationVar(&hubOpt.poll, "request-poll", sync.DefaultRequestPoll, "how often to look for syncs other processes handed over")
	cmd.Flags().StringVar(&listen, "listen", "", "address for the notification endpoint (default serve.listen of the configuration, 127.0.0.1:8080)")
	cmd.Flags().StringVar(&publicURL, "public-url", "", "where patients reach this hub (https://vitals.clinic.example): host the enrollment pages and OAuth callbacks (default serve.public_url)")
	cmd.Flags().StringVar(&clinic, "clinic", "", "the practice's name on the enrollment pages (default serve.clinic, else the public URL's host)")
	cmd.Flags().BoolVar(&insecure, "insecure-notify", false, "accept notifications without serve.notify_secret on an address beyond loopback (anyone who reaches it can trigger syncs)")
	return cmd
}

// loopback reports whether a listen address accepts connections from this
// machine only: a host of localhost, 127.0.0.0/8 or ::1. An empty host,
// 0.0.0.0, :: and every other name or address may be reached from
// elsewhere.
func loopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// errOpenEndpoint says why serve will not listen where it was asked, and
// what to do instead.
func errOpenEndpoint(a *invocation, listen string) error {
	file := a.Config.Path
	if file == "" {
		file = config.DefaultPath()
	}
	return fmt.Errorf("serve: --listen %s can be reached from other machines, and serve.notify_secret is not set: anyone who reaches it could make vitals fetch every linked account again and again.\n"+
		"Do one of these:\n"+
		"  - set a secret: put notify_secret = \"<random>\" under [serve] in %s, or set %s=$(openssl rand -hex 16);\n"+
		"    then register the Notification URI with Omron as https://<this host>%s/<secret>\n"+
		"  - listen on 127.0.0.1 (--listen 127.0.0.1:8080) behind a TLS-terminating proxy\n"+
		"  - pass --insecure-notify to accept unauthenticated notifications anyway",
		listen, file, config.EnvName("serve", "notify_secret"), strings.TrimRight(a.Config.Serve.NotifyPath, "/"))
}

// minSecret is the shortest secret serve takes without a warning: 16
// characters of hex are 64 bits.
const minSecret = 16

// hubFlags are how serve shares the database with other serve processes.
type hubFlags struct {
	name     string
	leaseTTL time.Duration
	poll     time.Duration
}

// runServe serves until ctx ends. oneProfile limits the engine to the
// profile --profile names; insecure accepts an address beyond loopback
// without a notification secret.
func runServe(ctx context.Context, a *invocation, listen string, insecure, oneProfile bool, hf hubFlags) error {
	log := serveLogger(a.stderr)
	secret := a.Config.Serve.NotifySecret
	// Refused before anything is opened: the fix is in the configuration.
	if !loopback(listen) && secret == "" && !insecure {
		return errOpenEndpoint(a, listen)
	}
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

	metrics := hub.NewMetrics()
	a.Instrument = metrics.Transport
	if hf.name == "" {
		host, _ := os.Hostname()
		hf.name = sync.HubName(cmp.Or(host, "vitals"), os.Getpid())
	}
	e := a.NewEngine(db, profileID, log, func(o *sync.Options) {
		o.Hub, o.LeaseTTL, o.RequestPoll = hf.name, hf.leaseTTL, hf.poll
	})
	events, unsubscribe := e.Subscribe()
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		for ev := range events {
			metrics.Observe(ev)
			logEvent(log, ev)
		}
	}()
	endLog := func() {
		unsubscribe()
		<-logged
	}
	defer endLog()

	path := a.Config.Serve.NotifyPath
	notify := omron.NewNotifyEndpoint(e, omron.NotifyOptions{
		Path:   path,
		Secret: secret,
		Rate:   rate.Limit(a.Config.Serve.NotifyRate),
		Burst:  a.Config.Serve.NotifyBurst,
		Logger: log,
	})
	enrollPages, err := enrollHandler(a, db, e, log)
	if err != nil {
		return err
	}
	h := hub.New(hub.Options{Notify: notify, NotifyPath: path, Enroll: enrollPages, Ready: db.Ping, Metrics: metrics, Logger: log})

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (choose another address with --listen)", listen, err)
	}
	// A name such as localhost is checked again where it was bound.
	open := !loopback(ln.Addr().String())
	if open && secret == "" && !insecure {
		ln.Close()
		return errOpenEndpoint(a, listen)
	}
	if open && secret == "" {
		log.Warn("INSECURE: the Omron notification endpoint accepts requests from other machines without a secret (--insecure-notify): anyone who reaches " +
			ln.Addr().String() + " can make vitals fetch accounts. Set serve.notify_secret, or listen on 127.0.0.1 behind a TLS proxy.")
	}
	if secret != "" && len(secret) < minSecret {
		log.Warn(fmt.Sprintf("serve.notify_secret is shorter than %d characters: it can be guessed; use $(openssl rand -hex 16)", minSecret))
	}
	srv := &http.Server{
		Handler:           h.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10, // notifications carry a few headers; the default is 1 MiB
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("vitals serve started", "listen", ln.Addr().String(), "notify_path", path,
		"secret", secret != "", "notifications", a.Config.Sync.Notifications, "interval", a.Config.Sync.Interval.Duration,
		"db", db.Path(), "profile", whose, "hub", hf.name, "lease_ttl", hf.leaseTTL.String())

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
		h.Drain()
		shutdown()
		err = <-ran
	}
	// The last events (rounds the stop interrupted), the requests the log
	// left out and the endpoint's counts are logged before serve says it
	// stopped.
	notify.Flush()
	endLog()
	if err != nil {
		return err
	}
	log.Info("vitals serve stopped")
	return nil
}

// serveLogger logs as text for a person at a terminal, as JSON (one
// object a line) for a log collector otherwise.
func serveLogger(w io.Writer) *slog.Logger {
	if isTerminal(w) {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// logEvent writes an engine event to the log: rounds at Info, pages and
// pauses at Debug and Info, failures at Warn.
func logEvent(log *slog.Logger, ev sync.Event) {
	attrs := []any{"account", ev.AccountID, "provider", ev.Provider, "trigger", ev.Trigger.String()}
	if ev.Dropped > 0 {
		attrs = append(attrs, "events_dropped", ev.Dropped)
	}
	switch ev.Kind {
	case sync.Started:
		log.Info("sync started", attrs...)
	case sync.PageStored:
		log.Debug("page stored", append(attrs, "stream", ev.Stream, "added", ev.Added, "held", ev.Held, "updated", ev.Updated, "unchanged", ev.Unchanged)...)
	case sync.Waiting:
		log.Info("sync waiting", append(attrs, "stream", ev.Stream, "until", ev.Until.Format(time.RFC3339), "rate_limited", ev.RateLimited, "err", ev.Err)...)
	case sync.Finished:
		log.Info("sync finished", append(attrs, "pages", ev.Pages, "added", ev.Added, "held", ev.Held, "updated", ev.Updated, "unchanged", ev.Unchanged)...)
	case sync.Failed:
		if errors.Is(ev.Err, sync.ErrInterrupted) {
			log.Info("sync interrupted", attrs...)
			return
		}
		log.Warn("sync failed", append(attrs, "err", ev.Err)...)
	case sync.TookOver:
		log.Info("lease taken over", append(attrs, "from", ev.TakenFrom)...)
	case sync.NeedsRelink:
		log.Warn("account must be linked again: run `vitals link "+string(ev.Provider)+"`", append(attrs, "profile_id", ev.ProfileID, "err", ev.Err)...)
	}
}
