package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"vitals/health"
	"vitals/store"
)

// entryFlags are the flags every vitals add subcommand takes.
type entryFlags struct {
	at, tz, note string
}

func (f *entryFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.at, "at", "", `when it was measured: RFC 3339 (2026-10-07T08:15:00-05:00) or "2026-10-07 08:15" in --tz (default: now)`)
	cmd.Flags().StringVar(&f.tz, "tz", "", "time zone of --at without an offset, IANA name such as America/New_York (default: the local zone)")
	cmd.Flags().StringVar(&f.note, "note", "", "a note kept with the reading")
}

// when resolves --at and --tz into an instant with its wall-clock zone.
func (f *entryFlags) when(now time.Time) (time.Time, error) {
	loc := time.Local
	if f.tz != "" {
		l, err := time.LoadLocation(f.tz)
		if err != nil {
			return time.Time{}, fmt.Errorf("--tz %q is not a time zone: use an IANA name such as America/New_York or Europe/Berlin", f.tz)
		}
		loc = l
	}
	if f.at == "" {
		return now.In(loc).Truncate(time.Second), nil
	}
	t, err := time.Parse(time.RFC3339, f.at)
	if err != nil {
		for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05"} {
			var wall time.Time
			if wall, err = time.Parse(layout, f.at); err == nil {
				t = health.AtWallClock(wall, loc) // a time in the hour clocks skip lands after it
				break
			}
		}
	}
	if err != nil {
		return time.Time{}, fmt.Errorf(`--at %q: want RFC 3339 (2026-10-07T08:15:00-05:00) or "2026-10-07 08:15"`, f.at)
	}
	// A small allowance for a clock a little ahead of this computer's.
	if t.After(now.Add(time.Minute)) {
		return time.Time{}, fmt.Errorf("--at %s is in the future", t.Format("2006-01-02 15:04 -07:00"))
	}
	if err := health.CheckTime(t, now); err != nil {
		return time.Time{}, fmt.Errorf("--at: %w", err)
	}
	return t.Truncate(time.Second), nil
}

// meta is the Meta of a reading typed in at t.
func (f *entryFlags) meta(t time.Time, setting health.Setting, raw any) (health.Meta, error) {
	payload, err := json.Marshal(raw)
	if err != nil {
		return health.Meta{}, fmt.Errorf("record the entry: %w", err)
	}
	return health.Meta{
		ProviderID: "manual-" + uuid.NewString(),
		Time:       t.UTC(),
		Offset:     health.OffsetOf(t),
		Origin:     health.OriginManual,
		Setting:    setting,
		Manual:     true,
		Raw:        payload,
	}, nil
}

func newAddCmd(a *invocation) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add a reading by hand: blood pressure or weight",
		Long: `Add a reading measured without a connected device, or taken in a clinic.
Readings added by hand are marked as such in every screen, report and export,
and go to the "Entered by hand" account of the profile --profile names.`,
		Example: `  vitals add bp 142/91 --pulse 72
  vitals add bp 148/94 --office --at "2026-10-07 10:30"
  vitals add weight 72.4
  vitals --profile p-1042 add weight 160 --unit lb --at 2026-10-07T07:45:00-05:00`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newAddBPCmd(a), newAddWeightCmd(a))
	return cmd
}

// bpEntry is the raw payload kept with a blood pressure typed in.
type bpEntry struct {
	Entered   string   `json:"entered"`
	Systolic  float64  `json:"systolic"`
	Diastolic float64  `json:"diastolic"`
	Pulse     *float64 `json:"pulse,omitempty"`
	Setting   string   `json:"setting"`
	At        string   `json:"at"`
	AFib      bool     `json:"possible_afib,omitempty"`
	Irregular bool     `json:"irregular_heartbeat,omitempty"`
	Note      string   `json:"note,omitempty"`
}

func newAddBPCmd(a *invocation) *cobra.Command {
	var (
		ef                      entryFlags
		pulse                   int
		office, afib, irregular bool
	)
	cmd := &cobra.Command{
		Use:     "bp SYSTOLIC/DIASTOLIC",
		Aliases: []string{"bloodpressure"},
		Short:   "Add a blood pressure",
		Long: `Add a blood pressure, SYSTOLIC/DIASTOLIC in mmHg: systolic 50–300,
diastolic 30–200, systolic above diastolic; --pulse 20–250 beats per minute.

Home readings are averaged by the home monitoring protocol. --office marks a
reading taken in a clinic: it is kept apart from home readings and compared
with them (masked and white-coat hypertension). --afib and --irregular record
the monitor's rhythm flags: screening flags, not a diagnosis.`,
		Example: `  vitals add bp 142/91 --pulse 72
  vitals add bp 148/94 --office --at "2026-10-07 10:30" --tz America/Chicago
  vitals add bp 131/84 --irregular --note "after coffee"`,
		Args: argsOrUsage(1, "give the blood pressure as SYSTOLIC/DIASTOLIC, e.g. vitals add bp 142/91"),
		RunE: func(cmd *cobra.Command, args []string) error {
			sys, dia, err := parseBP(args[0])
			if err != nil {
				return err
			}
			p := health.Missing
			if cmd.Flags().Changed("pulse") {
				p = health.Of(float64(pulse))
			}
			if err := health.CheckBloodPressure(sys, dia, p); err != nil {
				return fmt.Errorf("blood pressure %s: %w", args[0], err)
			}
			at, err := ef.when(time.Now())
			if err != nil {
				return err
			}
			setting := health.SettingHome
			if office {
				setting = health.SettingOffice
			}
			entry := bpEntry{Entered: "bp", Systolic: sys, Diastolic: dia, Setting: string(setting),
				At: at.Format(time.RFC3339), AFib: afib, Irregular: irregular, Note: ef.note}
			if x, ok := p.Get(); ok {
				entry.Pulse = &x
			}
			meta, err := ef.meta(at, setting, entry)
			if err != nil {
				return err
			}
			bp := health.BloodPressure{Meta: meta, Systolic: health.Of(sys), Diastolic: health.Of(dia), Pulse: p,
				PossibleAFib: afib, IrregularHeartbeat: irregular}
			name, err := a.addManual(cmd, health.Batch{BloodPressure: []health.BloodPressure{bp}})
			if err != nil {
				return err
			}
			rb := a.Config.Rulebook()
			c := health.ClassifyIn(rb, setting, sys, dia)
			what := manualBPText(sys, dia) + " mmHg"
			if p.Valid() {
				what += ", pulse " + p.String()
			}
			fmt.Fprintf(a.stdout, "Added %s (%s) at %s to profile %s: %s.\n",
				what, setting, at.Format("2006-01-02 15:04 -07:00"), name, c)
			if health.Severe(sys, dia) {
				fmt.Fprintln(a.stdout, "Warning: above 180/120 mmHg. "+health.SevereAttention+" "+health.SevereAdvice)
			}
			if afib || irregular {
				fmt.Fprintln(a.stdout, "Rhythm flag recorded. "+health.FlagCaveat)
			}
			return nil
		},
	}
	ef.register(cmd)
	cmd.Flags().IntVar(&pulse, "pulse", 0, "pulse, beats per minute")
	cmd.Flags().BoolVar(&office, "office", false, "taken in a clinic (kept apart from home readings)")
	cmd.Flags().BoolVar(&afib, "afib", false, "the monitor flagged possible atrial fibrillation")
	cmd.Flags().BoolVar(&irregular, "irregular", false, "the monitor flagged an irregular heartbeat")
	return cmd
}

// parseBP reads "142/91".
func parseBP(s string) (sys, dia float64, err error) {
	a, b, ok := strings.Cut(s, "/")
	if ok {
		sys, err = strconv.ParseFloat(strings.TrimSpace(a), 64)
		if err == nil {
			dia, err = strconv.ParseFloat(strings.TrimSpace(b), 64)
		}
	}
	if !ok || err != nil || !finite(sys) || !finite(dia) {
		return 0, 0, fmt.Errorf("blood pressure %q: want SYSTOLIC/DIASTOLIC in mmHg, e.g. 142/91", s)
	}
	return sys, dia, nil
}

// finite reports whether x is a number: strconv.ParseFloat accepts "NaN"
// and "Inf", which no one weighs or measures.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func manualBPText(sys, dia float64) string {
	return health.Of(sys).String() + "/" + health.Of(dia).String()
}

// weightEntry is the raw payload kept with a weight typed in.
type weightEntry struct {
	Entered string  `json:"entered"`
	Value   float64 `json:"value"`
	Unit    string  `json:"unit"`
	At      string  `json:"at"`
	Note    string  `json:"note,omitempty"`
}

func newAddWeightCmd(a *invocation) *cobra.Command {
	var (
		ef   entryFlags
		unit string
	)
	cmd := &cobra.Command{
		Use:   "weight WEIGHT",
		Short: "Add a body weight",
		Long: `Add a body weight in kilograms or pounds (--unit, or a suffix such as 72.4kg
or 160lb; default: display.weight in the config). The weight must be 2–500 kg
(4.4–1102.3 lb). It is stored in kilograms.`,
		Example: `  vitals add weight 72.4
  vitals add weight 160 --unit lb
  vitals add weight 159.6lb --at "2026-10-07 07:45"`,
		Args: argsOrUsage(1, "give the weight, e.g. vitals add weight 72.4"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if unit == "" {
				unit = a.Config.Display.Weight
			}
			x, u, err := parseWeight(args[0], unit)
			if err != nil {
				return err
			}
			kg, err := health.ToKilograms(x, u)
			if err != nil {
				return fmt.Errorf("--unit %q: want kg or lb", u)
			}
			if err := health.CheckWeight(kg); err != nil {
				var re *health.RangeError
				if errors.As(err, &re) && u != "kg" {
					return fmt.Errorf("weight %s %s is out of range: want %.1f–%.1f lb (%g–%g kg)",
						health.Of(x), u, health.LbFromKg(re.Min), health.LbFromKg(re.Max), re.Min, re.Max)
				}
				return err
			}
			at, err := ef.when(time.Now())
			if err != nil {
				return err
			}
			meta, err := ef.meta(at, health.SettingHome, weightEntry{Entered: "weight", Value: x, Unit: u, At: at.Format(time.RFC3339), Note: ef.note})
			if err != nil {
				return err
			}
			name, err := a.addManual(cmd, health.Batch{Weight: []health.Weight{{Meta: meta, Weight: health.Of(kg)}}})
			if err != nil {
				return err
			}
			shown := health.Of(kg).Format(1) + " kg"
			if u != "kg" {
				shown = health.Of(x).String() + " " + u + " (" + shown + ")"
			}
			fmt.Fprintf(a.stdout, "Added weight %s at %s to profile %s.\n", shown, at.Format("2006-01-02 15:04 -07:00"), name)
			return nil
		},
	}
	ef.register(cmd)
	cmd.Flags().StringVar(&unit, "unit", "", "kg or lb (default: display.weight in the config)")
	return cmd
}

// parseWeight reads "72.4", "72.4kg" or "160 lb"; a suffix wins over unit.
func parseWeight(s, unit string) (float64, string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, suffix := range []string{"kg", "lbs", "lb"} {
		if strings.HasSuffix(s, suffix) {
			s, unit = strings.TrimSpace(strings.TrimSuffix(s, suffix)), suffix
			break
		}
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || !finite(x) {
		return 0, "", fmt.Errorf("weight %q: want a number such as 72.4 (kg) or 160lb", s)
	}
	switch strings.ToLower(unit) {
	case "kg", "":
		return x, "kg", nil
	case "lb", "lbs":
		return x, "lb", nil
	}
	return 0, "", fmt.Errorf("--unit %q: want kg or lb", unit)
}

// addManual stores readings typed in under the profile's "Entered by hand"
// account and returns the profile's name.
func (a *invocation) addManual(cmd *cobra.Command, b health.Batch) (string, error) {
	ctx := cmd.Context()
	db, p, err := a.OpenProfile(ctx)
	if err != nil {
		return "", err
	}
	defer db.Close()
	acc, err := db.LocalAccount(ctx, p.ID, store.ProviderManual)
	if err != nil {
		return "", err
	}
	if _, err := db.Upsert(ctx, p.ID, acc.ID, b); err != nil {
		return "", err
	}
	return p.Name, nil
}
