package report

import (
	"fmt"
	"io"

	"vitals/fhir"
	"vitals/health"
)

// WriteFHIR writes readings as a FHIR R4 collection Bundle in JSON: LOINC
// codes and UCUM units, each reading's own UTC offset, and ids derived
// from the reading's account and provider id, so that exporting the same
// readings twice gives the same bytes and `vitals import` reads the file
// back to the same readings. See fhir.NewBundle for the mapping.
func WriteFHIR(w io.Writer, b health.Batch, opt fhir.ExportOptions) error {
	bundle, err := fhir.NewBundle(b, opt)
	if err != nil {
		return fmt.Errorf("report: FHIR export: %w", err)
	}
	out, err := fhir.EncodeBundle(bundle)
	if err != nil {
		return fmt.Errorf("report: FHIR export: %w", err)
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("report: write FHIR bundle: %w", err)
	}
	return nil
}
