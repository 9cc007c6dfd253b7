package providers

import (
	"context"
	"errors"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// RetryPolicy says how patiently to retry.
type RetryPolicy struct {
	Initial time.Duration // first pause after a temporary failure
	Max     time.Duration // longest pause between tries
	Tries   int           // attempts in all, the first included
	// MaxRateWait is the longest Retry-After honoured by waiting; a longer
	// one ends the round with the rate-limit error, for the next round.
	MaxRateWait time.Duration
}

// DefaultRetry suits a background sync: a few quick tries, then give up
// for this round and try again at the next.
func DefaultRetry() RetryPolicy {
	return RetryPolicy{Initial: 500 * time.Millisecond, Max: 30 * time.Second, Tries: 6, MaxRateWait: 10 * time.Minute}
}

// Wait describes a pause Retry is about to make.
type Wait struct {
	Err     error         // why
	For     time.Duration // how long
	Attempt int           // the attempt that failed, from 1
}

// RateLimited reports whether the pause is the server's Retry-After.
func (w Wait) RateLimited() bool { return errors.Is(w.Err, ErrRateLimited) }

// Retry calls op until it succeeds, fails with an error that is neither
// temporary nor a rate limit, the policy's tries run out, or ctx ends.
// Temporary failures back off exponentially with jitter up to p.Max; a
// rate limit waits the server's Retry-After, or ends at once when that is
// beyond p.MaxRateWait, and backs off like a temporary failure when the
// server gave none. notify, if not nil, hears of every pause before it
// starts. The error returned is op's last.
func Retry[T any](ctx context.Context, p RetryPolicy, op func(context.Context) (T, error), notify func(Wait)) (T, error) {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval = p.Initial, p.Max
	attempt := 0
	var last error
	v, err := backoff.Retry(ctx, func() (T, error) {
		attempt++
		v, err := op(ctx)
		last = err
		var rl *RateLimitError
		switch {
		case err == nil:
			return v, nil
		case errors.As(err, &rl) && rl.RetryAfter > 0:
			if rl.RetryAfter > p.MaxRateWait {
				return v, backoff.Permanent(err)
			}
			return v, &backoff.RetryAfterError{Duration: rl.RetryAfter}
		case errors.As(err, &rl):
			// No Retry-After: back off on the schedule, as for a
			// temporary failure. Drawing the pause here and passing it
			// as a RetryAfterError would reset the schedule each time,
			// so that the pauses never grew.
			return v, err
		case errors.Is(err, ErrTemporary):
			return v, err
		default:
			return v, backoff.Permanent(err)
		}
	},
		backoff.WithBackOff(b),
		backoff.WithMaxTries(uint(max(p.Tries, 1))),
		backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(func(_ error, d time.Duration) {
			if notify != nil {
				notify(Wait{Err: last, For: d, Attempt: attempt})
			}
		}),
	)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(last, ctx.Err()) {
			return v, ctx.Err()
		}
		return v, last
	}
	return v, nil
}
