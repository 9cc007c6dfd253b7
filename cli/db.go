package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"vitals/seal"
	"vitals/store"
)

func newDBCmd(a *invocation) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Copy a store between SQLite and PostgreSQL, and manage a clinic's database",
		Long: `A database is a SQLite file (one person's; the default) or a PostgreSQL
database (a clinic's: several vitals serve hubs and clinicians share it). --db
and VITALS_DB take either: a file's path, or a postgres:// URL.

On PostgreSQL tokens are always encrypted, with one key every hub holds:
make it with vitals db key, give it to each hub in its key file or as
VITALS_SECRET_KEY. See docs/clinic.md.`,
		Example: `  vitals db copy --from ~/.local/share/vitals/vitals.db --to postgres://vitals_hub@db.clinic/vitals
  vitals db roles --print | psql -U postgres clinic
  vitals --db postgres://vitals_hub@db.clinic/vitals db roles --grant vitals_clinician
  vitals db key > secret.key
  vitals --db postgres://vitals_hub@db.clinic/vitals db reseal`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newDBCopyCmd(a), newDBRolesCmd(a), newDBKeyCmd(a), newDBResealCmd(a))
	return cmd
}

func newDBCopyCmd(a *invocation) *cobra.Command {
	var from, to, fromKey, toKey string
	var noSecrets bool
	cmd := &cobra.Command{
		Use:   "copy --from DB --to DB",
		Short: "Copy every profile of one database into another (SQLite ↔ PostgreSQL)",
		Long: `Copy every profile of --from into --to, with its accounts, imports, readings
and tokens. Either is a SQLite file or a postgres:// URL; the target is created
(a file) or its schema brought up to date (PostgreSQL).

Profiles are matched by their id, then by name: a person both hold is merged,
and a reading the target already holds through another route counts once.
Copying again adds nothing twice, so an interrupted copy is finished by
running it again.

Tokens are decrypted with the source's key and encrypted with the target's
(--from-key and --to-key name key files; by default VITALS_SECRET_KEY or the
key file beside the configuration). --no-secrets leaves them behind: the
accounts must then be linked again in the target.`,
		Example: `  vitals db copy --from ~/.local/share/vitals/vitals.db --to postgres://vitals_hub@db.clinic/vitals --to-key /etc/vitals/secret.key
  vitals db copy --from postgres://vitals_hub@db.clinic/vitals?search_path=vitals --to clinic-backup.db`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return usageError(cmd, errors.New("name both databases: --from DB --to DB"))
			}
			ctx := cmd.Context()
			src, err := a.OpenAt(ctx, from, fromKey)
			if err != nil {
				return fmt.Errorf("the database to copy from: %w", err)
			}
			defer src.Close()
			dst, err := a.OpenAt(ctx, to, toKey)
			if err != nil {
				return fmt.Errorf("the database to copy to: %w", err)
			}
			defer dst.Close()
			tty, width, _ := terminal(a.stderr)
			if isTerminal(a.stderr) {
				tty = true
			}
			bar := &copyProgress{w: a.stderr, term: tty, width: width}
			res, err := store.Copy(ctx, dst, src, store.CopyOptions{NoSecrets: noSecrets, Progress: bar.show})
			bar.done()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Copied %s to %s: %d profiles added, %d merged; %d accounts added; %d tokens; %d reading rows added, %d already there.\n",
				src.Path(), dst.Path(), res.Profiles, res.MergedProfiles, res.Accounts, res.Secrets, res.Readings, res.Unchanged)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "the database to copy: a SQLite file or a postgres:// URL")
	f.StringVar(&to, "to", "", "the database to copy into: a SQLite file (created if needed) or a postgres:// URL")
	f.StringVar(&fromKey, "from-key", "", "key file of the source's tokens (default: VITALS_SECRET_KEY, or the key file beside the configuration)")
	f.StringVar(&toKey, "to-key", "", "key file of the target's tokens (default: VITALS_SECRET_KEY, or the key file beside the configuration)")
	f.BoolVar(&noSecrets, "no-secrets", false, "leave the tokens behind (the accounts must be linked again in the target)")
	return cmd
}

// copyProgress shows a copy's progress on stderr: on a terminal one line
// redrawn in place, with a bar; elsewhere a plain line per table and per
// tenth of the rows.
type copyProgress struct {
	w     io.Writer
	term  bool
	width int

	what   string
	tenth  int64
	drawn  bool
	last   time.Time
	latest store.CopyProgress
}

func (p *copyProgress) show(c store.CopyProgress) {
	p.latest = c
	if p.term {
		// Redrawing costs a write: at most ten a second.
		if now := time.Now(); c.Done < c.Total && now.Sub(p.last) < 100*time.Millisecond {
			return
		}
		p.last = time.Now()
		fmt.Fprint(p.w, "\r"+p.line(c)+"\x1b[K")
		p.drawn = true
		return
	}
	tenth := int64(10)
	if c.Total > 0 {
		tenth = c.Done * 10 / c.Total
	}
	if c.What != p.what || tenth != p.tenth {
		fmt.Fprintln(p.w, "vitals: copying", p.line(c))
		p.what, p.tenth = c.What, tenth
	}
}

// line says how far the copy is: rows, and on a terminal a bar.
func (p *copyProgress) line(c store.CopyProgress) string {
	pct := 100.0
	if c.Total > 0 {
		pct = float64(c.Done) * 100 / float64(c.Total)
	}
	text := fmt.Sprintf("%s: %d of %d rows (%.0f%%)", c.What, c.Done, c.Total, pct)
	if !p.term {
		return text
	}
	const barWidth = 24
	if p.width > 0 && p.width < len(text)+barWidth+4 {
		return text
	}
	filled := int(pct * barWidth / 100)
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", barWidth-filled) + "] " + text
}

// done ends the redrawn line.
func (p *copyProgress) done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r"+p.line(p.latest)+"\x1b[K\n")
	}
}

func newDBRolesCmd(a *invocation) *cobra.Command {
	var schema, hub, clinician, grant string
	var print bool
	cmd := &cobra.Command{
		Use:   "roles [--print | --grant ROLE]",
		Short: "The SQL of a clinic's two roles, or let a role read as a clinician",
		Long: `A clinic's PostgreSQL database has two kinds of role: the hubs' (it owns the
schema; vitals serve, imports and every command that writes run as it; it alone
reads the encrypted tokens) and the clinicians' (they read profiles, accounts
and readings: the dashboard, vitals show, report and export work, read-only;
they never read a token, and write nothing).

--print (the default) writes the SQL that makes both roles and the schema, for
a superuser to run once, and the GRANTs to run as the hub's role after the
first hub has started and after an upgrade that adds tables. --grant ROLE runs
those GRANTs for ROLE on the database --db names, as its role (the hub's).`,
		Example: `  vitals db roles --print | psql -U postgres clinic
  vitals --db postgres://vitals_hub@db.clinic/clinic db roles --grant vitals_clinician`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if grant == "" || print {
				fmt.Fprint(a.stdout, store.RolesSQL(schema, hub, clinician))
				return nil
			}
			ctx := cmd.Context()
			if !store.IsPostgres(a.DatabasePath()) {
				return fmt.Errorf("--grant works on a clinic's PostgreSQL database: name it with --db postgres://... (or VITALS_DB)")
			}
			db, err := a.OpenDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if err := db.GrantClinician(ctx, grant); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s may now read profiles, accounts and readings in %s, and no token.\n", grant, db.Path())
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&print, "print", false, "print the SQL of the roles and grants (the default)")
	f.StringVar(&grant, "grant", "", "let this existing role read as a clinician, on the database --db names")
	f.StringVar(&schema, "schema", "vitals", "the schema vitals' tables are in")
	f.StringVar(&hub, "hub", store.HubRole, "the hubs' role")
	f.StringVar(&clinician, "clinician", store.ClinicianRole, "the clinicians' role")
	return cmd
}

func newDBKeyCmd(a *invocation) *cobra.Command {
	return &cobra.Command{
		Use:   "key",
		Short: "Print a new token key",
		Long: `Print a new random key that encrypts the tokens a database keeps, in the key
file's format. A clinic's hubs must all hold the same key: save it once, 0600,
where each hub reads it (its key file, beside its configuration) or give it as
VITALS_SECRET_KEY.

To rotate a key: put the new key as the first line of the key file, above the
old one; run vitals db reseal; then remove the old line.`,
		Example: `  (umask 077; vitals db key > /etc/vitals/secret.key)
  export VITALS_SECRET_KEY=$(vitals db key | tail -n 1)`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			k, err := seal.NewKey()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "# vitals token key, made %s: keep it private, and with your database backups.\n%s\n", time.Now().UTC().Format(time.DateOnly), k)
			return nil
		},
	}
}

func newDBResealCmd(a *invocation) *cobra.Command {
	return &cobra.Command{
		Use:   "reseal",
		Short: "Encrypt every stored token again with the current key (key rotation)",
		Long: `Encrypt every token the database keeps with the first key of the key file (or
of VITALS_SECRET_KEY): after a new key was put first, above the old one, or
when a SQLite file that kept plain tokens gets a key. Tokens the database keeps
in the OS keyring are left there.`,
		Example: `  vitals --db postgres://vitals_hub@db.clinic/clinic db reseal`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, err := a.OpenDB(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			n, err := db.ResealSecrets(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Encrypted %d tokens again with the current key. Once every hub holds the new key, the old line can go.\n", n)
			return nil
		},
	}
}
