package report

import (
	htmltemplate "html/template"
	"io"
	"strings"
	"text/template"

	"vitals/assets"
)

// Markdown writes the report as Markdown.
func (r Report) Markdown(w io.Writer) error {
	t, err := template.New("report.md.tmpl").Funcs(template.FuncMap{"md": escapeMarkdown}).
		ParseFS(assets.Report, "report/report.md.tmpl")
	if err != nil {
		return err // a broken embedded template: caught by the tests
	}
	return t.Execute(w, r.view())
}

// HTML writes the report as one self-contained HTML file: the stylesheet
// inline, the chart as inline SVG, nothing loaded from elsewhere.
func (r Report) HTML(w io.Writer) error {
	t, err := htmltemplate.ParseFS(assets.Report, "report/report.html.tmpl")
	if err != nil {
		return err
	}
	v := r.view()
	return t.Execute(w, struct {
		view
		ChartSVG  htmltemplate.HTML
		Threshold string
	}{v, v.Chart.svg(), v.Chart.Threshold.String() + " mmHg (" + v.Rulebook + ")"})
}

var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`",
	"[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "\n", " ",
)

// escapeMarkdown keeps text literal inside Markdown, table cells included.
func escapeMarkdown(s string) string { return markdownEscaper.Replace(s) }
