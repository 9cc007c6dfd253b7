package fhir

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"vitals/fhir/fhirtest"
	"vitals/health"
)

// pages is a Sink that keeps what it is given.
type pages struct {
	sizes  []int
	batch  health.Batch
	resets int
	err    error // returned by Page
}

func (p *pages) Page(b health.Batch) error {
	if p.err != nil {
		return p.err
	}
	p.sizes = append(p.sizes, b.Len())
	p.batch.Append(b)
	return nil
}

func (p *pages) Reset() error {
	p.resets++
	p.sizes, p.batch = nil, health.Batch{}
	return nil
}

func readPages(t *testing.T, doc string, opt StreamOptions) (*pages, *Document, error) {
	t.Helper()
	p := &pages{}
	d, err := ReadPages(context.Background(), strings.NewReader(doc), opt, p)
	return p, d, err
}

// TestReadPagesMapsAsWhole: every public Synthea bundle read as a stream,
// in pages of every size, gives the readings and ignored counts of the
// bundle mapped whole, in the same order.
func TestReadPagesMapsAsWhole(t *testing.T) {
	t.Parallel()
	opt := Options{Origin: "f.json", IDScope: "sha256:f", Strict: true}
	for _, path := range fhirtest.SyntheaFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		whole, ignored, err := MapResource(data, opt)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		for _, size := range []int{1, 7, 0} {
			p, doc, err := readPages(t, string(data), StreamOptions{Options: opt, PageSize: size})
			if err != nil {
				t.Fatalf("%s in pages of %d: %v", filepath.Base(path), size, err)
			}
			if !reflect.DeepEqual(p.batch, whole) {
				t.Errorf("%s in pages of %d: %v readings, whole %v", filepath.Base(path), size, p.batch.Counts(), whole.Counts())
			}
			if !reflect.DeepEqual(doc.Ignored, ignored) {
				t.Errorf("%s in pages of %d: ignored %v, whole %v", filepath.Base(path), size, doc.Ignored, ignored)
			}
			if size == 1 && len(p.sizes) < whole.Len()/2 {
				t.Errorf("%s in pages of 1: %d pages for %d readings", filepath.Base(path), len(p.sizes), whole.Len())
			}
			if doc.ResourceType != "Bundle" || doc.Entries == 0 {
				t.Errorf("%s: document %+v", filepath.Base(path), doc)
			}
		}
	}
}

// TestReadPagesHoldsBack: a rhythm Observation and the parts of a scale
// reading find their reading across a page's end, when they are within
// holdBack entries of it.
func TestReadPagesHoldsBack(t *testing.T) {
	t.Parallel()
	bp := `{"resourceType":"Observation","id":"bp","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"effectiveDateTime":"2024-03-01T08:00:00Z",
		"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":128,"unit":"mm[Hg]"}},
		{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":82,"unit":"mm[Hg]"}}]}`
	rhythm := `{"resourceType":"Observation","id":"r","code":{"coding":[{"system":"http://loinc.org","code":"8884-9"}]},"effectiveDateTime":"2024-03-01T08:00:30Z",
		"valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"361137007"}]}}`
	weight := `{"resourceType":"Observation","id":"w","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"effectiveDateTime":"2024-03-01T09:00:00Z","valueQuantity":{"value":80,"unit":"kg"}}`
	bmi := `{"resourceType":"Observation","id":"b","code":{"coding":[{"system":"http://loinc.org","code":"39156-5"}]},"effectiveDateTime":"2024-03-01T09:00:00Z","valueQuantity":{"value":25,"unit":"kg/m2"}}`
	pad := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, hr(fmt.Sprint("h", i), fmt.Sprintf("2024-03-02T08:%02d:00Z", i%60), ""))
		}
		return out
	}
	for _, tt := range []struct {
		name      string
		resources []string
		ihb       bool // the reading is flagged
		weights   int
	}{
		{"rhythm after its reading", append([]string{bp}, append(pad(10), rhythm)...), true, 0},
		{"rhythm before its reading", append([]string{rhythm}, append(pad(10), bp)...), true, 0},
		{"rhythm too far after", append([]string{bp}, append(pad(holdBack+5), rhythm)...), false, 0},
		{"BMI after its weight", append([]string{weight}, append(pad(10), bmi)...), false, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, doc, err := readPages(t, bundleOf("", tt.resources...), StreamOptions{PageSize: 1})
			if err != nil {
				t.Fatal(err)
			}
			if tt.weights > 0 {
				if len(p.batch.Weight) != tt.weights || !p.batch.Weight[0].BMI.Valid() {
					t.Errorf("weights %+v, want one with its BMI", p.batch.Weight)
				}
				return
			}
			if len(p.batch.BloodPressure) != 1 || p.batch.BloodPressure[0].IrregularHeartbeat != tt.ihb {
				t.Fatalf("blood pressures %+v, want one, irregular %v", p.batch.BloodPressure, tt.ihb)
			}
			skipped := 0
			for k, n := range doc.Ignored {
				if strings.Contains(k, "no blood-pressure reading within a minute") {
					skipped += n
				}
			}
			if want := map[bool]int{true: 0, false: 1}[tt.ihb]; skipped != want {
				t.Errorf("rhythms skipped %d, want %d (%v)", skipped, want, doc.Ignored)
			}
		})
	}
}

// TestReadPagesLateHead: a Bundle whose meta.source follows its entries
// is read again knowing it: its readings have its source, and the pages
// given before are taken back.
func TestReadPagesLateHead(t *testing.T) {
	t.Parallel()
	doc := `{"resourceType":"Bundle","entry":[{"resource":` + hr("1", "2024-01-01T08:00:00Z", "") + `}],"meta":{"source":"Clinic%20A"}}`
	p, _, err := readPages(t, doc, StreamOptions{Options: Options{Origin: "f.json", IDScope: "sha256:f"}, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if p.resets != 1 || len(p.batch.HeartRate) != 1 {
		t.Fatalf("resets %d, readings %v", p.resets, p.batch.Counts())
	}
	if r := p.batch.HeartRate[0]; r.Origin != "Clinic A" || r.IDScope != "source:Clinic A" {
		t.Errorf("origin %q, scope %q; want the bundle's source", r.Origin, r.IDScope)
	}
	whole, _, _ := MapResource([]byte(doc), Options{Origin: "f.json", IDScope: "sha256:f"})
	if !reflect.DeepEqual(p.batch, whole) {
		t.Errorf("streamed %+v, whole %+v", p.batch, whole)
	}
}

// TestReadPagesErrors: what MapResource refuses, ReadPages refuses with
// the same error; besides, entries and lone resources larger than the
// limit are refused by entry, and a cancelled context stops it.
func TestReadPagesErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []string{
		"{\"resourceType\":\"Bundle\",\n\"entry\":[\n {\"resource\": {,}}]}",
		"{\"resourceType\":\"Bundle\",\n\"entry\":[",
		`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}},{"resource":{"resourceType":"Observation","id":"x","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":"2021-13-45T00:00:00Z","valueQuantity":{"value":60}}}]}`,
		`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation","id":"y","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":"2021-01-01T00:00:00Z","valueQuantity":{"value":"sixty"}}}]}`,
		`{"resourceType":"Bundle","entry":[{"resource":{"id":"z"}}]}`,
		`{"hello":"world"}`,
		`{"resourceType":"Observation","id":"o","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":"soon"}`,
		`{"resourceType":"Bundle"} {}`,
		"{\"resourceType\":\"Bundle\",\n \"entry\":{}}",
	} {
		_, _, want := MapResource([]byte(tt), Options{})
		_, _, got := readPages(t, tt, StreamOptions{})
		if want == nil || got == nil || got.Error() != want.Error() || reflect.TypeOf(got) != reflect.TypeOf(want) {
			t.Errorf("%s:\n streamed %v (%T)\n whole    %v (%T)", tt, got, got, want, want)
		}
	}

	big := bundleOf("", hr("1", "2024-01-01T08:00:00Z", ""), `{"resourceType":"Basic","text":"`+strings.Repeat("x", 2<<10)+`"}`)
	_, _, err := readPages(t, big, StreamOptions{MaxValue: 1 << 10})
	var ee *EntryError
	if !errors.As(err, &ee) || ee.Path != "entry[1]" || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("an entry over the limit: %v", err)
	}
	_, _, err = readPages(t, hr("1", "2024-01-01T08:00:00Z", "")[:60]+strings.Repeat(" ", 2<<10)+"}", StreamOptions{MaxValue: 1 << 10})
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a lone resource over the limit: %v", err)
	}
	_, _, err = readPages(t, `{"resourceType":"Bundle","signature":"`+strings.Repeat("x", 2<<10)+`","entry":[]}`, StreamOptions{MaxValue: 1 << 10})
	var de *DecodeError
	if !errors.As(err, &de) || de.Line != 1 || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a Bundle element over the limit: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = ReadPages(ctx, strings.NewReader(bundleOf("", hr("1", "2024-01-01T08:00:00Z", ""))), StreamOptions{}, &pages{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	sinkErr := errors.New("disk full")
	_, err = ReadPages(context.Background(), strings.NewReader(bundleOf("", hr("1", "2024-01-01T08:00:00Z", ""))), StreamOptions{}, &pages{err: sinkErr})
	if !errors.Is(err, sinkErr) {
		t.Errorf("the sink's error: %v", err)
	}
}

// TestReadPagesResourceTypeLast: a resource whose resourceType comes
// after its other elements is read as what it is.
func TestReadPagesResourceTypeLast(t *testing.T) {
	t.Parallel()
	obs := `{"id":"1","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectiveDateTime":"2024-01-01T08:00:00Z","valueQuantity":{"value":61,"unit":"/min"},"resourceType":"Observation"}`
	p, doc, err := readPages(t, obs, StreamOptions{})
	if err != nil || doc.ResourceType != "Observation" || len(p.batch.HeartRate) != 1 {
		t.Fatalf("%+v, %v, %v", doc, p.batch.Counts(), err)
	}
	bundle := `{"type":"collection","entry":[{"resource":` + hr("1", "2024-01-01T08:00:00Z", "") + `}],"resourceType":"Bundle"}`
	p, doc, err = readPages(t, bundle, StreamOptions{})
	if err != nil || doc.ResourceType != "Bundle" || doc.BundleType != "collection" || len(p.batch.HeartRate) != 1 {
		t.Fatalf("%+v, %v, %v", doc, p.batch.Counts(), err)
	}
}

// TestStrictRefusesImplausible: a file's reading whose value no device
// records, or whose time is implausible, is an error naming the entry
// and the element the value is in; a feed skips the blood pressures,
// temperatures and SpO2 it refuses and keeps the rest as before.
func TestStrictRefusesImplausible(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	obs := func(code, value, more string) string {
		return `{"resourceType":"Observation","id":"x","code":{"coding":[{"system":"http://loinc.org","code":"` + code +
			`"}]},"effectiveDateTime":"2025-01-01T08:00:00Z"` + value + more + `}`
	}
	q := func(v float64, unit string) string {
		return fmt.Sprintf(`,"valueQuantity":{"value":%v,"unit":%q}`, v, unit)
	}
	comp := func(code string, v float64, unit string) string {
		return fmt.Sprintf(`{"code":{"coding":[{"system":"http://loinc.org","code":%q}]},"valueQuantity":{"value":%v,"unit":%q}}`, code, v, unit)
	}
	bp := func(sys, dia, pulse float64) string {
		return obs("85354-9", "", `,"component":[`+comp("8480-6", sys, "mm[Hg]")+","+comp("8462-4", dia, "mm[Hg]")+","+comp("8867-4", pulse, "/min")+`]`)
	}
	tests := []struct {
		name, json, field, text string
		feedKeeps               bool // a feed (not strict) keeps the reading
	}{
		{"systolic", bp(1200, 80, 60), "component[0]", "systolic 1200 mmHg is out of range", false},
		{"diastolic", bp(120, 250, 60), "component[1]", "diastolic 250 mmHg", false},
		{"pulse", bp(120, 80, 400), "component[2]", "pulse 400 bpm", false},
		{"weight", obs("29463-7", q(900, "kg"), ""), "valueQuantity", "weight 900 kg", true},
		{"BMI", obs("39156-5", q(350, "kg/m2"), ""), "valueQuantity", "BMI 350", true},
		{"BMI as a component", obs("29463-7", q(80, "kg"), `,"component":[`+comp("39156-5", 2, "kg/m2")+`]`), "component[0]", "BMI 2 kg/m²", true},
		{"body fat", obs("41982-0", q(95, "%"), ""), "valueQuantity", "body fat 95", true},
		{"steps", obs("41950-7", q(400000, "/d"), ""), "valueQuantity", "steps 400000", true},
		{"steps as an integer", obs("41950-7", `,"valueInteger":400000`, ""), "valueInteger", "steps 400000", true},
		{"calories", obs("41981-2", q(50000, "kcal"), ""), "valueQuantity", "calories 50000", true},
		{"temperature", obs("8310-5", q(98.6, "Cel"), ""), "valueQuantity", "temperature 98.6 °C", false},
		{"SpO2", obs("59408-5", q(0.97*1000, "%"), ""), "valueQuantity", "SpO2 970 %", false},
		{"SpO2's pulse", obs("59408-5", q(97, "%"), `,"component":[`+comp("8867-4", 900, "/min")+`]`), "component[0]", "pulse 900 bpm", false},
		{"heart rate", obs("8867-4", q(900, "/min"), ""), "valueQuantity", "heart rate 900 bpm", true},
		{"year 1", strings.Replace(obs("8867-4", q(60, "/min"), ""), "2025-01-01T08:00:00Z", "0001-01-01T00:00:00Z", 1), "effectiveDateTime", "implausible date 0001-01-01", true},
		{"next year", strings.Replace(obs("8867-4", q(60, "/min"), ""), "2025-01-01T08:00:00Z", "2027-01-01T00:00:00Z", 1), "effectiveDateTime", "in the future", true},
		{"condition in 1800", `{"resourceType":"Condition","id":"c","code":{"coding":[{"system":"http://snomed.info/sct","code":"49436004"}]},"onsetDateTime":"1800-01-01"}`, "onsetDateTime", "implausible date", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := bundleOf("", `{"resourceType":"Patient"}`, tt.json)
			_, _, err := MapResource([]byte(doc), Options{Strict: true, Now: now})
			var ee *EntryError
			if !errors.As(err, &ee) || ee.Path != "entry[1]" || ee.Field != tt.field || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("strict: error %v, want entry[1], field %s, saying %q", err, tt.field, tt.text)
			}
			b, ignored, err := MapResource([]byte(doc), Options{Now: now})
			if err != nil || (b.Len() == 1) != tt.feedKeeps {
				t.Errorf("feed: %v readings, ignored %v, %v; want kept %v", b.Counts(), ignored, err, tt.feedKeeps)
			}
		})
	}
}

// TestIgnoredCountsAreBounded: a file of many codes, with long displays,
// keeps at most maxIgnoredKeys descriptions of at most maxKeyText bytes.
func TestIgnoredCountsAreBounded(t *testing.T) {
	t.Parallel()
	var res []string
	for i := range 2 * maxIgnoredKeys {
		res = append(res, fmt.Sprintf(`{"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"%d-0","display":"%s"}]}}`, i, strings.Repeat("d", 1000)))
	}
	p, doc, err := readPages(t, bundleOf("", res...), StreamOptions{})
	if err != nil || p.batch.Len() != 0 {
		t.Fatal(err)
	}
	total := 0
	for k, n := range doc.Ignored {
		total += n
		if len(k) > maxKeyText+len("…") {
			t.Errorf("a key of %d bytes", len(k))
		}
	}
	if len(doc.Ignored) != maxIgnoredKeys || total != 2*maxIgnoredKeys || doc.Ignored[OtherIgnored] != maxIgnoredKeys+1 {
		t.Errorf("%d keys counting %d, %d other; want %d keys counting all %d", len(doc.Ignored), total, doc.Ignored[OtherIgnored], maxIgnoredKeys, 2*maxIgnoredKeys)
	}
}

// benchBundle is a bundle of 10,000 heart-rate Observations.
func benchBundle() []byte {
	var res []string
	for i := range 10000 {
		res = append(res, hr(fmt.Sprint(i), "2024-01-01T08:00:00Z", ""))
	}
	return []byte(bundleOf("", res...))
}

// BenchmarkReadPages reads a bundle of 10,000 readings as a stream; compare
// with BenchmarkMapResourceWhole, the same bundle held and mapped whole.
func BenchmarkReadPages(b *testing.B) {
	doc := benchBundle()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := ReadPages(context.Background(), bytes.NewReader(doc), StreamOptions{}, discard{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMapResourceWhole(b *testing.B) {
	doc := benchBundle()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, _, err := MapResource(doc, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// discard is a Sink that keeps nothing.
type discard struct{}

func (discard) Page(health.Batch) error { return nil }
func (discard) Reset() error            { return nil }
