package health

import "fmt"

// Remote-monitoring days: the days of a 30-day period on which a patient
// transmitted at least one reading, banded as the 2026 remote-monitoring
// device codes 99445 (2–15 days) and 99454 (16–30 days) band them. These
// are facts about transmissions, not billing advice.
const MonitoringPeriodDays = 30

// MonitoringBand is the band a number of monitoring days falls in.
type MonitoringBand int

const (
	BandUnder2 MonitoringBand = iota // 0–1 days
	Band2to15                        // 2–15 days
	Band16to30                       // 16–30 days
)

// BandOf returns the band of a count of monitoring days in a 30-day
// period.
func BandOf(days int) MonitoringBand {
	switch {
	case days >= 16:
		return Band16to30
	case days >= 2:
		return Band2to15
	}
	return BandUnder2
}

func (b MonitoringBand) String() string {
	switch b {
	case Band16to30:
		return "16–30"
	case Band2to15:
		return "2–15"
	}
	return "0–1"
}

// AttentionFacts are what the attention rule looks at for one patient.
type AttentionFacts struct {
	// UnacknowledgedSevere counts readings above 180/120 no clinician has
	// acknowledged.
	UnacknowledgedSevere int
	// NewFlags counts rhythm flags (possible AFib, irregular heartbeat,
	// a blanked reading) newer than the last acknowledgement of the
	// patient's flags.
	NewFlags int
	// Week is the protocol summary of the last 7 days, Previous of the 7
	// before.
	Week, Previous Summary
	// DaysSinceReading is how many whole days ago the newest reading was
	// taken; negative when the patient has none.
	DaysSinceReading int
	// QuietDays is how long without readings needs attention (the
	// configuration's display.quiet_days).
	QuietDays int
	// NeedsRelink counts the patient's sources that must be linked again.
	NeedsRelink int
}

// Attention is one reason a patient needs attention.
type Attention int

const (
	AttentionSevere Attention = iota + 1 // an unacknowledged reading above 180/120
	AttentionFlag                        // a new rhythm flag
	AttentionRising                      // the week's protocol mean at or above threshold, and rising
	AttentionQuiet                       // no readings for QuietDays
	AttentionRelink                      // a source must be linked again
)

func (a Attention) String() string {
	switch a {
	case AttentionSevere:
		return "above 180/120, not acknowledged"
	case AttentionFlag:
		return "new rhythm flag"
	case AttentionRising:
		return "home mean at or above threshold and rising"
	case AttentionQuiet:
		return "no readings"
	case AttentionRelink:
		return "source needs relinking"
	}
	return fmt.Sprintf("Attention(%d)", int(a))
}

// NeedsAttention applies the attention rule: a patient needs attention for
// each of
//   - an unacknowledged reading above 180/120;
//   - a rhythm flag newer than the last acknowledgement;
//   - a protocol mean of the last 7 days at or above the home threshold
//     (a verdict, so the protocol minimum is met) that is rising: higher
//     in systolic or diastolic than the previous 7 days' exact mean, or
//     with no assessed mean the week before (it reached the threshold
//     from nothing anyone could judge);
//   - no reading for QuietDays days or more (or none at all);
//   - a source that must be linked again.
//
// It returns the reasons in that order, none when all is well.
func NeedsAttention(f AttentionFacts) []Attention {
	var out []Attention
	if f.UnacknowledgedSevere > 0 {
		out = append(out, AttentionSevere)
	}
	if f.NewFlags > 0 {
		out = append(out, AttentionFlag)
	}
	if f.Week.Verdict == AtOrAbove && Rising(f.Week, f.Previous) {
		out = append(out, AttentionRising)
	}
	if f.DaysSinceReading < 0 || (f.QuietDays > 0 && f.DaysSinceReading >= f.QuietDays) {
		out = append(out, AttentionQuiet)
	}
	if f.NeedsRelink > 0 {
		out = append(out, AttentionRelink)
	}
	return out
}

// Rising reports whether a week's protocol mean is higher than the week
// before's, in systolic or diastolic, comparing exact means; a week
// before with no assessed mean counts as rising.
func Rising(week, before Summary) bool {
	if before.Verdict == NotAssessed || !before.Mean.Valid() {
		return true
	}
	return week.Mean.Systolic.Sub(before.Mean.Systolic).Cmp(0) > 0 || week.Mean.Diastolic.Sub(before.Mean.Diastolic).Cmp(0) > 0
}
