package report

import (
	"bytes"
	"testing"

	"vitals/health"
)

func TestWriteRPM(t *testing.T) {
	nov1, nov30 := health.Date{Year: 2026, Month: 11, Day: 1}, health.Date{Year: 2026, Month: 11, Day: 30}
	rows := []RPMRow{
		{Profile: "p-1042", From: nov1, To: nov30, Days: 16, Band: health.BandOf(16), Readings: 40, Sources: []string{"Omron (ann)", "File imports"}},
		{Profile: "=HYPERLINK(\"x\")", From: nov1, To: nov30, Days: 1, Band: health.BandOf(1), Readings: 1, Sources: []string{"@evil\x1b[2J"}},
		{Profile: "p-0", From: nov1, To: nov30},
	}
	var b bytes.Buffer
	if err := WriteRPM(&b, rows, false); err != nil {
		t.Fatal(err)
	}
	want := "profile,period_start,period_end,days,band,readings,sources\n" +
		"p-1042,2026-11-01,2026-11-30,16,16–30,40,Omron (ann); File imports\n" +
		"\"'=HYPERLINK(\"\"x\"\")\",2026-11-01,2026-11-30,1,0–1,1,'@evil\\x1b[2J\n" +
		"p-0,2026-11-01,2026-11-30,0,0–1,0,\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
