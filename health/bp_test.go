package health

import (
	"fmt"
	"testing"
)

// Each boundary from clinical-rules.md, on both sides.
func TestClassifyACCAHA(t *testing.T) {
	tests := []struct {
		sys, dia float64
		want     string
	}{
		{119, 79, "Normal"},
		{120, 79, "Elevated"}, // systolic 120 leaves normal
		{129, 79, "Elevated"}, // top of elevated
		{119, 80, "Stage 1"},  // diastolic 80 is stage 1 even with a normal systolic
		{130, 79, "Stage 1"},  // systolic 130
		{139, 89, "Stage 1"},  // top of stage 1
		{140, 70, "Stage 2"},  // systolic 140
		{120, 90, "Stage 2"},  // diastolic 90: the higher category wins
		{180, 120, "Stage 2"}, // 180/120 is not yet a crisis: the rule is > 180 and/or > 120
		{181, 100, "Hypertensive crisis"},
		{150, 121, "Hypertensive crisis"},
		{129.5, 79.9, "Elevated"}, // means are not integers
	}
	for _, tt := range tests {
		c := Classify(ACCAHA, tt.sys, tt.dia)
		if c.Name != tt.want {
			t.Errorf("ACC/AHA %g/%g = %s, want %s", tt.sys, tt.dia, c.Name, tt.want)
		}
		if c.Guideline != ACCAHA {
			t.Errorf("%g/%g: guideline %q", tt.sys, tt.dia, c.Guideline)
		}
	}
}

func TestClassifyESH(t *testing.T) {
	tests := []struct {
		sys, dia float64
		want     string
		isolated bool
	}{
		{119, 79, "Optimal", false},
		{120, 79, "Normal", false},
		{119, 80, "Normal", false},
		{129, 84, "Normal", false},
		{130, 84, "High-normal", false},
		{129, 85, "High-normal", false},
		{139, 89, "High-normal", false},
		{140, 89, "Grade 1", true}, // isolated systolic: ≥ 140 with < 90
		{139, 90, "Grade 1", false},
		{159, 99, "Grade 1", false},
		{160, 80, "Grade 2", true},
		{150, 100, "Grade 2", false},
		{179, 109, "Grade 2", false},
		{180, 80, "Grade 3", true},
		{150, 110, "Grade 3", false},
	}
	for _, tt := range tests {
		c := Classify(ESH, tt.sys, tt.dia)
		if c.Name != tt.want || c.IsolatedSystolic != tt.isolated {
			t.Errorf("ESH %g/%g = %s (isolated %v), want %s (isolated %v)", tt.sys, tt.dia, c.Name, c.IsolatedSystolic, tt.want, tt.isolated)
		}
	}
}

func TestSevereWhateverTheRulebook(t *testing.T) {
	tests := []struct {
		sys, dia float64
		want     bool
	}{
		{180, 120, false},
		{181, 80, true},
		{120, 121, true},
		{200, 130, true},
	}
	for _, tt := range tests {
		if got := Severe(tt.sys, tt.dia); got != tt.want {
			t.Errorf("Severe(%g, %g) = %v, want %v", tt.sys, tt.dia, got, tt.want)
		}
		for _, g := range []Guideline{ACCAHA, ESH} {
			if got := Classify(g, tt.sys, tt.dia).Severity == SeveritySevere; got != tt.want {
				t.Errorf("%s %g/%g severe = %v, want %v", g.Name(), tt.sys, tt.dia, got, tt.want)
			}
		}
	}
}

func TestCategoryNamesItsGuideline(t *testing.T) {
	if got := Classify(ACCAHA, 135, 85).String(); got != "Stage 1 (ACC/AHA 2017/2025)" {
		t.Errorf("got %q", got)
	}
	if got := Classify(ESH, 145, 85).String(); got != "Grade 1, isolated systolic (ESH 2023)" {
		t.Errorf("got %q", got)
	}
}

func TestAFibReadingHasNoCategory(t *testing.T) {
	for _, r := range []BloodPressure{
		{PossibleAFib: true}, // Omron blanks the values
		{Systolic: Of(0), Diastolic: Of(0)},
		{Systolic: Of(130)},
	} {
		if _, ok := r.Category(AHA2025); ok {
			t.Errorf("%+v: a reading without both pressures was classified", r)
		}
	}
}

// TestClassifyHome walks every boundary of the home scales
// (clinical-rules.md, "Categories of single readings") on both sides.
func TestClassifyHome(t *testing.T) {
	for _, tc := range []struct {
		rb       Rulebook
		sys, dia float64
		want     string
		severity Severity
	}{
		{AHA2025, 119, 79, "Normal (home, AHA/ACC 2025)", SeverityNormal},
		{AHA2025, 120, 79, "Elevated (home, AHA/ACC 2025)", SeverityElevated},
		{AHA2025, 129, 79, "Elevated (home, AHA/ACC 2025)", SeverityElevated},
		{AHA2025, 129.99, 79.99, "Elevated (home, AHA/ACC 2025)", SeverityElevated},
		{AHA2025, 130, 79, "Stage 1 (home, AHA/ACC 2025)", SeverityHigh},
		{AHA2025, 119, 80, "Stage 1 (home, AHA/ACC 2025)", SeverityHigh},
		{AHA2025, 134, 84, "Stage 1 (home, AHA/ACC 2025)", SeverityHigh},
		{AHA2025, 135, 70, "Stage 2 (home, AHA/ACC 2025)", SeverityVeryHigh},
		{AHA2025, 120, 85, "Stage 2 (home, AHA/ACC 2025)", SeverityVeryHigh},
		{AHA2025, 180, 120, "Stage 2 (home, AHA/ACC 2025)", SeverityVeryHigh},
		{AHA2025, 181, 100, "Severe (home, AHA/ACC 2025)", SeveritySevere},
		{AHA2025, 150, 121, "Severe (home, AHA/ACC 2025)", SeveritySevere},
		{ESH2023, 134, 84, "Normal (home, ESH 2023)", SeverityNormal},
		{ESH2023, 134.99, 84.99, "Normal (home, ESH 2023)", SeverityNormal},
		{ESH2023, 135, 60, "Hypertension (home, ESH 2023)", SeverityHigh},
		{ESH2023, 110, 85, "Hypertension (home, ESH 2023)", SeverityHigh},
		// The defect of issue 11: 136/86 at home read as office
		// "High-normal" under ESH though above the home threshold.
		{ESH2023, 136, 86, "Hypertension (home, ESH 2023)", SeverityHigh},
		{ESH2023, 180, 120, "Hypertension (home, ESH 2023)", SeverityHigh},
		{ESH2023, 181, 90, "Hypertension (home, ESH 2023)", SeveritySevere},
	} {
		t.Run(fmt.Sprintf("%s %g/%g", tc.rb, tc.sys, tc.dia), func(t *testing.T) {
			c := ClassifyHome(tc.rb, tc.sys, tc.dia)
			if c.String() != tc.want || c.Severity != tc.severity || !c.Guideline.Home() {
				t.Errorf("got %s (severity %d, home %v), want %s (%d)", c, c.Severity, c.Guideline.Home(), tc.want, tc.severity)
			}
		})
	}
}

// TestCategoryBySetting: a home reading on the home scale, an office one
// on the office scale, an unknown setting as home.
func TestCategoryBySetting(t *testing.T) {
	r := func(s Setting) BloodPressure {
		return BloodPressure{Meta: Meta{Setting: s}, Systolic: Of(136), Diastolic: Of(86)}
	}
	for _, tc := range []struct {
		rb      Rulebook
		setting Setting
		want    string
	}{
		{ESH2023, SettingHome, "Hypertension (home, ESH 2023)"},
		{ESH2023, SettingUnknown, "Hypertension (home, ESH 2023)"},
		{ESH2023, SettingOffice, "High-normal (ESH 2023)"},
		{AHA2025, SettingHome, "Stage 2 (home, AHA/ACC 2025)"},
		{AHA2025, SettingOffice, "Stage 1 (ACC/AHA 2017/2025)"},
	} {
		t.Run(fmt.Sprintf("%s %s", tc.rb, tc.setting), func(t *testing.T) {
			c, ok := r(tc.setting).Category(tc.rb)
			if !ok || c.String() != tc.want {
				t.Errorf("136/86: %s, want %s", c, tc.want)
			}
		})
	}
}

func TestThresholds(t *testing.T) {
	tests := []struct {
		rb       Rulebook
		home     Threshold
		office   Threshold
		sys, dia float64
		homeHigh bool
	}{
		{AHA2025, Threshold{130, 80}, Threshold{130, 80}, 130, 70, true},
		{AHA2025, Threshold{130, 80}, Threshold{130, 80}, 129, 79, false},
		{AHA2025, Threshold{130, 80}, Threshold{130, 80}, 120, 80, true},
		{ESH2023, Threshold{135, 85}, Threshold{140, 90}, 134, 84, false},
		{ESH2023, Threshold{135, 85}, Threshold{140, 90}, 135, 80, true},
		{ESH2023, Threshold{135, 85}, Threshold{140, 90}, 130, 85, true},
	}
	for _, tt := range tests {
		if tt.rb.HomeThreshold() != tt.home || tt.rb.OfficeThreshold() != tt.office {
			t.Errorf("%s thresholds = %v/%v", tt.rb.Name(), tt.rb.HomeThreshold(), tt.rb.OfficeThreshold())
		}
		if got := tt.rb.HomeThreshold().Exceeded(tt.sys, tt.dia); got != tt.homeHigh {
			t.Errorf("%s home %g/%g exceeded = %v, want %v", tt.rb.Name(), tt.sys, tt.dia, got, tt.homeHigh)
		}
	}
	if r, err := ParseRulebook("ESH"); err != nil || r != ESH2023 || r.Guideline() != ESH {
		t.Errorf("ParseRulebook(ESH) = %v, %v", r, err)
	}
	if _, err := ParseRulebook("nice"); err == nil {
		t.Error("unknown rulebook accepted")
	}
}

func TestDerivedPressures(t *testing.T) {
	if got := PulsePressure(140, 80); got != 60 {
		t.Errorf("pulse pressure 140/80 = %g, want 60", got)
	}
	if got := MeanArterialPressure(120, 81); got != 94 { // 81 + 39/3
		t.Errorf("MAP 120/81 = %g, want 94", got)
	}
}
