package health

// BMI computes body-mass index from kilograms and metres.
func BMI(kg, heightM float64) Value {
	if kg <= 0 || heightM <= 0 {
		return Missing
	}
	return Of(Round(kg/(heightM*heightM), 2))
}

// Band is a named range of a value, e.g. a WHO BMI class.
type Band struct {
	Level    int
	Name     string
	Severity Severity
}

var bmiBands = [...]Band{
	{0, "Underweight", SeverityElevated},
	{1, "Normal", SeverityNormal},
	{2, "Overweight", SeverityElevated},
	{3, "Obesity I", SeverityHigh},
	{4, "Obesity II", SeverityHigh},
	{5, "Obesity III", SeverityVeryHigh},
}

// ClassifyBMI returns the WHO class of a BMI.
func ClassifyBMI(bmi float64) Band {
	switch {
	case bmi < 18.5:
		return bmiBands[0]
	case bmi < 25:
		return bmiBands[1]
	case bmi < 30:
		return bmiBands[2]
	case bmi < 35:
		return bmiBands[3]
	case bmi < 40:
		return bmiBands[4]
	}
	return bmiBands[5]
}

var stepBands = [...]Band{
	{0, "Sedentary", SeverityHigh},
	{1, "Low active", SeverityElevated},
	{2, "Somewhat active", SeverityNormal},
	{3, "Active", SeverityNormal},
}

// ClassifySteps returns the activity band of a day's steps.
func ClassifySteps(steps float64) Band {
	switch {
	case steps < 5000:
		return stepBands[0]
	case steps < 7500:
		return stepBands[1]
	case steps < 10000:
		return stepBands[2]
	}
	return stepBands[3]
}
