package health

import (
	"slices"
	"time"
)

// SessionWindow is how close readings must be to form one session: the
// protocol's "two readings one minute apart" taken as one sitting.
const SessionWindow = 10 * time.Minute

// A Session is the readings of one sitting. Its value is the mean of the
// readings that have pressures (a zero is a device's placeholder, never
// averaged); flags are carried over from any reading.
type Session struct {
	Readings     []BloodPressure
	Systolic     Value
	Diastolic    Value
	Pulse        Value
	PossibleAFib bool
	Irregular    bool
}

// Start is the time of the session's first reading.
func (s Session) Start() time.Time { return s.Readings[0].Time }

// Local is the wall-clock time of the session's first reading.
func (s Session) Local() time.Time { return s.Readings[0].Local() }

// Sessions groups readings into sittings: a reading joins the current
// session when it is within SessionWindow of that session's first reading.
// Measuring from the first reading, not the previous one, keeps a run of
// readings two minutes apart from chaining into one long session. The input
// need not be sorted.
func Sessions(readings []BloodPressure) []Session {
	sorted := slices.Clone(readings)
	slices.SortStableFunc(sorted, func(a, b BloodPressure) int { return a.Time.Compare(b.Time) })
	var out []Session
	start := 0
	for i := 1; i <= len(sorted); i++ {
		if i < len(sorted) && sorted[i].Time.Sub(sorted[start].Time) <= SessionWindow {
			continue
		}
		out = append(out, newSession(sorted[start:i]))
		start = i
	}
	return out
}

func newSession(rs []BloodPressure) Session {
	s := Session{Readings: rs}
	var sys, dia, pulse Mean
	for _, r := range rs {
		if c := r.Cleaned(); c.HasPressures() {
			sys.Add(c.Systolic.Or(0))
			dia.Add(c.Diastolic.Or(0))
		}
		if p, ok := r.Pulse.Get(); ok && p > 0 {
			pulse.Add(p)
		}
		s.PossibleAFib = s.PossibleAFib || r.PossibleAFib
		s.Irregular = s.Irregular || r.IrregularHeartbeat
	}
	s.Systolic, s.Diastolic, s.Pulse = sys.Value(), dia.Value(), pulse.Value()
	return s
}
