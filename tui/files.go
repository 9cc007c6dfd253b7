package tui

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"vitals/health"
	"vitals/store"
)

// Files make the clinician's report and the readings' exports of a
// period, for the dashboard's write key; the command line implements it
// with the report package, as vitals report and vitals export do. Both
// methods run in commands, outside Update.
type Files interface {
	// Suggest is where the file goes unless the person types another
	// path: a name not yet taken, in a folder they can write to.
	Suggest(ctx context.Context, req FileRequest) (string, error)
	// Write writes the file (an export to CSV: a folder holding a file
	// per measurement type). Unless req.Replace, it leaves an existing
	// file alone and returns an error wrapping fs.ErrExist.
	Write(ctx context.Context, req FileRequest) (FileResult, error)
}

// FileKind is what the write key makes.
type FileKind int

const (
	ReportMarkdown FileKind = iota
	ReportHTML
	ReportPDF
	ExportCSV
	ExportFHIR
)

func (k FileKind) String() string {
	switch k {
	case ReportMarkdown:
		return "Markdown report"
	case ReportHTML:
		return "HTML report"
	case ReportPDF:
		return "PDF report"
	case ExportCSV:
		return "CSV export"
	case ExportFHIR:
		return "FHIR export"
	}
	return fmt.Sprintf("file kind %d", int(k))
}

// IsReport reports whether the kind is the clinician's report (of blood
// pressure) rather than an export of every reading.
func (k FileKind) IsReport() bool { return k <= ReportPDF }

// FileRequest is a file to write: the period on screen, for the profile
// on screen.
type FileRequest struct {
	Kind     FileKind
	Profile  store.Profile
	From, To health.Date // inclusive wall-clock dates, as the dashboard's period
	Rulebook health.Rulebook
	Path     string // empty for Suggest
	Replace  bool   // the person agreed to replace what is at Path
}

// FileResult says what Write wrote.
type FileResult struct {
	Paths []string // absolute
	What  string   // a detail for the status line: "2 files, one per type: blood pressure 96, weight 19"
}

// Messages of the write flow.
type (
	suggestedMsg struct {
		req  FileRequest
		path string
		err  error
	}
	writtenMsg struct {
		req FileRequest
		res FileResult
		err error
	}
)

type writeStep int

const (
	writeChoose writeStep = iota // which file
	writeName                    // where to
)

// writeState is the write overlay: the choice of a file, then its path.
type writeState struct {
	step    writeStep
	req     FileRequest
	input   textinput.Model
	busy    string // what runs ("Writing…"); keys wait
	problem string // why the last try failed
	exists  string // a path refused because it exists: enter again replaces it
}

// openWrite opens the write menu for the period on screen.
func (m *model) openWrite() tea.Cmd {
	if m.opts.Files == nil {
		m.fail("Write files in a shell here: `vitals report --help`, `vitals export --help`.")
		return nil
	}
	if m.data == nil {
		return nil
	}
	p := m.data.period
	m.write = &writeState{req: FileRequest{Profile: m.profile, From: p.Start, To: p.End, Rulebook: m.set.rulebook}}
	m.overlay = overlayWrite
	return nil
}

// onWriteKey answers keys while the write overlay is open.
func (m *model) onWriteKey(k tea.KeyPressMsg) tea.Cmd {
	w := m.write
	if key.Matches(k, m.keys.Back) {
		m.overlay, m.write = overlayNone, nil
		return nil
	}
	if w.busy != "" {
		return nil
	}
	if w.step == writeChoose {
		for i, b := range m.keys.WriteHelp() {
			if key.Matches(k, b) {
				w.req.Kind = FileKind(i)
				w.busy = "Choosing a name…"
				files, req, parent := m.opts.Files, w.req, m.ctx
				return func() tea.Msg {
					ctx, cancel := context.WithTimeout(parent, 10*time.Second)
					defer cancel()
					path, err := files.Suggest(ctx, req)
					return suggestedMsg{req: req, path: path, err: err}
				}
			}
		}
		if key.Matches(k, m.keys.Quit) {
			m.overlay, m.write = overlayNone, nil
		}
		return nil
	}
	if key.Matches(k, m.keys.Select) {
		path := strings.TrimSpace(w.input.Value())
		if path == "" {
			w.problem = "Type where the file goes."
			return nil
		}
		req := w.req
		req.Path, req.Replace = path, path == w.exists
		w.busy, w.problem = "Writing…", ""
		files, parent := m.opts.Files, m.ctx
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(parent, 5*time.Minute)
			defer cancel()
			res, err := files.Write(ctx, req)
			return writtenMsg{req: req, res: res, err: err}
		}
	}
	var cmd tea.Cmd
	w.input, cmd = w.input.Update(k)
	if w.exists != "" && strings.TrimSpace(w.input.Value()) != w.exists {
		w.exists, w.problem = "", "" // another name: no longer a question of replacing
	}
	return cmd
}

// onSuggested opens the file name, filled with the suggestion.
func (m *model) onSuggested(msg suggestedMsg) tea.Cmd {
	w := m.write
	if w == nil || w.req.Kind != msg.req.Kind {
		return nil // closed meanwhile
	}
	w.busy = ""
	if msg.err != nil {
		w.problem = "No name to suggest: " + msg.err.Error()
	}
	w.step = writeName
	w.input = newPathInput(m.st.dark, m.writeInputWidth())
	w.input.SetValue(msg.path)
	w.input.CursorEnd()
	return w.input.Focus()
}

// onWritten says where the file went, or keeps the overlay open with
// what went wrong, so that the person can change the name.
func (m *model) onWritten(msg writtenMsg) tea.Cmd {
	w := m.write
	open := w != nil && w.busy != "" && w.req.Kind == msg.req.Kind
	if msg.err == nil {
		if open {
			m.overlay, m.write = overlayNone, nil
		}
		// Where it went first: the part a narrow status line keeps.
		detail := periodLabel(Period{Start: msg.req.From, End: msg.req.To})
		if msg.res.What != "" {
			detail += "; " + msg.res.What
		}
		m.say("Wrote the %s to %s (%s).", msg.req.Kind, strings.Join(msg.res.Paths, ", "), detail)
		return nil
	}
	if !open {
		m.fail("The %s was not written: %v", msg.req.Kind, msg.err)
		return nil
	}
	w.busy = ""
	if errors.Is(msg.err, fs.ErrExist) {
		w.exists = msg.req.Path
		w.problem = fmt.Sprintf("%s already exists: press enter again to replace it, or change the name.", msg.req.Path)
		return nil
	}
	w.problem = "Not written: " + msg.err.Error()
	return nil
}

func newPathInput(dark bool, width int) textinput.Model {
	in := textinput.New()
	st := textinput.DefaultStyles(dark)
	st.Cursor.Blink = false
	in.SetStyles(st)
	in.Prompt = "> "
	in.CharLimit = 4096
	in.SetWidth(width)
	return in
}

// writeInputWidth is the width of the path's text field in the overlay.
func (m *model) writeInputWidth() int { return max(m.overlayWidth()-4-3, 10) }

// writeMenuWidth is the width of the write menu's text: the menu needs
// less room than a path.
func (m *model) writeMenuWidth() int { return min(m.overlayWidth()-4, 64) }

// writeBox is the write overlay's content, inner cells wide.
func (m *model) writeBox(inner int) string {
	st, w, k := m.st, m.write, m.keys
	req := w.req
	period := periodLabel(Period{Start: req.From, End: req.To})
	var b strings.Builder
	b.WriteString(strings.Join(wrapStyled(st.title, "Write a file: "+req.Profile.Title()+", "+period, inner), "\n") + "\n\n")
	if w.step == writeChoose {
		for _, bind := range k.WriteHelp() {
			b.WriteString(st.helpKey.Render(bind.Help().Key) + "  " + bind.Help().Desc + "\n")
		}
		b.WriteString("\n")
		b.WriteString(strings.Join(wrapStyled(st.muted, "The report is the clinician's home blood-pressure report of the period on screen ("+
			req.Rulebook.Name()+"); the exports hold every reading of the period.", inner), "\n"))
	} else {
		what := "The " + req.Kind.String()
		if req.Kind == ExportCSV {
			what += ", a folder with a file per type,"
		}
		b.WriteString(wrapJoin(what+" goes to (enter writes it):", inner) + "\n")
		b.WriteString(w.input.View())
	}
	switch {
	case w.busy != "":
		b.WriteString("\n\n" + st.muted.Render(w.busy))
	case w.problem != "":
		b.WriteString("\n\n" + strings.Join(wrapStyled(st.statusErr, w.problem, inner), "\n"))
	}
	b.WriteString("\n\n" + st.helpKey.Render(k.Back.Help().Key) + st.helpDesc.Render(" cancel"))
	return b.String()
}
