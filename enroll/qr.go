package enroll

import (
	"fmt"
	"strings"

	"rsc.io/qr"
)

// QR draws text as a QR code in text: two modules a line with the half
// blocks ▀ ▄ █, a dark module drawn and a light one left blank, inside a
// quiet zone of two modules. It reads as drawn on a light background
// (paper, a light terminal, or lines given a white background and black
// text, as the command line and the dashboard do).
func QR(text string) (string, error) {
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		return "", fmt.Errorf("enroll: draw the QR code: %w", err)
	}
	const quiet = 2
	dark := func(x, y int) bool {
		x, y = x-quiet, y-quiet
		return x >= 0 && y >= 0 && x < c.Size && y < c.Size && c.Black(x, y)
	}
	n := c.Size + 2*quiet
	var b strings.Builder
	for y := 0; y < n; y += 2 {
		for x := 0; x < n; x++ {
			top, bottom := dark(x, y), dark(x, y+1)
			switch {
			case top && bottom:
				b.WriteRune('█')
			case top:
				b.WriteRune('▀')
			case bottom:
				b.WriteRune('▄')
			default:
				b.WriteRune(' ')
			}
		}
		b.WriteByte('\n')
	}
	return b.String(), nil
}
