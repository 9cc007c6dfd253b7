package health

import "testing"

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
	r := BloodPressure{PossibleAFib: true} // Omron blanks the values
	if _, ok := r.Category(ACCAHA); ok {
		t.Error("a reading without pressures was classified")
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
