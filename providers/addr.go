package providers

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	gosync "sync"
	"time"

	"golang.org/x/time/rate"
)

// ClientAddress is the address a request's rate limit and log lines go by. A
// peer on loopback is the TLS-terminating proxy the documentation asks
// for: the client is then the last address it appended to
// X-Forwarded-For (earlier ones are whatever the client sent). An IPv6
// client counts by its /64, which one host commonly owns whole.
func ClientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return VendorText(host, 64)
	}
	if addr.IsLoopback() {
		if fwd := r.Header.Values("X-Forwarded-For"); len(fwd) > 0 {
			hops := strings.Split(fwd[len(fwd)-1], ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(hops[len(hops)-1])); err == nil {
				addr = a
			}
		}
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// MaxTrackedAddresses bounds the addresses an AddrLimiter (and a log
// sampler) remembers at once; beyond it new addresses share one bucket,
// so that a flood from many addresses cannot grow memory without bound.
const MaxTrackedAddresses = 10000

// OtherAddresses is the key of the addresses past MaxTrackedAddresses.
const OtherAddresses = "(other addresses)"

// AddrLimiter is a token bucket per client address (ClientAddress), for
// endpoints anyone may reach. It is safe for concurrent use.
type AddrLimiter struct {
	rate  rate.Limit
	burst int

	mu    gosync.Mutex
	by    map[string]*rate.Limiter
	swept time.Time // the last look for idle buckets
}

// NewAddrLimiter returns buckets of burst tokens, refilled at r a second;
// rate.Inf lifts the limit.
func NewAddrLimiter(r rate.Limit, burst int) *AddrLimiter {
	return &AddrLimiter{rate: r, burst: burst, by: map[string]*rate.Limiter{}}
}

// Reserve takes a token from addr's bucket at now, and returns 0, or how
// long until a token would be there (and takes none).
func (l *AddrLimiter) Reserve(addr string, now time.Time) time.Duration {
	if l.rate == rate.Inf {
		return 0
	}
	l.mu.Lock()
	lim, ok := l.by[addr]
	if !ok {
		// At most once a second: under a flood from many addresses a
		// sweep per request would cost more than the requests.
		if len(l.by) >= MaxTrackedAddresses && now.Sub(l.swept) >= time.Second {
			l.swept = now
			l.forgetIdleLocked(now)
		}
		if len(l.by) >= MaxTrackedAddresses {
			addr = OtherAddresses
			lim = l.by[addr]
		}
		if lim == nil {
			lim = rate.NewLimiter(l.rate, l.burst)
			l.by[addr] = lim
		}
	}
	l.mu.Unlock()
	res := lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}

// forgetIdleLocked drops the buckets that are full again: a new bucket
// would be the same.
func (l *AddrLimiter) forgetIdleLocked(now time.Time) {
	for addr, lim := range l.by {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.by, addr)
		}
	}
}
