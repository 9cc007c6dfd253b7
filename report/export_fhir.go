package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"vitals/fhir"
	"vitals/health"
)

// FHIROptions change how WriteFHIR writes.
type FHIROptions struct {
	fhir.ExportOptions
	// Progress, when set, is called after entries are written, with how
	// many readings so far.
	Progress func(readings int)
}

// WriteFHIR writes readings as a FHIR R4 collection Bundle in JSON: LOINC
// codes and UCUM units, each reading's own UTC offset, and ids derived
// from the reading's account and provider id, so that exporting the same
// readings twice gives the same bytes and `vitals import` reads the file
// back to the same readings. See fhir.NewBundle for the mapping.
//
// The bundle is written an entry at a time, in the bytes fhir.EncodeBundle
// gives, except that characters a terminal or an editor would act on or
// show other than they are (C1 controls, DEL, bidirectional and other
// format characters) are written as JSON escapes (\u202e): the same text
// to a JSON reader, inert on a screen.
func WriteFHIR(w io.Writer, b health.Batch, opt FHIROptions) error {
	bundle, err := fhir.NewBundle(b, opt.ExportOptions)
	if err != nil {
		return fmt.Errorf("report: FHIR export: %w", err)
	}
	entries := bundle.Entry
	bundle.Entry = nil
	head, err := json.MarshalIndent(bundle, "", "  ")
	if err != nil {
		return fmt.Errorf("report: FHIR export: %w", err)
	}
	bw := bufio.NewWriter(w)
	if len(entries) == 0 {
		bw.Write(head)
		bw.WriteByte('\n')
		return flush(bw)
	}
	// The bundle without entries ends "\n}": they go before it.
	bw.Write(head[:len(head)-2])
	bw.WriteString(",\n  \"entry\": [\n")
	for i, e := range entries {
		out, err := json.MarshalIndent(e, "    ", "  ")
		if err != nil {
			return fmt.Errorf("report: FHIR export: %w", err)
		}
		if i > 0 {
			bw.WriteString(",\n")
		}
		bw.WriteString("    ")
		bw.Write(escapeUnsafe(out))
		if opt.Progress != nil && i > 0 && i%progressRows == 0 {
			if err := flush(bw); err != nil {
				return err
			}
			opt.Progress(i) // the Patient entry is not a reading
		}
	}
	bw.WriteString("\n  ]\n}\n")
	return flush(bw)
}

func flush(bw *bufio.Writer) error {
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: write FHIR bundle: %w", err)
	}
	return nil
}

// escapeUnsafe writes, in JSON that encoding/json made, the characters it
// leaves as they are but a screen would act on (DEL, C1 controls, format
// characters such as U+202E) as \u escapes. They occur only inside
// strings, where an escape reads back as the same character.
func escapeUnsafe(js []byte) []byte {
	if !bytes.ContainsFunc(js, unsafeInJSON) {
		return js
	}
	var out bytes.Buffer
	out.Grow(len(js) + 16)
	for len(js) > 0 {
		r, size := utf8.DecodeRune(js)
		if !unsafeInJSON(r) {
			out.Write(js[:size])
		} else if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			fmt.Fprintf(&out, `\u%04x\u%04x`, r1, r2)
		} else {
			fmt.Fprintf(&out, `\u%04x`, r)
		}
		js = js[size:]
	}
	return out.Bytes()
}

func unsafeInJSON(r rune) bool {
	return r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r)
}
