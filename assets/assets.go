// Package assets holds the files vitals embeds in its binary.
package assets

import "embed"

// Report holds the clinician report's templates: report/report.md.tmpl
// (text/template) and report/report.html.tmpl (html/template, with its
// stylesheet inline so the HTML report is one self-contained file).
//
//go:embed report
var Report embed.FS
