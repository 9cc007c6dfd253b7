package fhir

import (
	"fmt"
	"strings"

	"vitals/health"
)

// canonical converts a quantity's number for field f to the unit vitals
// stores (mmHg, /min, kg, kg/m², %, °C, kcal, metres, counts). The UCUM
// code is tried first, then the human-readable unit, because feeds put the
// spelling they know in either.
func canonical(f field, x float64, q *Quantity) (float64, error) {
	units := []string{q.Code, q.Unit}
	if q.Code == "" || q.Code == q.Unit {
		units = units[1:]
	}
	var err error
	for _, u := range units {
		var y float64
		if y, err = convert(f, x, u); err == nil {
			return y, nil
		}
	}
	return 0, err
}

func convert(f field, x float64, unit string) (float64, error) {
	u := strings.ToLower(strings.TrimSpace(unit))
	switch f {
	case fieldSystolic, fieldDiastolic, fieldMeanBP:
		switch u {
		case "mm[hg]", "mmhg", "mm hg", "":
			return x, nil
		case "kpa":
			return health.Round(x*7.50061683, 1), nil
		}
		return 0, unknownUnit(unit, "a pressure", "mm[Hg] or kPa")
	case fieldPulse:
		switch u {
		case "/min", "{beats}/min", "{beat}/min", "beats/min", "beat/min", "bpm", "1/min", "":
			return x, nil
		}
		return 0, unknownUnit(unit, "a heart rate", "/min")
	case fieldBMI:
		switch u {
		case "kg/m2", "kg/m^2", "kg/m²", "":
			return x, nil
		}
		return 0, unknownUnit(unit, "a BMI", "kg/m2")
	case fieldBodyFat, fieldSkeletalMuscle, fieldSpO2:
		switch u {
		case "%", "":
			return x, nil
		}
		return 0, unknownUnit(unit, "a percentage", "%")
	case fieldWeight:
		if u == "" {
			return 0, fmt.Errorf("a weight without a unit (want kg, g or [lb_av])")
		}
		return health.ToKilograms(x, unit)
	case fieldTemperature:
		if u == "" {
			return 0, fmt.Errorf("a temperature without a unit (want Cel or [degF])")
		}
		return health.ToCelsius(x, unit)
	case fieldDistance:
		if u == "" {
			return 0, fmt.Errorf("a distance without a unit (want m, km or [mi_i])")
		}
		return health.ToMetres(x, unit)
	case fieldCalories, fieldRestingMetabolism:
		switch u {
		case "kcal", "kcal/d", "kcal/(24.h)", "[cal]", "[cal]/d", "kilocalories", "kilocalorie", "":
			return x, nil
		case "kj", "kj/d":
			return health.Round(x/4.184, 1), nil
		}
		return 0, unknownUnit(unit, "an energy", "kcal")
	case fieldSteps, fieldAerobicSteps, fieldVisceralFat:
		// Counts and device levels: feeds spell the unit many ways
		// ("/d", "{steps}", "steps", "1") and none changes the number.
		return x, nil
	}
	return 0, fmt.Errorf("no unit conversion for this code")
}

func unknownUnit(unit, what, want string) error {
	return fmt.Errorf("%w %q for %s (want %s)", health.ErrUnknownUnit, unit, what, want)
}

// positive reports whether a field's zero or negative values mean "not
// measured": a pressure, a pulse, a weight or a temperature of 0 is never a
// reading. Activity counts can honestly be 0.
func positive(f field) bool {
	switch f {
	case fieldSteps, fieldAerobicSteps, fieldCalories, fieldDistance:
		return false
	}
	return true
}
