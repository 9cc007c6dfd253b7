package health

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
