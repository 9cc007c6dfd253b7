package health

import (
	"fmt"
	"strings"
)

// Guideline is a published rulebook for classifying blood pressure. Every
// category carries its guideline, so a screen or report can say which
// rulebook is speaking.
type Guideline string

const (
	// ACCAHA is the ACC/AHA 2017 classification, kept by the 2025 AHA/ACC
	// guideline.
	ACCAHA Guideline = "acc-aha"
	// ESH is the European Society of Hypertension 2023 office grading.
	ESH Guideline = "esh"
	// ACCAHAHome is the home scale of the AHA/ACC rulebook: the office
	// categories moved to the home values of ACC/AHA 2017 table 11
	// (reprinted in 2025).
	ACCAHAHome Guideline = "acc-aha-home"
	// ESHHome is the home scale of the ESH rulebook: normal below the home
	// threshold 135/85, hypertension at or above it.
	ESHHome Guideline = "esh-home"
)

// Name is the guideline's name for people.
func (g Guideline) Name() string {
	switch g {
	case ACCAHA:
		return "ACC/AHA 2017/2025"
	case ESH:
		return "ESH 2023"
	case ACCAHAHome:
		return "home, AHA/ACC 2025"
	case ESHHome:
		return "home, ESH 2023"
	}
	return string(g)
}

// Home reports whether the guideline is a home scale.
func (g Guideline) Home() bool { return g == ACCAHAHome || g == ESHHome }

// Severity orders categories across guidelines, for colour and symbols.
type Severity int

const (
	SeverityNormal   Severity = iota // nothing to act on
	SeverityElevated                 // above optimal, below hypertension
	SeverityHigh                     // hypertension
	SeverityVeryHigh                 // stage 2 / grade 2 and above
	SeveritySevere                   // above 180 and/or 120: act now
)

// Category is a blood-pressure category under one guideline.
type Category struct {
	Guideline Guideline
	Level     int    // 0 is the lowest category of the guideline
	Name      string // "Stage 1", "Grade 2", ...
	Severity  Severity
	// IsolatedSystolic is set (ESH only) when systolic is at least 140
	// while diastolic is below 90.
	IsolatedSystolic bool
}

// String is the category with its guideline, e.g. "Stage 1 (ACC/AHA 2017/2025)".
func (c Category) String() string {
	name := c.Name
	if c.IsolatedSystolic {
		name += ", isolated systolic"
	}
	return fmt.Sprintf("%s (%s)", name, c.Guideline.Name())
}

// Severe reports the > 180 and/or > 120 mmHg reading that always deserves
// an immediate, visible warning, whatever the rulebook.
func Severe(sys, dia float64) bool { return sys > 180 || dia > 120 }

// Classify returns the category of a reading under g. When systolic and
// diastolic fall in different categories, the higher one wins.
func Classify(g Guideline, sys, dia float64) Category {
	if g == ESH {
		return classifyESH(sys, dia)
	}
	return classifyACCAHA(sys, dia)
}

var accahaNames = [...]string{"Normal", "Elevated", "Stage 1", "Stage 2", "Hypertensive crisis"}
var accahaSeverity = [...]Severity{SeverityNormal, SeverityElevated, SeverityHigh, SeverityVeryHigh, SeveritySevere}

func classifyACCAHA(sys, dia float64) Category {
	level := 0
	switch {
	case Severe(sys, dia):
		level = 4
	case sys >= 140 || dia >= 90:
		level = 3
	case sys >= 130 || dia >= 80:
		level = 2
	case sys >= 120:
		level = 1 // elevated needs diastolic < 80, which the case above ensured
	}
	return Category{Guideline: ACCAHA, Level: level, Name: accahaNames[level], Severity: accahaSeverity[level]}
}

var eshNames = [...]string{"Optimal", "Normal", "High-normal", "Grade 1", "Grade 2", "Grade 3"}
var eshSeverity = [...]Severity{SeverityNormal, SeverityNormal, SeverityElevated, SeverityHigh, SeverityVeryHigh, SeverityVeryHigh}

func classifyESH(sys, dia float64) Category {
	level := func(v float64, bounds [5]float64) int {
		l := 0
		for i, b := range bounds {
			if v >= b {
				l = i + 1
			}
		}
		return l
	}
	l := max(level(sys, [5]float64{120, 130, 140, 160, 180}), level(dia, [5]float64{80, 85, 90, 100, 110}))
	c := Category{Guideline: ESH, Level: l, Name: eshNames[l], Severity: eshSeverity[l]}
	if Severe(sys, dia) {
		c.Severity = SeveritySevere
	}
	c.IsolatedSystolic = sys >= 140 && dia < 90
	return c
}

// Home-scale names and severities (clinical-rules.md, "Categories of
// single readings").
var accahaHomeNames = [...]string{"Normal", "Elevated", "Stage 1", "Stage 2", "Severe"}
var eshHomeNames = [...]string{"Normal", "Hypertension"}

// ClassifyHome returns the category of a home reading on the rulebook's
// home scale. AHA/ACC: Normal < 120 and < 80; Elevated 120–129 and < 80;
// Stage 1 130–134 or 80–84; Stage 2 ≥ 135 or ≥ 85; Severe > 180 or > 120.
// ESH: Normal < 135 and < 85; Hypertension ≥ 135 or ≥ 85, of severe
// severity above 180/120. The higher of systolic and diastolic wins.
func ClassifyHome(rb Rulebook, sys, dia float64) Category {
	if rb == ESH2023 {
		l := 0
		if sys >= 135 || dia >= 85 {
			l = 1
		}
		c := Category{Guideline: rb.HomeGuideline(), Level: l, Name: eshHomeNames[l], Severity: []Severity{SeverityNormal, SeverityHigh}[l]}
		if Severe(sys, dia) {
			c.Severity = SeveritySevere
		}
		return c
	}
	level := 0
	switch {
	case Severe(sys, dia):
		level = 4
	case sys >= 135 || dia >= 85:
		level = 3
	case sys >= 130 || dia >= 80:
		level = 2
	case sys >= 120:
		level = 1 // elevated needs diastolic < 80, which the case above ensured
	}
	return Category{Guideline: rb.HomeGuideline(), Level: level, Name: accahaHomeNames[level], Severity: accahaSeverity[level]}
}

// ClassifyOffice returns the category of an office reading under the
// rulebook's guideline (ACC/AHA 2017/2025 or ESH 2023 grades).
func ClassifyOffice(rb Rulebook, sys, dia float64) Category {
	return Classify(rb.Guideline(), sys, dia)
}

// ClassifyIn returns the category of a reading taken in setting s: the
// office scale for office readings, the home scale for every other
// (home, a device, unknown), as SplitBySetting divides them.
func ClassifyIn(rb Rulebook, s Setting, sys, dia float64) Category {
	if s == SettingOffice {
		return ClassifyOffice(rb, sys, dia)
	}
	return ClassifyHome(rb, sys, dia)
}

// Category classifies the reading on the scale of its setting (see
// ClassifyIn); ok is false when it lacks a pressure (a measurement the
// monitor blanked).
func (b BloodPressure) Category(rb Rulebook) (c Category, ok bool) {
	b = b.Cleaned()
	if !b.HasPressures() {
		return Category{}, false
	}
	return ClassifyIn(rb, b.Setting, b.Systolic.Or(0), b.Diastolic.Or(0)), true
}

// PulsePressure is systolic minus diastolic (≥ 60 mmHg in older adults
// suggests arterial stiffness).
func PulsePressure(sys, dia float64) float64 { return sys - dia }

// MeanArterialPressure is the usual estimate DBP + (SBP − DBP) / 3.
func MeanArterialPressure(sys, dia float64) float64 { return dia + (sys-dia)/3 }

// Rulebook is the set of rules a person or clinic chose: which guideline
// names categories, and which home and office thresholds define
// hypertension.
type Rulebook string

const (
	// AHA2025 uses ACC/AHA categories and 130/80 at home and in the office.
	AHA2025 Rulebook = "aha2025"
	// ESH2023 uses ESH grades, 135/85 at home and 140/90 in the office.
	ESH2023 Rulebook = "esh2023"
)

// ParseRulebook accepts "aha2025" or "esh2023" and short forms.
func ParseRulebook(s string) (Rulebook, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "aha", "aha2025", "acc-aha", "accaha":
		return AHA2025, nil
	case "esh", "esh2023", "esc", "esh-esc":
		return ESH2023, nil
	}
	return "", fmt.Errorf("rulebook %q: want aha2025 or esh2023", s)
}

// Name is the rulebook's name for people.
func (r Rulebook) Name() string {
	if r == ESH2023 {
		return "ESH 2023"
	}
	return "AHA/ACC 2025"
}

// Guideline is the classification the rulebook uses for single readings.
func (r Rulebook) Guideline() Guideline {
	if r == ESH2023 {
		return ESH
	}
	return ACCAHA
}

// HomeGuideline is the home scale the rulebook classifies home readings on.
func (r Rulebook) HomeGuideline() Guideline {
	if r == ESH2023 {
		return ESHHome
	}
	return ACCAHAHome
}

// Threshold is a systolic/diastolic pair at or above which blood pressure
// counts as high.
type Threshold struct{ Systolic, Diastolic float64 }

// Exceeded reports whether sys/dia is at or above the threshold.
func (t Threshold) Exceeded(sys, dia float64) bool { return sys >= t.Systolic || dia >= t.Diastolic }

func (t Threshold) String() string { return fmt.Sprintf("%g/%g", t.Systolic, t.Diastolic) }

// HomeThreshold is the mean home blood pressure that means hypertension.
func (r Rulebook) HomeThreshold() Threshold {
	if r == ESH2023 {
		return Threshold{135, 85}
	}
	return Threshold{130, 80}
}

// OfficeThreshold is the office blood pressure that means hypertension.
func (r Rulebook) OfficeThreshold() Threshold {
	if r == ESH2023 {
		return Threshold{140, 90}
	}
	return Threshold{130, 80}
}
