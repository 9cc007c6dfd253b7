package health

import "testing"

func TestClassifyBMI(t *testing.T) {
	tests := []struct {
		bmi  float64
		want string
	}{
		{18.49, "Underweight"},
		{18.5, "Normal"},
		{24.9, "Normal"},
		{24.99, "Normal"},
		{25, "Overweight"},
		{29.9, "Overweight"},
		{30, "Obesity I"},
		{34.9, "Obesity I"},
		{35, "Obesity II"},
		{39.9, "Obesity II"},
		{40, "Obesity III"},
	}
	for _, tt := range tests {
		if got := ClassifyBMI(tt.bmi).Name; got != tt.want {
			t.Errorf("BMI %g = %s, want %s", tt.bmi, got, tt.want)
		}
	}
}

func TestBMI(t *testing.T) {
	if got := BMI(71.6, 1.675).Or(0); got != 25.52 { // 71.6 / 1.675² = 25.5202…
		t.Errorf("BMI(71.6 kg, 1.675 m) = %g, want 25.52", got)
	}
	if BMI(70, 0).Valid() {
		t.Error("BMI without a height is not missing")
	}
}

func TestClassifySteps(t *testing.T) {
	tests := []struct {
		steps float64
		want  string
	}{
		{0, "Sedentary"},
		{4999, "Sedentary"},
		{5000, "Low active"},
		{7499, "Low active"},
		{7500, "Somewhat active"},
		{9999, "Somewhat active"},
		{10000, "Active"},
	}
	for _, tt := range tests {
		if got := ClassifySteps(tt.steps).Name; got != tt.want {
			t.Errorf("%g steps = %s, want %s", tt.steps, got, tt.want)
		}
	}
}
