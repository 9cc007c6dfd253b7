package health

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Exact conversion factors.
const (
	kgPerPound  = 0.45359237
	metresPerMi = 1609.344
)

// Canonical values are rounded to a precision finer than any home device
// measures, so that 98.6 °F is stored as 37 °C and not 36.99999999999999.
const (
	kgDecimals      = 4 // 0.1 g
	celsiusDecimals = 3
	metreDecimals   = 2
)

// Round rounds x to n decimals.
func Round(x float64, n int) float64 {
	p := math.Pow10(n)
	return math.Round(x*p) / p
}

// KgFromLb converts pounds to kilograms.
func KgFromLb(lb float64) float64 { return Round(lb*kgPerPound, kgDecimals) }

// LbFromKg converts kilograms to pounds.
func LbFromKg(kg float64) float64 { return kg / kgPerPound }

// CelsiusFromFahrenheit converts °F to °C.
func CelsiusFromFahrenheit(f float64) float64 { return Round((f-32)*5/9, celsiusDecimals) }

// FahrenheitFromCelsius converts °C to °F.
func FahrenheitFromCelsius(c float64) float64 { return c*9/5 + 32 }

// MilesFromMetres converts metres to miles.
func MilesFromMetres(m float64) float64 { return m / metresPerMi }

// ErrUnknownUnit is returned for a unit a conversion does not know.
var ErrUnknownUnit = errors.New("unknown unit")

// normUnit folds the spellings feeds use for the same unit.
func normUnit(u string) string {
	u = strings.TrimSpace(strings.ToLower(u))
	u = strings.Trim(u, "[]")
	return u
}

// ToKilograms converts a mass in the given unit (UCUM codes "kg", "g",
// "[lb_av]", and the spellings "lb", "lbs", "pounds") to kilograms.
func ToKilograms(x float64, unit string) (float64, error) {
	switch normUnit(unit) {
	case "kg", "kilogram", "kilograms", "kgs":
		return x, nil
	case "g", "gram", "grams":
		return Round(x/1000, kgDecimals), nil
	case "lb_av", "lb", "lbs", "pound", "pounds":
		return KgFromLb(x), nil
	}
	return 0, fmt.Errorf("%w %q for a mass (want kg, g or lb)", ErrUnknownUnit, unit)
}

// ToCelsius converts a temperature ("Cel", "°C", "C", "[degF]", "°F", "F")
// to degrees Celsius.
func ToCelsius(x float64, unit string) (float64, error) {
	switch normUnit(unit) {
	case "cel", "°c", "c", "degc", "celsius", "℃":
		return x, nil
	case "degf", "°f", "f", "fahrenheit", "℉":
		return CelsiusFromFahrenheit(x), nil
	}
	return 0, fmt.Errorf("%w %q for a temperature (want Cel or [degF])", ErrUnknownUnit, unit)
}

// ToMetres converts a distance ("m", "km", "mi", "[mi_i]", "miles", "ft")
// to metres.
func ToMetres(x float64, unit string) (float64, error) {
	switch normUnit(unit) {
	case "m", "metre", "metres", "meter", "meters":
		return x, nil
	case "km", "kilometre", "kilometres", "kilometer", "kilometers":
		return Round(x*1000, metreDecimals), nil
	case "mi", "mi_i", "mile", "miles":
		return Round(x*metresPerMi, metreDecimals), nil
	case "ft", "ft_i", "feet":
		return Round(x*0.3048, metreDecimals), nil
	}
	return 0, fmt.Errorf("%w %q for a distance (want m, km or mi)", ErrUnknownUnit, unit)
}

// WeightUnit is how a person wants masses shown.
type WeightUnit string

// TemperatureUnit is how a person wants temperatures shown.
type TemperatureUnit string

// DistanceUnit is how a person wants distances shown.
type DistanceUnit string

const (
	Kilograms  WeightUnit      = "kg"
	Pounds     WeightUnit      = "lb"
	Celsius    TemperatureUnit = "C"
	Fahrenheit TemperatureUnit = "F"
	Kilometres DistanceUnit    = "km"
	Miles      DistanceUnit    = "mi"
)

// Units are a person's display preferences. Storage is always canonical.
type Units struct {
	Weight      WeightUnit
	Temperature TemperatureUnit
	Distance    DistanceUnit
}

// MetricUnits is the default.
func MetricUnits() Units { return Units{Kilograms, Celsius, Kilometres} }

// ParseUnits reads the three preferences, naming the one that is wrong.
func ParseUnits(weight, temperature, distance string) (Units, error) {
	u := MetricUnits()
	switch strings.ToLower(weight) {
	case "", "kg":
	case "lb", "lbs":
		u.Weight = Pounds
	default:
		return u, fmt.Errorf("weight unit %q: want kg or lb", weight)
	}
	switch strings.ToUpper(strings.TrimPrefix(temperature, "°")) {
	case "", "C":
	case "F":
		u.Temperature = Fahrenheit
	default:
		return u, fmt.Errorf("temperature unit %q: want C or F", temperature)
	}
	switch strings.ToLower(distance) {
	case "", "km":
	case "mi":
		u.Distance = Miles
	default:
		return u, fmt.Errorf("distance unit %q: want km or mi", distance)
	}
	return u, nil
}

// Mass converts kilograms for display and returns the unit's symbol.
func (u Units) Mass(kg Value) (Value, string) {
	if u.Weight == Pounds {
		return kg.Map(LbFromKg), "lb"
	}
	return kg, "kg"
}

// Temp converts degrees Celsius for display and returns the unit's symbol.
func (u Units) Temp(c Value) (Value, string) {
	if u.Temperature == Fahrenheit {
		return c.Map(FahrenheitFromCelsius), "°F"
	}
	return c, "°C"
}

// Dist converts metres for display (kilometres or miles).
func (u Units) Dist(m Value) (Value, string) {
	if u.Distance == Miles {
		return m.Map(MilesFromMetres), "mi"
	}
	return m.Map(func(x float64) float64 { return x / 1000 }), "km"
}
