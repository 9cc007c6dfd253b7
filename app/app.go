// Package app is the wiring every way of running vitals shares: it opens
// the database and the profile the global flags name, builds the one HTTP
// client vendor calls go through, turns linked accounts into their
// providers' sources, sets up the sync engine and the linking flows, runs
// the dashboard with the engine behind it, and stages the demo. The
// commands (package cli) parse flags and print; everything they share
// with each other, the dashboard and the demo lives here, importable and
// testable without cobra.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"vitals/config"
	"vitals/link"
	"vitals/providers"
	"vitals/providers/omron"
	"vitals/providers/oneup"
	"vitals/seal"
	"vitals/store"
	"vitals/sync"
)

// App holds what the global flags and the configuration say.
type App struct {
	// DBPath is --db (or VITALS_DB): a SQLite file's path or file: URL,
	// or a clinic's postgres:// URL; "" for the default file under the
	// XDG data folder.
	DBPath     string
	Profile    string // --profile
	ConfigPath string // --config; "" for the default
	Config     config.Config
	// Notes hears what a person should know of that happened on the
	// side, such as a new token key (nil: nobody).
	Notes io.Writer
	// Instrument, when set, wraps the transport of every vendor request
	// (vitals serve counts them for its metrics).
	Instrument func(http.RoundTripper) http.RoundTripper
	// Now and Location are the clock and the viewer's zone, which say
	// what "today" is (time.Now and time.Local when nil); tests fix them.
	Now      func() time.Time
	Location *time.Location
	// Panel opens the dashboard on the clinician's panel (vitals panel).
	Panel bool
}

// Clock returns the clock and zone the commands use.
func (a *App) Clock() (func() time.Time, *time.Location) {
	now, loc := a.Now, a.Location
	if now == nil {
		now = time.Now
	}
	if loc == nil {
		loc = time.Local
	}
	return now, loc
}

// DatabasePath is the database the flags name: a file's path, or a
// PostgreSQL URL (which may carry a password: never print it; print
// store.DB.Path, which hides it).
func (a *App) DatabasePath() string {
	if a.DBPath == "" {
		return config.DefaultDBPath()
	}
	return a.DBPath
}

// SealKeyPath is the key file that encrypts the tokens a database keeps
// when no OS keyring holds them: beside the configuration file.
func (a *App) SealKeyPath() string {
	cfg := a.ConfigPath
	if cfg == "" {
		cfg = config.DefaultPath()
	}
	return filepath.Join(filepath.Dir(cfg), "secret.key")
}

// EnsureSealKey loads the token key, creating it when there is none;
// created reports that it did, so the person can be told where it is.
// VITALS_SECRET_KEY, when set, is the key and nothing is created.
func (a *App) EnsureSealKey() (k *seal.Keyring, created bool, err error) {
	if k, ok, err := EnvSealKey(); ok {
		return k, false, err
	}
	return seal.LoadOrCreate(a.SealKeyPath())
}

// EnvSecretKey names the variable that gives the token key itself, as
// the key file holds it (base64 keys, the sealing key first), one key a
// line or separated by commas or spaces: how a clinic's hubs, containers
// or services are given one key without a file. It wins over the file.
const EnvSecretKey = config.EnvSecretKey

// EnvSealKey reads the token key from VITALS_SECRET_KEY; ok is false when
// the variable is not set.
func EnvSealKey() (k *seal.Keyring, ok bool, err error) {
	v, ok := os.LookupEnv(EnvSecretKey)
	if !ok || strings.TrimSpace(v) == "" {
		return nil, false, nil
	}
	text := strings.Join(strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }), "\n")
	k, err = seal.Parse([]byte(text))
	if err != nil {
		return nil, true, fmt.Errorf("%s: %w", EnvSecretKey, err)
	}
	return k, true, nil
}

func (a *App) storeOptions(readOnly bool) store.Options {
	return store.Options{Keyring: a.Config.Keyring, ReadOnly: readOnly, SealKey: a.sealKeyFor(a.DatabasePath(), "")}
}

// sealKeyFor gives the store of the database at location its token key:
// from keyFile when it is not ""; else VITALS_SECRET_KEY when it is set;
// else the key file beside the configuration, created with the first
// token a SQLite file keeps (and said on stderr), only read otherwise. A
// clinic's database is shared by hubs on several machines, which must
// all hold the same key: no hub makes one of its own (docs/clinic.md
// says how to make it).
func (a *App) sealKeyFor(location, keyFile string) func(create bool) (*seal.Keyring, error) {
	shared := store.IsPostgres(location)
	return func(create bool) (*seal.Keyring, error) {
		if keyFile != "" {
			if create && !shared {
				k, _, err := seal.LoadOrCreate(keyFile)
				return k, err
			}
			return seal.Load(keyFile)
		}
		if k, ok, err := EnvSealKey(); ok {
			return k, err
		}
		if !create || shared {
			k, err := seal.Load(a.SealKeyPath())
			if errors.Is(err, fs.ErrNotExist) && shared {
				return nil, fmt.Errorf("%w: a clinic's hubs share one token key: make one with `vitals db key`, and give it to every hub in %s or as %s", err, a.SealKeyPath(), EnvSecretKey)
			}
			return k, err
		}
		k, created, err := a.EnsureSealKey()
		if created && a.Notes != nil {
			fmt.Fprintf(a.Notes, "vitals: tokens kept in the database are encrypted with a new key in %s (readable by you only): keep it private, and with your database backups\n", a.SealKeyPath())
		}
		return k, err
	}
}

// OpenAt opens the database at location, not the one the flags name, for
// a command that works on two (vitals db copy); its token key is in
// keyFile when that is not "" (see sealKeyFor). A SQLite file is created
// when it does not exist.
func (a *App) OpenAt(ctx context.Context, location, keyFile string) (*store.DB, error) {
	if err := notAFolder(location); err != nil {
		return nil, err
	}
	return store.Open(ctx, location, store.Options{Keyring: a.Config.Keyring, SealKey: a.sealKeyFor(location, keyFile)})
}

// OpenDB opens the database the flags name, creating it if needed, for a
// command that writes to it.
func (a *App) OpenDB(ctx context.Context) (*store.DB, error) {
	if err := notAFolder(a.DatabasePath()); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, a.DatabasePath(), a.storeOptions(false))
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("%w: this command writes to the database, and you may not: check the permissions of the file and its folder, or name another with --db", err)
	}
	if err == nil && db.ReadOnly() {
		// A clinician's role on a clinic's database: it may only read.
		db.Close()
		return nil, fmt.Errorf("%w: this command writes to the database %s, and its role may only read it (a clinician's): run it as the hub's role", store.ErrReadOnly, db.Path())
	}
	return db, err
}

// OpenDBToRead opens the database for a command that only reads it. A
// database this user may read but not write (a copy shared read-only, an
// archive, a clinic's database under a clinician's role) opens read-only
// rather than failing; readOnly says so, and the dashboard then runs no
// sync engine.
func (a *App) OpenDBToRead(ctx context.Context) (db *store.DB, readOnly bool, err error) {
	path := a.DatabasePath()
	if store.IsPostgres(path) {
		// The role decides: the store finds out what it may do.
		db, err := store.Open(ctx, path, a.storeOptions(false))
		if err != nil {
			return nil, false, err
		}
		return db, db.ReadOnly(), nil
	}
	if err := notAFolder(path); err != nil {
		return nil, false, err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("%w: there is no database at %s: check --db (or VITALS_DB), or make one by importing (vitals import FILE) or linking an account (vitals link omron)", ErrNoDatabase, path)
	}
	opt := a.storeOptions(false)
	db, err = store.Open(ctx, path, opt)
	if !errors.Is(err, fs.ErrPermission) {
		return db, false, err
	}
	if _, statErr := os.Stat(path); statErr != nil {
		return nil, false, fmt.Errorf("%w: check the permissions of the folder, or name another database with --db", err)
	}
	opt.ReadOnly = true
	db, roErr := store.Open(ctx, path, opt)
	if roErr != nil {
		return nil, false, fmt.Errorf("%w; read-only, it fails too: %w", err, roErr)
	}
	return db, true, nil
}

// ErrNoDatabase is returned to a command that only reads when the
// database it is given does not exist: creating an empty one would hide a
// mistyped path.
var ErrNoDatabase = errors.New("no database")

// Exists reports whether the database the flags name exists. A
// PostgreSQL database is a server's: it is taken to exist (Open says
// when it cannot be reached).
func (a *App) Exists() bool {
	if store.IsPostgres(a.DatabasePath()) {
		return true
	}
	_, err := os.Stat(a.DatabasePath())
	return err == nil
}

// notAFolder refuses a database path that names a folder.
func notAFolder(path string) error {
	if store.IsPostgres(path) {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a folder: --db names the database file, such as %s", path, filepath.Join(path, "vitals.db"))
	}
	return nil
}

// CurrentProfile returns the profile --profile names, creating the
// default one on first use. Other profiles must exist (vitals profile add),
// and so must every profile of a database open read-only.
func (a *App) CurrentProfile(ctx context.Context, db *store.DB) (store.Profile, error) {
	if (a.Profile == "" || a.Profile == store.DefaultProfile) && !db.ReadOnly() {
		return db.EnsureProfile(ctx, store.DefaultProfile)
	}
	name := cmp.Or(a.Profile, store.DefaultProfile)
	p, err := db.Profile(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return p, fmt.Errorf("no profile %q in %s: add it with `vitals profile add %s`, or see `vitals profile list`", name, db.Path(), name)
	}
	return p, err
}

// OpenProfile opens the database and the profile --profile names, for a
// command that writes to the database. The caller closes the database.
func (a *App) OpenProfile(ctx context.Context) (*store.DB, store.Profile, error) {
	db, err := a.OpenDB(ctx)
	if err != nil {
		return nil, store.Profile{}, err
	}
	return a.withProfile(ctx, db)
}

// OpenProfileToRead is OpenProfile for a command that only reads: see
// OpenDBToRead.
func (a *App) OpenProfileToRead(ctx context.Context) (*store.DB, store.Profile, bool, error) {
	db, readOnly, err := a.OpenDBToRead(ctx)
	if err != nil {
		return nil, store.Profile{}, false, err
	}
	db, p, err := a.withProfile(ctx, db)
	return db, p, readOnly, err
}

// withProfile returns db with the profile --profile names, or closes db
// and says why there is none.
func (a *App) withProfile(ctx context.Context, db *store.DB) (*store.DB, store.Profile, error) {
	p, err := a.CurrentProfile(ctx, db)
	if err != nil {
		db.Close()
		return nil, store.Profile{}, err
	}
	return db, p, nil
}

// HTTPClient is the client every vendor call of a run goes through: one
// connection pool, kept warm between pages, and the configured timeout
// on each request.
func (a *App) HTTPClient() *http.Client {
	hc := providers.NewHTTPClient(a.Config.Sync.RequestTimeout.Duration)
	if a.Instrument != nil {
		hc.Transport = a.Instrument(hc.Transport)
	}
	return hc
}

// SourceFunc is the one place that turns a linked account into the Source
// that fetches its readings, as the configuration describes the
// provider. The sync engine calls it once per account.
func SourceFunc(cfg config.Config, db *store.DB, hc *http.Client) sync.SourceFunc {
	return func(acct store.Account) (providers.Source, error) {
		switch acct.Provider {
		case store.ProviderOmron:
			if err := cfg.OmronReady(); err != nil {
				return nil, err
			}
			return omron.NewSource(cfg.Omron, db, acct, hc), nil
		case store.ProviderOneUp:
			if err := cfg.OneUpReady(); err != nil {
				return nil, err
			}
			return oneup.NewSource(cfg.OneUp, db, acct, hc, db)
		}
		return nil, fmt.Errorf("%s accounts are not synced from a provider", acct.Provider)
	}
}

// engineOptions are the sync engine's settings from the [sync] section.
func engineOptions(cfg config.Config, log *slog.Logger) sync.Options {
	return sync.Options{
		Interval:      cfg.Sync.Interval.Duration,
		Jitter:        cfg.Sync.Jitter.Duration,
		Notifications: cfg.Sync.Notifications,
		CatchUp:       cfg.Sync.CatchUp.Duration,
		Logger:        log,
	}
}

// NewEngine returns the sync engine over db as the configuration sets it
// up: the dashboard, `vitals sync`, `vitals serve` and the demo share it.
// profileID limits it to one profile's accounts (0: every profile's);
// adjust, when given, changes the options last (serve's hub settings).
func (a *App) NewEngine(db *store.DB, profileID int64, log *slog.Logger, adjust ...func(*sync.Options)) *sync.Engine {
	opt := engineOptions(a.Config, log)
	opt.ProfileID = profileID
	for _, f := range adjust {
		f(&opt)
	}
	return sync.New(db, SourceFunc(a.Config, db, a.HTTPClient()), opt)
}

// LinkFlow returns the linking flows over db. When engine is not nil, it
// learns of every account linked or unlinked, and syncs new ones at once.
func (a *App) LinkFlow(db *store.DB, engine *sync.Engine) *link.Flow {
	f := &link.Flow{Config: a.Config, DB: db, HTTP: a.HTTPClient()}
	if engine != nil {
		f.Changed = func(ctx context.Context, id int64) error {
			if err := engine.Reload(ctx); err != nil {
				return err
			}
			engine.SyncNow(id) // an account just forgotten is not synced: the engine no longer holds it
			return nil
		}
	}
	return f
}
