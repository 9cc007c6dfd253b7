package tui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"vitals/store"
)

// Acknowledging an alert on the Alerts tab (A): a picker of the period's
// alerts about one reading that no clinician has acknowledged, then a
// note, then the acknowledgement is written in a command, as Options.Who.

// ackState is the acknowledgement being written.
type ackState struct {
	alert alert
	input textinput.Model
}

// ackedMsg reports a written acknowledgement.
type ackedMsg struct {
	ack store.Ack
	err error
}

// openAck lists the alerts to acknowledge.
func (m *model) openAck() tea.Cmd {
	if m.tab != TabAlerts || m.data == nil {
		m.say("%s acknowledges an alert on %s.", m.keys.Ack.Help().Key, TabAlerts.ref())
		return nil
	}
	if m.opts.Who == "" {
		m.fail("Acknowledging needs to know who you are: run `vitals ack` with --by instead.")
		return nil
	}
	if !m.opts.DB.CanAcknowledge() {
		m.fail("This database is open read-only: acknowledge where it may be written (or, on a clinic's, as a role granted acknowledgements).")
		return nil
	}
	var items []pickItem
	for i, a := range m.data.alerts {
		if a.ackable() {
			items = append(items, pickItem{title: a.kind.mark() + " " + a.title, index: i, search: a.search})
		}
	}
	if len(items) == 0 {
		m.say("No alert to acknowledge in this period: every reading above 180/120 and every rhythm flag is acknowledged.")
		return nil
	}
	return m.openPicker(newPicker(pickAlert, "Acknowledge an alert", items, m.st.dark))
}

// startAckNote asks for the note of the chosen alert.
func (m *model) startAckNote(a alert) tea.Cmd {
	in := textinput.New()
	st := textinput.DefaultStyles(m.st.dark)
	st.Cursor.Blink = false
	in.SetStyles(st)
	in.Prompt = "note: "
	in.Placeholder = "what was done or decided"
	in.CharLimit = 500
	in.SetWidth(max(m.overlayWidth()-4-8, 10))
	m.ack = &ackState{alert: a, input: in}
	m.overlay = overlayAck
	return m.ack.input.Focus()
}

// onAckKey types the note: enter writes the acknowledgement, esc drops it.
func (m *model) onAckKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Back):
		m.overlay, m.ack = overlayNone, nil
		m.say("Nothing acknowledged.")
		return nil
	case key.Matches(k, m.keys.Select):
		a := m.ack
		m.overlay, m.ack = overlayNone, nil
		db, parent, who, profile := m.opts.DB, m.ctx, m.opts.Who, m.profile.ID
		note := strings.TrimSpace(a.input.Value())
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(parent, 30*time.Second)
			defer cancel()
			ack, err := db.Acknowledge(ctx, profile, a.alert.reading, who, note)
			return ackedMsg{ack, err}
		}
	}
	var cmd tea.Cmd
	m.ack.input, cmd = m.ack.input.Update(k)
	return cmd
}

// onAcked says what happened and reloads, so the alert shows its
// acknowledgement.
func (m *model) onAcked(msg ackedMsg) tea.Cmd {
	if msg.err != nil {
		m.fail("Could not acknowledge: %v", msg.err)
		return nil
	}
	m.say("Acknowledged %s as %s.", msg.ack.Alert(), msg.ack.By)
	return m.loadCmd()
}

// ackBox is the note overlay.
func (m *model) ackBox() string {
	st := m.st
	inner := m.overlayWidth() - 4
	lines := []string{st.title.Render("Acknowledge")}
	lines = append(lines, wrapStyled(st.bold, m.ack.alert.kind.mark()+" "+m.ack.alert.title, inner)...)
	lines = append(lines, "", m.ack.input.View(), "",
		st.muted.Render(fit("As "+m.opts.Who+" · enter acknowledges · esc cancels", inner)))
	return st.box.Render(strings.Join(lines, "\n"))
}
