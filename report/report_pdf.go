package report

import (
	"fmt"
	"io"
	"strings"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// PDF layout, in millimetres.
const (
	pdfMargin    = 15.0
	pdfBottom    = 18.0 // leaves room for the footer
	pdfLine      = 4.6  // body line height
	pdfBody      = 9.5  // body font size, points
	pdfSmall     = 8.0
	pdfCellPad   = 1.2
	pdfChartW    = 180.0
	pdfFontRegul = "go"
)

// PDF writes the report as a PDF, with the blood-pressure chart drawn in
// vector graphics. Text uses the Go fonts (embedded, full Unicode), so the
// file looks the same in every reader.
func (r Report) PDF(w io.Writer) error {
	v := r.view()
	size := "A4"
	if r.Paper == Letter {
		size = "Letter"
	}
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: size})
	pdf.AddUTF8FontFromBytes(pdfFontRegul, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(pdfFontRegul, "B", gobold.TTF)
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfBottom)
	pdf.SetTitle(v.Title+": "+v.Patient, true)
	pdf.SetSubject(v.Period, true)
	pdf.SetCreator("vitals", true)
	pdf.SetCreationDate(r.Made)
	pdf.SetModificationDate(r.Made)
	pdf.SetCatalogSort(true)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont(pdfFontRegul, "", 7.5)
		pdf.SetTextColor(110, 110, 110)
		pdf.CellFormat(0, 4, fmt.Sprintf("%s · %s · %s", v.Title, v.Patient, v.Period), "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 4, fmt.Sprintf("page %d of {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
	})
	p := &pdfWriter{f: pdf}
	pdf.AddPage()

	// Heading and identification.
	p.font("B", 16)
	pdf.CellFormat(0, 8, v.Title, "", 1, "L", false, 0, "")
	pdf.Ln(1)
	p.table([]float64{28, 152}, nil, [][]string{
		{"Patient", fmt.Sprintf("%s (profile %s)", v.Patient, v.Profile)},
		{"Period", v.Period},
		{"Rulebook", v.Rulebook + "; categories: home readings on its home scale (" + v.HomeScale + "), office readings by " + v.OfficeScale},
		{"Made", v.Made},
	}, tableStyle{boldFirst: true})
	pdf.Ln(2)

	for _, a := range v.Alerts {
		p.box("Warning: "+a, rgb{253, 240, 240}, colSystolic)
	}

	p.heading("Summary")
	rows := make([][]string, len(v.Summary))
	alerts := make([]bool, len(v.Summary))
	for i, it := range v.Summary {
		rows[i], alerts[i] = []string{it.Label, it.Value}, it.Alert
	}
	p.table([]float64{62, 118}, nil, rows, tableStyle{alert: alerts, boldAlert: true})

	// The chart: 180 mm wide, in proportion.
	scale := pdfChartW / chartW
	p.need(chartH*scale + 10)
	pdf.Ln(3)
	x0, y0 := pdf.GetX(), pdf.GetY()
	v.Chart.draw(pdfCanvas{f: pdf, x0: x0, y0: y0, scale: scale})
	pdf.SetXY(x0, y0+chartH*scale+1)
	p.font("", pdfSmall)
	p.paragraph("Each home reading: systolic (red) and diastolic (blue); filled circles are morning sittings (04:00–11:59), " +
		"open squares evening sittings (18:00–23:59). The dashed line is the home threshold, " +
		v.Chart.Threshold.String() + " mmHg (" + v.Rulebook + ").")

	if len(v.Weeks) > 0 {
		p.heading("Rhythm flags per week")
		wrows := make([][]string, len(v.Weeks))
		walerts := make([]bool, len(v.Weeks))
		for i, w := range v.Weeks {
			wrows[i] = []string{w.From + " to " + w.To, fmt.Sprint(w.Readings), fmt.Sprint(w.Flagged), fmt.Sprint(w.Blanked)}
			walerts[i] = w.Alert
		}
		p.table([]float64{60, 30, 30, 60}, []string{"Week", "Readings", "Flagged", "Blanked, cause not given"}, wrows,
			tableStyle{alert: walerts, align: []string{"L", "R", "R", "R"}})
	}

	p.heading("Office and home")
	p.paragraph(v.OfficeHome)
	if len(v.Office) > 0 {
		pdf.Ln(1)
		p.readings([]string{"Date", "Time", "mmHg", "Pulse", "Category (" + v.OfficeScale + ")", "Flags"},
			[]float64{22, 16, 18, 13, 40, 71}, v.Office, false)
	}

	p.heading("Sources")
	if len(v.Devices) == 0 {
		p.paragraph("No readings.")
	}
	for _, d := range v.Devices {
		p.paragraph("• " + d)
	}
	if len(v.Routes) > 0 {
		p.paragraph(v.RoutesNote)
		for _, rt := range v.Routes {
			p.paragraph("• " + rt)
		}
	}

	p.heading("About rhythm flags")
	p.box(v.AFibCaveat, rgb{246, 242, 250}, colFlag)
	if v.BlankedNote != "" {
		p.box(v.BlankedNote, rgb{246, 242, 250}, colFlag)
	}

	p.heading("Home readings")
	if v.Empty {
		p.paragraph("No home readings in this period.")
	} else {
		p.paragraph(v.TimesNote + " Morning is 04:00–11:59 and evening 18:00–23:59, by the time a sitting began.")
		pdf.Ln(1)
		p.readings([]string{"Date", "Time", "mmHg", "Pulse", "Slot", "Category (" + v.HomeScale + ")", "Flags"},
			[]float64{22, 16, 18, 13, 17, 33, 61}, v.Readings, true)
	}

	pdf.Ln(3)
	p.font("", pdfSmall)
	pdf.SetTextColor(110, 110, 110)
	p.paragraph(fmt.Sprintf("Made by vitals on %s. Home thresholds and categories follow %s; a reading above 180/120 is flagged whatever the rulebook.",
		v.Made, v.Rulebook))

	if err := pdf.Error(); err != nil {
		return fmt.Errorf("report: make PDF: %w", err)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("report: write PDF: %w", err)
	}
	return nil
}

// pdfWriter holds the few layout helpers the report needs on top of fpdf.
type pdfWriter struct{ f *fpdf.Fpdf }

func (p *pdfWriter) font(style string, size float64) {
	p.f.SetFont(pdfFontRegul, style, size)
	p.f.SetTextColor(int(colText.R), int(colText.G), int(colText.B))
}

// need starts a new page unless h millimetres are left on this one.
func (p *pdfWriter) need(h float64) {
	_, pageH := p.f.GetPageSize()
	if p.f.GetY()+h > pageH-pdfBottom {
		p.f.AddPage()
	}
}

func (p *pdfWriter) heading(s string) {
	p.need(22) // a heading never ends a page alone
	p.f.Ln(4)
	p.font("B", 12)
	p.f.CellFormat(0, 6, s, "B", 1, "L", false, 0, "")
	p.f.Ln(1.5)
	p.font("", pdfBody)
}

func (p *pdfWriter) paragraph(s string) {
	p.f.MultiCell(0, pdfLine, s, "", "L", false)
}

// box is a paragraph with a coloured rule on its left, kept on one page.
func (p *pdfWriter) box(s string, fill, rule rgb) {
	p.font("", pdfBody)
	width := pdfChartW - 4
	lines := p.f.SplitText(s, width)
	h := float64(len(lines))*pdfLine + 2*pdfCellPad
	p.need(h + 2)
	x, y := p.f.GetX(), p.f.GetY()
	p.f.SetFillColor(int(fill.R), int(fill.G), int(fill.B))
	p.f.Rect(x, y, pdfChartW, h, "F")
	p.f.SetFillColor(int(rule.R), int(rule.G), int(rule.B))
	p.f.Rect(x, y, 1.2, h, "F")
	for i, l := range lines {
		p.f.SetXY(x+3, y+pdfCellPad+float64(i)*pdfLine)
		p.f.CellFormat(width, pdfLine, l, "", 0, "L", false, 0, "")
	}
	p.f.SetXY(x, y+h+2)
}

type tableStyle struct {
	boldFirst bool     // the first column is a label
	alert     []bool   // rows to show as alerts: shaded
	boldAlert bool     // alerts in bold red too
	muted     []bool   // rows to grey out
	align     []string // per column: "L" (default) or "R"
}

// rowKind is how a table row looks.
type rowKind int

const (
	rowPlain rowKind = iota
	rowHeader
	rowAlert
	rowMuted
)

// table draws rows of wrapped cells; no row is split across pages, and a
// header (when given) is repeated at the top of each new page.
func (p *pdfWriter) table(widths []float64, header []string, rows [][]string, st tableStyle) {
	size := pdfBody
	kindOf := func(i int) rowKind {
		switch {
		case i < len(st.alert) && st.alert[i]:
			return rowAlert
		case i < len(st.muted) && st.muted[i]:
			return rowMuted
		}
		return rowPlain
	}
	if header != nil {
		size = pdfSmall
		// The header starts a page rather than stand alone at its foot.
		p.font("", size)
		first := 0.0
		if len(rows) > 0 {
			first = p.rowHeight(widths, rows[0], st, kindOf(0))
		}
		p.font("B", size)
		p.need(p.rowHeight(widths, header, st, rowHeader) + first)
		p.row(widths, header, st, rowHeader)
	}
	for i, cells := range rows {
		kind := kindOf(i)
		p.font("", size)
		_, pageH := p.f.GetPageSize()
		if p.f.GetY()+p.rowHeight(widths, cells, st, kind) > pageH-pdfBottom {
			p.f.AddPage()
			if header != nil {
				p.font("B", size)
				p.row(widths, header, st, rowHeader)
				p.font("", size)
			}
		}
		p.row(widths, cells, st, kind)
	}
}

func (p *pdfWriter) cellStyle(st tableStyle, kind rowKind, col int) string {
	if kind == rowHeader || (st.boldFirst && col == 0) || (kind == rowAlert && st.boldAlert) {
		return "B"
	}
	return ""
}

// rowHeight is the height of a row, its cells wrapped in their fonts.
func (p *pdfWriter) rowHeight(widths []float64, cells []string, st tableStyle, kind rowKind) float64 {
	n := 1
	for i, c := range cells {
		p.f.SetFontStyle(p.cellStyle(st, kind, i))
		n = max(n, len(p.f.SplitText(c, widths[i])))
	}
	return float64(n)*pdfLine*0.9 + 2*pdfCellPad
}

// row draws one table row at the current position, at the current size.
func (p *pdfWriter) row(widths []float64, cells []string, st tableStyle, kind rowKind) {
	h := p.rowHeight(widths, cells, st, kind)
	x, y := p.f.GetX(), p.f.GetY()
	total := 0.0
	for _, w := range widths {
		total += w
	}
	text := colText
	switch kind {
	case rowHeader:
		p.f.SetFillColor(240, 240, 240)
		p.f.Rect(x, y, total, h, "F")
	case rowAlert:
		p.f.SetFillColor(251, 238, 240)
		p.f.Rect(x, y, total, h, "F")
		if st.boldAlert {
			text = rgb{138, 28, 28}
		}
	case rowMuted:
		text = rgb{120, 120, 120}
	}
	p.f.SetTextColor(int(text.R), int(text.G), int(text.B))
	// Cells are placed line by line at absolute positions: a page break
	// inside the row would scatter them over pages. Callers make room.
	p.f.SetAutoPageBreak(false, pdfBottom)
	defer p.f.SetAutoPageBreak(true, pdfBottom)
	cx := x
	for i, c := range cells {
		align := "L"
		if i < len(st.align) && st.align[i] != "" {
			align = st.align[i]
		}
		p.f.SetFontStyle(p.cellStyle(st, kind, i))
		for j, l := range p.f.SplitText(c, widths[i]) {
			p.f.SetXY(cx, y+pdfCellPad+float64(j)*pdfLine*0.9)
			p.f.CellFormat(widths[i], pdfLine*0.9, l, "", 0, align, false, 0, "")
		}
		cx += widths[i]
	}
	p.f.SetDrawColor(int(colGrid.R), int(colGrid.G), int(colGrid.B))
	p.f.SetLineWidth(0.2)
	p.f.Line(x, y+h, x+total, y+h)
	p.f.SetXY(x, y+h)
}

// readings draws a table of readings: flagged rows shaded, muted rows grey.
func (p *pdfWriter) readings(header []string, widths []float64, rows []row, slot bool) {
	cells := make([][]string, len(rows))
	alert := make([]bool, len(rows))
	muted := make([]bool, len(rows))
	for i, r := range rows {
		if slot {
			cells[i] = []string{r.Date, r.Time, r.BP, r.Pulse, r.Slot, r.Category, r.Flags}
		} else {
			cells[i] = []string{r.Date, r.Time, r.BP, r.Pulse, r.Category, r.Flags}
		}
		alert[i], muted[i] = r.Alert, r.Muted
	}
	align := []string{"L", "L", "R", "R"}
	p.table(widths, header, cells, tableStyle{alert: alert, muted: muted, align: align})
}

// pdfCanvas draws the chart with fpdf, mapping chart units to millimetres
// from (x0, y0).
type pdfCanvas struct {
	f             *fpdf.Fpdf
	x0, y0, scale float64
}

func (c pdfCanvas) px(x float64) float64 { return c.x0 + x*c.scale }
func (c pdfCanvas) py(y float64) float64 { return c.y0 + y*c.scale }

func (c pdfCanvas) stroke(col rgb, width float64) {
	c.f.SetDrawColor(int(col.R), int(col.G), int(col.B))
	c.f.SetLineWidth(width * c.scale)
}

func (c pdfCanvas) line(x1, y1, x2, y2 float64, col rgb, width float64, dashed bool) {
	c.stroke(col, width)
	if dashed {
		c.f.SetDashPattern([]float64{6 * c.scale, 4 * c.scale}, 0)
	}
	c.f.Line(c.px(x1), c.py(y1), c.px(x2), c.py(y2))
	if dashed {
		c.f.SetDashPattern(nil, 0)
	}
}

func (c pdfCanvas) polyline(xs, ys []float64, col rgb, width float64) {
	c.stroke(col, width)
	c.f.SetLineJoinStyle("round")
	for i := 1; i < len(xs); i++ {
		c.f.Line(c.px(xs[i-1]), c.py(ys[i-1]), c.px(xs[i]), c.py(ys[i]))
	}
}

func (c pdfCanvas) fillStyle(fill *rgb) string {
	if fill == nil {
		return "D"
	}
	c.f.SetFillColor(int(fill.R), int(fill.G), int(fill.B))
	return "FD"
}

func (c pdfCanvas) circle(x, y, r float64, stroke rgb, fill *rgb, width float64) {
	c.stroke(stroke, width)
	c.f.Circle(c.px(x), c.py(y), r*c.scale, c.fillStyle(fill))
}

func (c pdfCanvas) square(x, y, h float64, stroke rgb, fill *rgb, width float64) {
	c.stroke(stroke, width)
	c.f.Rect(c.px(x-h), c.py(y-h), 2*h*c.scale, 2*h*c.scale, c.fillStyle(fill))
}

func (c pdfCanvas) triangle(x, y, h float64, fill rgb) {
	c.f.SetFillColor(int(fill.R), int(fill.G), int(fill.B))
	c.f.Polygon([]fpdf.PointType{
		{X: c.px(x), Y: c.py(y - h)}, {X: c.px(x + h), Y: c.py(y + h)}, {X: c.px(x - h), Y: c.py(y + h)},
	}, "F")
}

func (c pdfCanvas) rect(x, y, w, h float64, fill rgb) {
	c.f.SetFillColor(int(fill.R), int(fill.G), int(fill.B))
	c.f.Rect(c.px(x), c.py(y), w*c.scale, h*c.scale, "F")
}

func (c pdfCanvas) text(x, y float64, s string, size float64, a anchor, col rgb) {
	c.f.SetFont(pdfFontRegul, "", size*c.scale*72/25.4)
	c.f.SetTextColor(int(col.R), int(col.G), int(col.B))
	w := c.f.GetStringWidth(s)
	tx := c.px(x)
	switch a {
	case anchorMiddle:
		tx -= w / 2
	case anchorEnd:
		tx -= w
	}
	c.f.Text(tx, c.py(y), strings.TrimSpace(s))
}
