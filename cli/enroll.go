package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vitals/config"
	"vitals/enroll"
	"vitals/sanitize"
	"vitals/store"
	"vitals/sync"
)

func newEnrollCmd(a *invocation) *cobra.Command {
	var provider, expires, publicURL string
	var list, asJSON bool
	var revoke int64
	cmd := &cobra.Command{
		Use:   "enroll [PROFILE]",
		Short: "Make a link for a patient to link their account from their own phone",
		Long: `Enroll makes a link the patient opens on their own phone or computer: a
short page says who asks, what will be shared and how to stop; a button
goes to Omron's sign-in (or, for 1upHealth, to each device or health
system to connect), and the provider sends them back to ` + "`vitals serve`" + `,
which stores the account under the profile. Readings start to flow at the
hub's next sync.

The link is printed with a QR code. It works once, until it expires
(--expires, 7 days by default, at most 30), and can be revoked before.
Links are made from serve.public_url (or --public-url): the address where
patients reach the hub that runs ` + "`vitals serve --public-url`" + `.

--list shows every link (pending, used, expired, revoked), or a profile's
when PROFILE is given; --revoke ID withdraws one not yet used.`,
		Example: `  vitals enroll p-1042 --provider omron --expires 7d
  vitals enroll p-1042 --provider oneup --public-url https://vitals.clinic.example
  vitals enroll --list
  vitals enroll --list --json
  vitals enroll --revoke 12`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			switch {
			case list && revoke != 0:
				return usageError(cmd, errors.New("give --list or --revoke, not both"))
			case list:
				return listEnrollments(ctx, a, cmd.OutOrStdout(), args, asJSON)
			case revoke != 0:
				if len(args) > 0 {
					return usageError(cmd, errors.New("--revoke takes the link's id, not a profile"))
				}
				return revokeEnrollment(ctx, a, revoke)
			case len(args) == 0:
				return usageError(cmd, errors.New("name the patient's profile: vitals enroll PROFILE --provider omron"))
			}
			ttl, err := parseExpires(expires)
			if err != nil {
				return usageError(cmd, err)
			}
			if publicURL == "" {
				publicURL = a.Config.Serve.PublicURL
			}
			if _, err := enroll.ParsePublicURL(publicURL); err != nil {
				return usageError(cmd, fmt.Errorf("%w (%s)", err, config.EnvName("serve", "public_url")))
			}
			return createEnrollment(ctx, a, cmd.OutOrStdout(), args[0], store.Provider(provider), ttl, publicURL, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&provider, "provider", "omron", "the account to link: omron or oneup")
	f.StringVar(&expires, "expires", "7d", "how long the link works: 7d, 36h, 30m (at most 30d)")
	f.StringVar(&publicURL, "public-url", "", "where patients reach the hub (default serve.public_url of the configuration)")
	f.BoolVar(&list, "list", false, "list the links: pending, used, expired, revoked")
	f.Int64Var(&revoke, "revoke", 0, "withdraw the link with this id (see --list)")
	f.BoolVar(&asJSON, "json", false, "print the link, or the list, as JSON")
	return cmd
}

// parseExpires reads a duration in days ("7d") or Go's units ("36h").
func parseExpires(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 {
			return 0, fmt.Errorf("--expires %q: want a number of days such as 7d, or hours such as 36h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("--expires %q: want a number of days such as 7d, or hours such as 36h", s)
	}
	return d, nil
}

// enrollmentJSON is a link as `vitals enroll --json` and `--list --json`
// print it (docs/json.md).
type enrollmentJSON struct {
	ID        int64  `json:"id"`
	Profile   string `json:"profile"`
	Provider  string `json:"provider"`
	Status    string `json:"status"`
	Created   string `json:"created"`
	Expires   string `json:"expires"`
	CreatedBy string `json:"created_by,omitempty"`
	Opened    string `json:"opened,omitempty"`
	Completed string `json:"completed,omitempty"`
	Revoked   string `json:"revoked,omitempty"`
	AccountID int64  `json:"account_id,omitempty"`
	URL       string `json:"url,omitempty"` // only when just made: the token is not kept
}

func toEnrollmentJSON(e store.Enrollment, now time.Time) enrollmentJSON {
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	return enrollmentJSON{ID: e.ID, Profile: e.Profile, Provider: string(e.Provider), Status: string(e.Status(now)),
		Created: at(e.Created), Expires: at(e.Expires), CreatedBy: e.CreatedBy, Opened: at(e.Opened),
		Completed: at(e.Completed), Revoked: at(e.Revoked), AccountID: e.AccountID}
}

func createEnrollment(ctx context.Context, a *invocation, out io.Writer, profile string, p store.Provider, ttl time.Duration, publicURL string, asJSON bool) error {
	db, err := a.OpenDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	prof, err := db.Profile(ctx, profile)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no profile %q: add it with `vitals profile add %s`, or see `vitals profile list`", profile, profile)
	}
	if err != nil {
		return err
	}
	l, err := enroll.Create(ctx, db, publicURL, prof, p, ttl, whoAmI(), "", time.Now())
	if err != nil {
		return err
	}
	if asJSON {
		j := toEnrollmentJSON(l.Enrollment, time.Now())
		j.URL = l.URL
		return writeJSON(out, j)
	}
	qr, err := enroll.QR(l.URL)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Enrollment link %d for %s (%s), valid until %s:\n\n  %s\n\n", l.ID, sanitize.Line(prof.Title()),
		store.Account{Provider: p}.Title(), l.Expires.Local().Format("2006-01-02 15:04"), l.URL)
	fmt.Fprint(out, paintQR(qr, isTerminal(out) && os.Getenv("NO_COLOR") == ""))
	fmt.Fprintf(a.stderr, "\nvitals: send the link to the patient; it works once. This is the only time it is shown.\n"+
		"vitals: `vitals serve --public-url %s` must be running for it to open. Withdraw it with `vitals enroll --revoke %d`.\n", publicURL, l.ID)
	return nil
}

// paintQR gives a terminal's QR code black modules on white, whatever the
// terminal's colours, so a phone's camera reads it.
func paintQR(qr string, colour bool) string {
	if !colour {
		return qr
	}
	var b strings.Builder
	for line := range strings.Lines(qr) {
		b.WriteString("\x1b[30;107m" + strings.TrimSuffix(line, "\n") + "\x1b[0m\n")
	}
	return b.String()
}

func whoAmI() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

func listEnrollments(ctx context.Context, a *invocation, out io.Writer, args []string, asJSON bool) error {
	db, _, err := a.OpenDBToRead(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	var profileID int64
	if len(args) == 1 {
		prof, err := db.Profile(ctx, args[0])
		if err != nil {
			return fmt.Errorf("profile %q: %w (see `vitals profile list`)", args[0], err)
		}
		profileID = prof.ID
	}
	all, err := db.Enrollments(ctx, profileID)
	if err != nil {
		return err
	}
	now := time.Now()
	rows := []enrollmentJSON{}
	for _, e := range all {
		rows = append(rows, toEnrollmentJSON(e, now))
	}
	if asJSON {
		return writeJSON(out, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(a.stderr, "vitals: no enrollment links yet. Make one with `vitals enroll PROFILE --provider omron`.")
		return nil
	}
	local := func(s string) string {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.Local().Format("2006-01-02 15:04")
		}
		return "-"
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPROFILE\tPROVIDER\tSTATUS\tCREATED\tEXPIRES\tOPENED\tUSED")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, sanitize.Line(r.Profile), r.Provider, r.Status,
			local(r.Created), local(r.Expires), local(r.Opened), local(r.Completed))
	}
	return tw.Flush()
}

func revokeEnrollment(ctx context.Context, a *invocation, id int64) error {
	db, err := a.OpenDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := enroll.Revoke(ctx, db, id, "", time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "vitals: enrollment link %d is revoked: it now says so and offers nothing.\n", id)
	return nil
}

// enrollHandler is what `vitals serve --public-url` hosts below /enroll/,
// or nil without a public URL. It prints the redirect URIs the vendors
// must register.
func enrollHandler(a *invocation, db *store.DB, e *sync.Engine, log *slog.Logger) (http.Handler, error) {
	public := a.Config.Serve.PublicURL
	if public == "" {
		return nil, nil
	}
	flow := a.LinkFlow(db, e)
	svc, err := enroll.New(enroll.Options{DB: db, Config: a.Config, Flow: flow, PublicURL: public, Clinic: a.Config.Serve.Clinic, Logger: log})
	if err != nil {
		return nil, err
	}
	uris := svc.RedirectURIs()
	fmt.Fprintf(a.stderr, "Enrollment pages at %s%s<link>. Register these redirect URIs with the vendors:\n"+
		"  Omron (redirect URI):                  %s\n"+
		"  1upHealth (application redirect URI): %s\n", strings.TrimRight(public, "/"), enroll.Prefix, uris[store.ProviderOmron], uris[store.ProviderOneUp])
	return svc.Handler(), nil
}
