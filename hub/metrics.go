package hub

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"vitals/sync"
)

// Metrics are what an operator watches of a hub, in Prometheus form:
// sync rounds by result, readings stored by outcome, vendor requests by
// host and status, lease takeovers, and how long a notified reading takes
// to be stored. Each hub has its own registry, so tests and several hubs
// in one process do not share counters.
type Metrics struct {
	reg       *prometheus.Registry
	rounds    *prometheus.CounterVec
	readings  *prometheus.CounterVec
	requests  *prometheus.CounterVec
	takeovers prometheus.Counter
	notifyLag prometheus.Histogram
}

// NewMetrics returns the hub's metrics, with the Go runtime's and the
// process's.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		rounds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vitals_sync_rounds_total", Help: "Sync rounds finished, by provider and result (ok, failed, needs_relink, interrupted).",
		}, []string{"provider", "result"}),
		readings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vitals_readings_stored_total", Help: "Readings stored by sync rounds, by provider and outcome (added, held, updated).",
		}, []string{"provider", "outcome"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vitals_vendor_requests_total", Help: "Requests to the vendors' servers, by host and HTTP status (0: no answer).",
		}, []string{"host", "code"}),
		takeovers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vitals_lease_takeovers_total", Help: "Accounts taken over from a worker whose lease had expired.",
		}),
		notifyLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "vitals_notification_to_stored_seconds", Help: "Time from an Omron notification to the end of the round that stored what it announced.",
			Buckets: []float64{0.5, 1, 2, 5, 10, 30, 60, 120, 300},
		}),
	}
	m.reg.MustRegister(m.rounds, m.readings, m.requests, m.takeovers, m.notifyLag,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Observe counts a sync event: finished rounds, the readings pages
// stored, leases taken over, and the lag of notified rounds.
func (m *Metrics) Observe(ev sync.Event) {
	p := string(ev.Provider)
	switch ev.Kind {
	case sync.PageStored:
		m.readings.WithLabelValues(p, "added").Add(float64(ev.Added))
		m.readings.WithLabelValues(p, "held").Add(float64(ev.Held))
		m.readings.WithLabelValues(p, "updated").Add(float64(ev.Updated))
	case sync.Finished:
		m.rounds.WithLabelValues(p, "ok").Inc()
		if !ev.Notified.IsZero() {
			m.NotificationStored(ev.At.Sub(ev.Notified))
		}
	case sync.TookOver:
		m.LeaseTakeover()
	case sync.Failed:
		result := "failed"
		if errors.Is(ev.Err, sync.ErrInterrupted) {
			result = "interrupted"
		}
		m.rounds.WithLabelValues(p, result).Inc()
	case sync.NeedsRelink:
		m.rounds.WithLabelValues(p, "needs_relink").Inc()
	}
}

// LeaseTakeover counts an account taken over from an expired lease.
func (m *Metrics) LeaseTakeover() { m.takeovers.Inc() }

// NotificationStored records the time from a notification to its
// readings stored.
func (m *Metrics) NotificationStored(lag time.Duration) { m.notifyLag.Observe(lag.Seconds()) }

// Transport counts every request through base (http.DefaultTransport
// when nil) by host and status.
func (m *Metrics) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(r)
		code := "0"
		if err == nil {
			code = strconv.Itoa(resp.StatusCode)
		}
		m.requests.WithLabelValues(r.URL.Host, code).Inc()
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
