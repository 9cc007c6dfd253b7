// Package hub is what `vitals serve` hosts over HTTP: the Omron
// notification endpoint, the enrollment pages (package enroll), liveness (/healthz) and readiness (/readyz)
// checks, and Prometheus metrics (/metrics). Pages are plain
// html/template with no JavaScript.
package hub

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Options configure a Hub.
type Options struct {
	// Notify is the Omron notification endpoint (omron.NotifyEndpoint),
	// mounted at NotifyPath and below it (a secret may be the last path
	// element). Nil: no notifications are taken.
	Notify     http.Handler
	NotifyPath string
	// Ready says whether the hub can do its work now (the database
	// answers); nil means it can whenever it is not draining.
	Ready func(ctx context.Context) error
	// Enroll serves the enrollment pages and OAuth callbacks below
	// /enroll/ (enroll.Service.Handler); nil serves none.
	Enroll http.Handler
	// Metrics are served at /metrics; nil serves none.
	Metrics *Metrics
	Logger  *slog.Logger
}

// Hub routes the serve command's HTTP requests.
type Hub struct {
	opt      Options
	mux      *http.ServeMux
	draining atomic.Bool
}

// readyTimeout bounds a readiness check: a load balancer asks often, and
// a database that takes longer than this is not ready.
const readyTimeout = 2 * time.Second

// New returns a hub serving what opt names.
func New(opt Options) *Hub {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Hub{opt: opt, mux: http.NewServeMux()}
	if opt.Notify != nil {
		path := opt.NotifyPath
		if path == "" {
			path = "/omron/notify"
		}
		h.mux.Handle(path, opt.Notify)
		h.mux.Handle(strings.TrimRight(path, "/")+"/", opt.Notify)
	}
	if opt.Enroll != nil {
		h.mux.Handle("/enroll/", opt.Enroll)
	}
	h.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		plain(w, http.StatusOK, "ok")
	})
	h.mux.HandleFunc("GET /readyz", h.ready)
	if opt.Metrics != nil {
		h.mux.Handle("GET /metrics", opt.Metrics.Handler())
	}
	return h
}

// Handler is the hub's HTTP handler.
func (h *Hub) Handler() http.Handler { return h.mux }

// Drain makes /readyz answer 503 from now on, so a load balancer sends no
// new work while the engine stores its last pages.
func (h *Hub) Drain() { h.draining.Store(true) }

func (h *Hub) ready(w http.ResponseWriter, r *http.Request) {
	if h.draining.Load() {
		plain(w, http.StatusServiceUnavailable, "draining: stopping")
		return
	}
	if h.opt.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := h.opt.Ready(ctx); err != nil {
			h.opt.Logger.Warn("not ready", "err", err)
			plain(w, http.StatusServiceUnavailable, "not ready: the database does not answer")
			return
		}
	}
	plain(w, http.StatusOK, "ready")
}

func plain(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, text)
}
