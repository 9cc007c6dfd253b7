package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"vitals/config"
	"vitals/providers"
	"vitals/providers/omron"
	"vitals/providers/oneup"
	"vitals/store"
	"vitals/sync"
)

// providerClient is the HTTP client every Source of a run shares: one
// connection pool, kept warm between pages, and a per-request timeout.
func providerClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 2 * sync.DefaultConcurrency
	return &http.Client{Timeout: timeout, Transport: t}
}

// newSourceFunc is the one place that turns a linked account into the
// Source that fetches its readings, as the configuration describes the
// provider. The sync engine calls it once per account.
func newSourceFunc(cfg config.Config, db *store.DB, hc *http.Client) sync.SourceFunc {
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

// newEngine returns the sync engine over db as the configuration sets it
// up: the dashboard, `vitals sync`, `vitals serve` and the demo share it.
// profileID limits it to one profile's accounts (0: every profile's).
func (a *app) newEngine(db *store.DB, profileID int64, log *slog.Logger) *sync.Engine {
	opt := engineOptions(a.cfg, log)
	opt.ProfileID = profileID
	return sync.New(db, newSourceFunc(a.cfg, db, providerClient(a.cfg.Sync.RequestTimeout.Duration)), opt)
}
