package health

import "fmt"

// The sentences clinical-rules.md asks for wherever a rhythm flag or a
// reading above 180/120 is shown. Every screen, command and report says
// them in these words, so a person reads one message everywhere.
const (
	// AFibCaveat goes with every possible-AFib flag shown.
	AFibCaveat = "A monitor's AFib flag is a screening result, not a diagnosis: confirm it with an ECG."
	// IrregularCaveat goes with every irregular-heartbeat flag shown.
	IrregularCaveat = "An irregular-heartbeat flag is a screening result, not a diagnosis: confirm it with an ECG if it recurs."
	// FlagCaveat goes where both kinds of rhythm flag are shown together.
	FlagCaveat = "A monitor's possible-AFib or irregular-heartbeat flag is a screening result, not a diagnosis: confirm it with an ECG."
	// FlagCaveatShort is FlagCaveat for a line that has no room for it.
	FlagCaveatShort = "Rhythm flags are screening results, not a diagnosis: confirm with an ECG."
	// FlagEvidence is what a clinician's report adds to FlagCaveat.
	FlagEvidence = "Screening is good but not perfect (pooled sensitivity ≈ 96 %, specificity ≈ 94 %; " +
		"positive predictive value in real primary care ≈ 42 %, so most single flags there are not AF). " +
		"Repeated flags mean more than one: 2 or more flags in 3 consecutive readings is a stronger signal. " +
		"Blood pressure measured during AF is less reliable; values a monitor blanked are never averaged or charted."
	// RepeatedFlags explains the "2 of 3 consecutive readings" signal.
	RepeatedFlags = "Two or more of three consecutive readings were flagged: a stronger signal than a single flag, to confirm with an ECG."

	// SevereAttention is the short form of SevereAdvice, for a line that
	// lists readings above 180/120.
	SevereAttention = "Readings this high need prompt medical attention, whatever the rulebook."
	// SevereAdvice goes with every reading above 180/120, whatever the
	// rulebook.
	SevereAdvice = "Rest 5 minutes and measure again. If it stays above 180/120 mmHg, or comes with chest pain, " +
		"shortness of breath, weakness, trouble speaking or vision changes, seek care now."
)

// Plural returns one when n is 1, else many: "1 reading", "3 readings".
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// The words of the protocol's verdicts, the same on every screen and in
// every report (see Summary).
const (
	// NotAssessedMinimum replaces a verdict when the protocol minimum is
	// not met.
	NotAssessedMinimum = "not assessed: the protocol minimum (3 days, 12 averaged readings) is not met"
	// NotAssessedNoMean replaces a verdict when nothing was averaged.
	NotAssessedNoMean = "not assessed: no home readings averaged (day 1 is never averaged)"

	// BlankedNoCause names a reading without values whose source did not
	// say why (the US Omron CSV layout has no flag column).
	BlankedNoCause = "blanked, cause not given"
	// BlankedNoCauseDetail explains a blanked reading whose source gave no
	// cause, where it is listed on its own.
	BlankedNoCauseDetail = "The monitor recorded this measurement without values and the source does not say why: " +
		"Omron blanks a measurement during a rhythm error, and its US CSV export has no flag column. " +
		"It counts as a reading in the flag rates; it is never averaged or charted."
	// BlankedNote explains blanked readings wherever they are counted.
	BlankedNote = "A blanked reading has no values (Omron blanks a measurement during a rhythm error). " +
		"It counts as a reading in the flag rates and is listed, but never averaged or charted."
)

// MeanText is the home mean as shown beside its verdict ("134.96/84.96").
func (s Summary) MeanText() string { return s.Mean.Text(s.HomeThreshold) }

// VerdictText says where the home mean stands against the home
// threshold, naming the rulebook: "below the home threshold 135/85 (ESH
// 2023)", or why it is not assessed.
func (s Summary) VerdictText() string {
	switch s.Verdict {
	case Below, AtOrAbove:
		return fmt.Sprintf("%s the home threshold %s (%s)", s.Verdict, s.HomeThreshold, s.Rulebook.Name())
	}
	if !s.Mean.Valid() {
		return NotAssessedNoMean
	}
	return NotAssessedMinimum
}

// MorningText is the morning mean as shown beside the morning
// hypertension verdict.
func (s Summary) MorningText() string { return s.Morning.Text(MorningHypertension()) }

// MorningVerdictText says whether the morning mean is morning
// hypertension (at or above 135/85 whatever the rulebook).
func (s Summary) MorningVerdictText() string {
	switch s.MorningVerdict {
	case AtOrAbove:
		return "morning hypertension: the morning mean is at or above " + MorningHypertension().String()
	case Below:
		return "no morning hypertension: the morning mean is below " + MorningHypertension().String()
	}
	if !s.Morning.Valid() {
		return "morning hypertension not assessed: no morning readings averaged"
	}
	return "morning hypertension " + NotAssessedMinimum
}

// MEDifText is the morning–evening difference with its sign, in mmHg as
// shown beside its verdict ("+19.96"); "" without one.
func (s Summary) MEDifText() string { return FormatSigned(s.MEDif, MEDifRisk) }

// MEDifVerdictText says whether the ME-dif reaches the J-HOP risk.
func (s Summary) MEDifVerdictText() string {
	switch s.MEDifVerdict {
	case AtOrAbove:
		return fmt.Sprintf("at or above %g mmHg: extra cardiovascular risk (%s)", MEDifRisk, JHOPCitation)
	case Below:
		return fmt.Sprintf("below %g mmHg", MEDifRisk)
	}
	if !s.MEDif.Valid() {
		return "not assessed: needs morning and evening readings"
	}
	return NotAssessedMinimum
}

// OfficeText is the office mean as shown beside its verdict.
func (s Summary) OfficeText() string { return s.Office.Text(s.OfficeThreshold) }

// OfficeVerdictText says where the office mean stands against the office
// threshold, naming the rulebook.
func (s Summary) OfficeVerdictText() string {
	if s.OfficeVerdict == NotAssessed {
		return "not assessed: no office readings with values"
	}
	return fmt.Sprintf("%s the office threshold %s (%s)", s.OfficeVerdict, s.OfficeThreshold, s.Rulebook.Name())
}

// OfficeHomeStatement says in a sentence what office and home readings
// show, naming the rulebook behind each threshold; "" when the period
// lacks office or home readings.
func (s Summary) OfficeHomeStatement() string {
	office := fmt.Sprintf("office mean %s mmHg (%s) is %s", s.OfficeText(), countOf(s.Office.N, "reading", "readings"), s.OfficeVerdictText())
	switch s.OfficeHome {
	case OfficeHomeUnknown:
		return ""
	case OfficeHomeNotAssessed:
		return fmt.Sprintf("%s: the home readings fall short of the protocol minimum (3 days, 12 averaged readings); %s.", s.OfficeHome, office)
	}
	home := fmt.Sprintf("home mean %s mmHg (%s) is %s", s.MeanText(), countOf(s.Mean.N, "reading", "readings"), s.VerdictText())
	return fmt.Sprintf("%s: %s; %s.", s.OfficeHome, office, home)
}

// BlankedText names a reading without values and its cause, when the
// source gave one: "blanked: possible AFib", or "blanked, cause not
// given".
func BlankedText(b BloodPressure) string {
	switch {
	case b.PossibleAFib && b.IrregularHeartbeat:
		return "blanked: possible AFib, irregular heartbeat"
	case b.PossibleAFib:
		return "blanked: possible AFib"
	case b.IrregularHeartbeat:
		return "blanked: irregular heartbeat"
	}
	return BlankedNoCause
}

func countOf(n int, one, many string) string { return fmt.Sprintf("%d %s", n, Plural(n, one, many)) }

// Short is the attention reason in a few words, for a table cell.
func (a Attention) Short() string {
	switch a {
	case AttentionSevere:
		return ">180/120 not acked"
	case AttentionFlag:
		return "new rhythm flag"
	case AttentionRising:
		return "≥ threshold, rising"
	case AttentionQuiet:
		return "no readings"
	case AttentionRelink:
		return "relink"
	}
	return a.String()
}

// AttentionLegend explains the one-letter forms of the attention reasons on
// a narrow screen, and their legend.
const AttentionLegend = "S >180/120 unacked · F new flag · R ≥ threshold, rising · Q quiet · L relink"
