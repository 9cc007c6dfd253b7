package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"vitals/store"
)

// EnrollmentLink is a link just made for a patient to link an account
// from their own phone (vitals enroll). URL carries its secret: the
// dashboard shows it once and keeps it only while the box is open.
type EnrollmentLink struct {
	ID       int64
	Provider store.Provider
	URL      string
	QR       string // the URL as a QR code in text (half blocks), to be drawn black on white
	Expires  time.Time
}

// enrollState is the enrollment box: choosing the provider, making the
// link, then showing it.
type enrollState struct {
	busy bool
	link *EnrollmentLink
}

// enrolledMsg is the link made (or why not).
type enrolledMsg struct {
	link EnrollmentLink
	err  error
}

func (m *model) openEnroll() tea.Cmd {
	if m.opts.Enroll == nil {
		m.fail("Enrollment links need the address patients reach the hub at: set serve.public_url (vitals config set serve.public_url https://…), or make one with `vitals enroll PROFILE --public-url URL`.")
		return nil
	}
	m.enroll = &enrollState{}
	m.overlay = overlayEnroll
	return nil
}

// onEnrollKey answers keys while the enrollment box is open.
func (m *model) onEnrollKey(k tea.KeyPressMsg) tea.Cmd {
	e := m.enroll
	switch {
	case key.Matches(k, m.keys.Back):
		m.overlay, m.enroll = overlayNone, nil // the link is not kept
		return nil
	case e.busy:
		return nil
	case e.link != nil:
		if key.Matches(k, m.keys.Copy) {
			m.say("Link copied to the clipboard (if the terminal allows it).")
			return tea.SetClipboard(e.link.URL)
		}
		return nil
	case key.Matches(k, m.keys.LinkOmron):
		return m.makeEnrollment(store.ProviderOmron)
	case key.Matches(k, m.keys.LinkOneUp):
		return m.makeEnrollment(store.ProviderOneUp)
	}
	return nil
}

// makeEnrollment makes the link in a command: it writes to the database.
func (m *model) makeEnrollment(p store.Provider) tea.Cmd {
	m.enroll.busy = true
	ctx, enroll, prof := m.ctx, m.opts.Enroll, m.profile
	return func() tea.Msg {
		l, err := enroll(ctx, prof, p)
		return enrolledMsg{link: l, err: err}
	}
}

func (m *model) onEnrolled(msg enrolledMsg) tea.Cmd {
	if m.enroll == nil { // closed meanwhile: the link stays unseen, as if revoked
		return m.loadCmd()
	}
	if msg.err != nil {
		m.overlay, m.enroll = overlayNone, nil
		m.fail("No enrollment link was made: %v", msg.err)
		return nil
	}
	m.enroll.busy, m.enroll.link = false, &msg.link
	return m.loadCmd() // the Sources tab lists it as pending
}

// enrollBox draws the box: the choice of provider, or the link with its
// QR code when the screen has room for it.
func (m *model) enrollBox(boxW int) string {
	st, e := m.st, m.enroll
	if e == nil {
		return ""
	}
	inner := boxW - 4
	title := st.title.Render("Enrollment link for " + m.profile.Title())
	if e.link == nil {
		body := title + "\n\n" +
			wrapJoin("A link the patient opens on their own phone to share their readings with this practice. It works once.", inner) + "\n\n" +
			st.helpKey.Render(m.keys.LinkOmron.Help().Key) + "  Omron Wellness\n" +
			st.helpKey.Render(m.keys.LinkOneUp.Help().Key) + "  1upHealth (devices and health systems)\n\n"
		if e.busy {
			body += st.muted.Render("Making the link…")
		} else {
			body += st.muted.Render("esc cancels.")
		}
		return st.box.Width(boxW).Render(body)
	}
	l := e.link
	body := title + "\n\n" +
		wrapJoin(store.Account{Provider: l.Provider}.Title()+", valid until "+l.Expires.In(m.set.loc).Format("02 Jan 2006 15:04")+". Send it to the patient; it is shown only now.", inner) + "\n\n" +
		st.link.Hyperlink(l.URL).Render(ansi.Hardwrap(l.URL, inner, false)) + "\n"
	qr := strings.Split(strings.TrimSuffix(l.QR, "\n"), "\n")
	// The box's other lines, its border and the status and hint lines.
	if room := m.height - 12 - strings.Count(ansi.Hardwrap(l.URL, inner, false), "\n"); len(qr) <= room && len(qr) > 0 && ansi.StringWidth(qr[0]) <= inner {
		body += "\n"
		for _, line := range qr {
			body += st.qr.Render(line) + "\n"
		}
	} else {
		body += "\n" + st.muted.Render("Enlarge the terminal to see its QR code, or run `vitals enroll --help`.") + "\n"
	}
	body += "\n" + st.helpKey.Render(m.keys.Copy.Help().Key) + st.helpDesc.Render(" copy the link   ") +
		st.helpKey.Render(m.keys.Back.Help().Key) + st.helpDesc.Render(" close")
	return st.box.Width(boxW).Render(body)
}
