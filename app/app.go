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
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

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
	DBPath     string // --db; "" for the default under the XDG data folder
	Profile    string // --profile
	ConfigPath string // --config; "" for the default
	Config     config.Config
	// Notes hears what a person should know of that happened on the
	// side, such as a new token key (nil: nobody).
	Notes io.Writer
	// Instrument, when set, wraps the transport of every vendor request
	// (vitals serve counts them for its metrics).
	Instrument func(http.RoundTripper) http.RoundTripper
}

// DatabasePath is the database file the flags name.
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
func (a *App) EnsureSealKey() (k *seal.Keyring, created bool, err error) {
	return seal.LoadOrCreate(a.SealKeyPath())
}

func (a *App) storeOptions(readOnly bool) store.Options {
	return store.Options{Keyring: a.Config.Keyring, ReadOnly: readOnly, SealKey: a.sealKey}
}

// sealKey gives the store the token key: created with the first token
// the database keeps (and said on stderr), only read otherwise.
func (a *App) sealKey(create bool) (*seal.Keyring, error) {
	if !create {
		return seal.Load(a.SealKeyPath())
	}
	k, created, err := a.EnsureSealKey()
	if created && a.Notes != nil {
		fmt.Fprintf(a.Notes, "vitals: tokens kept in the database are encrypted with a new key in %s (readable by you only): keep it private, and with your database backups\n", a.SealKeyPath())
	}
	return k, err
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
	return db, err
}

// OpenDBToRead opens the database for a command that only reads it. A
// database this user may read but not write (a copy shared read-only, an
// archive) opens read-only rather than failing; readOnly says so.
func (a *App) OpenDBToRead(ctx context.Context) (db *store.DB, readOnly bool, err error) {
	path := a.DatabasePath()
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

// Exists reports whether the database the flags name exists.
func (a *App) Exists() bool {
	_, err := os.Stat(a.DatabasePath())
	return err == nil
}

// notAFolder refuses a database path that names a folder.
func notAFolder(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s is a folder: --db names the database file, such as %s", path, filepath.Join(path, "vitals.db"))
	}
	return nil
}

// CurrentProfile returns the profile --profile names, creating the
// default one on first use. Other profiles must exist (vitals profile add).
func (a *App) CurrentProfile(ctx context.Context, db *store.DB) (store.Profile, error) {
	if a.Profile == "" || a.Profile == store.DefaultProfile {
		return db.EnsureProfile(ctx, store.DefaultProfile)
	}
	p, err := db.Profile(ctx, a.Profile)
	if errors.Is(err, store.ErrNotFound) {
		return p, fmt.Errorf("no profile %q in %s: add it with `vitals profile add %s`, or see `vitals profile list`", a.Profile, db.Path(), a.Profile)
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
// profileID limits it to one profile's accounts (0: every profile's).
func (a *App) NewEngine(db *store.DB, profileID int64, log *slog.Logger) *sync.Engine {
	opt := engineOptions(a.Config, log)
	opt.ProfileID = profileID
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
