package tui

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"vitals/health"
	"vitals/store"
)

// Input: keys, mouse and the picker. Each changes the model's state and
// may return a command; none draws or reads the database.

// onKey routes a key, and loads the panel when its tab opens.
func (m *model) onKey(k tea.KeyPressMsg) tea.Cmd {
	before := m.tab
	cmd := m.routeKey(k)
	if m.tab != before {
		return tea.Batch(cmd, m.tabOpened())
	}
	return cmd
}

// tabOpened reads the panel when its tab opens without it.
func (m *model) tabOpened() tea.Cmd {
	if m.tab == TabPanel && (m.data == nil || !m.data.panelLoaded) {
		return m.loadCmd()
	}
	if m.tab == TabPanel {
		m.clampPanel()
	}
	return nil
}

// routeKey routes a key to the open overlay, or else to the dashboard.
func (m *model) routeKey(k tea.KeyPressMsg) tea.Cmd {
	if k.String() == "ctrl+c" {
		return m.quit()
	}
	if m.overlay == overlayNone && !m.filtering && key.Matches(k, m.keys.Details) {
		m.openDetails() // before the key clears the notice it shows
		return nil
	}
	m.notice = ""
	if m.overlay == overlayNone && m.filtering {
		return m.onFilterKey(k)
	}
	switch m.overlay {
	case overlayDetails:
		if key.Matches(k, m.keys.Details, m.keys.Back) {
			m.overlay, m.details = overlayNone, nil
		} else if key.Matches(k, m.keys.Quit) {
			return m.quit()
		}
		return nil
	case overlayWrite:
		return m.onWriteKey(k)
	case overlayAck:
		return m.onAckKey(k)
	case overlayEnroll:
		return m.onEnrollKey(k)
	case overlayHelp:
		if key.Matches(k, m.keys.Help, m.keys.Back) {
			m.overlay = overlayNone
		} else if key.Matches(k, m.keys.Quit) {
			return m.quit()
		}
		return nil
	case overlayPicker:
		return m.onPickerKey(k)
	case overlayLinkMenu:
		switch {
		case key.Matches(k, m.keys.LinkOmron):
			m.overlay = overlayNone
			return m.startLink(store.ProviderOmron)
		case key.Matches(k, m.keys.LinkOneUp):
			m.overlay = overlayNone
			return m.startLink(store.ProviderOneUp)
		case key.Matches(k, m.keys.Back, m.keys.Quit):
			m.overlay = overlayNone
		}
		return nil
	case overlayConfirm:
		a := m.confirm
		switch {
		case key.Matches(k, m.keys.Yes):
			m.overlay, m.confirm = overlayNone, nil
			return m.startUnlink(a.Account)
		case key.Matches(k, m.keys.No):
			m.overlay, m.confirm = overlayNone, nil
			m.say("Kept %s.", a.Title())
		}
		return nil
	case overlayAction:
		switch {
		case key.Matches(k, m.keys.Back):
			if m.action != nil && !m.action.done {
				m.action.cancel()
				m.action.done = true
			}
		case key.Matches(k, m.keys.Copy):
			if m.action != nil && m.action.url != "" {
				m.say("Address copied to the clipboard (if the terminal allows it).")
				return tea.SetClipboard(m.action.url)
			}
		}
		return nil
	}

	if m.tab == TabPanel {
		if cmd, ok := m.onPanelKey(k); ok {
			return cmd
		}
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return m.quit()
	case key.Matches(k, m.keys.Ack):
		return m.openAck()
	case key.Matches(k, m.keys.Back) && m.panelSt.opened && m.tab != TabPanel && (!filterable(m.tab) || m.filters[m.tab] == ""):
		// Back to the panel, on the row the patient was opened from.
		m.panelSt.opened = false
		m.tab = TabPanel
	case key.Matches(k, m.keys.Help):
		m.overlay = overlayHelp
	case key.Matches(k, m.keys.Filter):
		return m.startFilter()
	case key.Matches(k, m.keys.Back):
		if filterable(m.tab) && m.filters[m.tab] != "" {
			m.clearFilter()
		}
	case key.Matches(k, m.keys.Write):
		return m.openWrite()
	case key.Matches(k, m.keys.Mouse):
		m.mouseOff = !m.mouseOff
		if m.mouseOff {
			m.say("Mouse off: the terminal has it, to select and copy text; %s takes it back.", m.keys.Mouse.Help().Key)
		} else {
			m.say("Mouse on: click a tab, scroll a list with the wheel; %s lets the terminal have it.", m.keys.Mouse.Help().Key)
		}
	case key.Matches(k, m.keys.NextTab):
		m.tab = (m.tab + 1) % tabCount
	case key.Matches(k, m.keys.PrevTab):
		m.tab = (m.tab + tabCount - 1) % tabCount
	case key.Matches(k, m.keys.Tabs):
		m.tab = Tab(k.String()[0] - '1')
	case key.Matches(k, m.keys.Longer):
		if m.rng < RangeAll {
			return m.setRange(m.rng + 1)
		}
	case key.Matches(k, m.keys.Shorter):
		if m.rng > Range7d {
			return m.setRange(m.rng - 1)
		}
	case key.Matches(k, m.keys.Earlier):
		return m.move(-1)
	case key.Matches(k, m.keys.Later):
		return m.move(1)
	case key.Matches(k, m.keys.Today):
		if !m.end.IsZero() {
			m.end = health.Date{}
			return m.loadCmd()
		}
	case key.Matches(k, m.keys.Profile):
		return m.openProfiles()
	case key.Matches(k, m.keys.Sync):
		return m.syncNow(false)
	case key.Matches(k, m.keys.Up):
		m.scroll(-1)
	case key.Matches(k, m.keys.Down):
		m.scroll(1)
	case key.Matches(k, m.keys.PageUp):
		m.scroll(-max(m.visibleRows()-1, 1))
	case key.Matches(k, m.keys.PageDown):
		m.scroll(max(m.visibleRows()-1, 1))
	case key.Matches(k, m.keys.Top):
		m.scroll(-1 << 30)
	case key.Matches(k, m.keys.Bottom):
		m.scroll(1 << 30)
	case key.Matches(k, m.keys.DayBefore):
		m.moveDay(-1)
	case key.Matches(k, m.keys.DayAfter):
		m.moveDay(1)
	case key.Matches(k, m.keys.SyncOne):
		return m.syncNow(true)
	case key.Matches(k, m.keys.Link):
		return m.openLinkMenu()
	case key.Matches(k, m.keys.Enroll):
		return m.openEnroll()
	case key.Matches(k, m.keys.Connect):
		return m.connect()
	case key.Matches(k, m.keys.Relink):
		return m.relink()
	case key.Matches(k, m.keys.Unlink):
		return m.askUnlink()
	}
	return nil
}

// quit ends the program, cancelling a linking action in progress.
func (m *model) quit() tea.Cmd {
	if m.action != nil && !m.action.done {
		m.action.cancel()
	}
	return tea.Quit
}

// setRange changes the period's length, keeping its end when the person
// moved it.
func (m *model) setRange(r Range) tea.Cmd {
	m.rng = r
	if m.data != nil && !m.end.IsZero() {
		m.end = m.data.period.End
	}
	return m.loadCmd()
}

// move shifts the period by its own length, never past today.
func (m *model) move(dir int) tea.Cmd {
	if m.data == nil {
		return nil
	}
	if m.rng == RangeAll {
		m.say("The period holds every reading: choose a shorter one (-) to move in time.")
		return nil
	}
	today := m.set.today()
	end := m.data.period.End.AddDays(dir * m.rng.Days())
	if end.After(today) {
		end = today
	}
	if end == m.data.period.End {
		if dir > 0 {
			m.say("This period already ends today.")
		}
		return nil
	}
	m.end = end
	return m.loadCmd()
}

// moveDay moves the activity screen's day to the previous or next day
// with a record.
func (m *model) moveDay(dir int) {
	if m.data == nil || len(m.data.ac.days) == 0 {
		return
	}
	days := m.data.ac.days
	i := len(days) - 1
	for j, d := range days {
		if !d.Before(m.actDay) {
			i = j
			break
		}
	}
	if days[i] != m.actDay && dir > 0 {
		i--
	}
	i = min(max(i+dir, 0), len(days)-1)
	m.actDay, m.actDayChosen = days[i], true
}

// visibleRows is how many rows the current screen's list shows.
func (m *model) visibleRows() int {
	switch m.tab {
	case TabBP:
		return m.bpLayout.tableRows
	case TabAlerts:
		return max(m.bodyH-alertsHeader, 1)
	case TabReview:
		return m.bodyH
	case TabPanel:
		return m.panelRows()
	}
	return 1
}

// scroll moves the current screen's list by n rows.
func (m *model) scroll(n int) {
	switch m.tab {
	case TabBP:
		m.bpOffset += n
	case TabAlerts:
		m.alertOffset += n
	case TabReview:
		m.reviewOffset += n
	case TabSources:
		vis := m.visibleSources()
		if i := slices.Index(vis, m.sourceSel); len(vis) > 0 {
			m.sourceSel = vis[min(max(i+n, 0), len(vis)-1)]
		}
	case TabActivity:
		if n == 1 || n == -1 {
			m.moveDay(n)
		}
	case TabPanel:
		m.movePanel(n)
	}
	m.clampScroll()
}

func (m *model) clampScroll() {
	if m.data == nil {
		return
	}
	clamp := func(v *int, n int) { *v = min(max(*v, 0), max(n, 0)) }
	count := func(rows []int, all int) int {
		if rows != nil {
			return len(rows)
		}
		return all
	}
	clamp(&m.bpOffset, count(m.rows.bp, len(m.data.bp.readings))-m.bpLayout.tableRows)
	clamp(&m.alertOffset, count(m.rows.alerts, len(m.data.alerts))-1)
	clamp(&m.reviewOffset, m.reviewMax)
	clamp(&m.sourceSel, len(m.data.accounts)-1)
	// The selection stays on a source the filter keeps.
	if vis := m.visibleSources(); len(vis) > 0 && !slices.Contains(vis, m.sourceSel) {
		m.sourceSel = vis[0]
	}
}

// onClick switches tabs from the tab bar and selects sources.
func (m *model) onClick(mouse tea.Mouse) tea.Cmd {
	if m.overlay != overlayNone || mouse.Button != tea.MouseLeft {
		return nil
	}
	if mouse.Y == 0 {
		for i, r := range m.tabSpans[m.tab] {
			if mouse.X >= r[0] && mouse.X < r[1] && Tab(i) != m.tab {
				m.tab = Tab(i)
				m.stopFilter() // the filter being typed stays with its tab
				return m.tabOpened()
			}
		}
		return nil
	}
	if m.tab == TabSources && m.data != nil {
		if i := sourceRowAt(m.data.accounts, m.visibleSources(), mouse.Y-2); i >= 0 {
			m.sourceSel = i
		}
	}
	return nil
}

// openPicker shows p, sized for the terminal.
func (m *model) openPicker(p picker) tea.Cmd {
	m.picker = p
	m.picker.setWidth(m.pickerWidth())
	m.overlay = overlayPicker
	return m.picker.input.Focus()
}

// openProfiles opens the profile switcher.
func (m *model) openProfiles() tea.Cmd {
	if len(m.profiles) <= 1 {
		m.say("This database holds one profile. Add people with `vitals profile add NAME`.")
		return nil
	}
	return m.openPicker(newProfilePicker(m.profiles, m.profile.ID, m.st.dark))
}

// onPickerKey moves in the picker, chooses from it, or types into its
// search.
func (m *model) onPickerKey(k tea.KeyPressMsg) tea.Cmd {
	p := &m.picker
	switch {
	case key.Matches(k, m.keys.Back):
		m.overlay = overlayNone
		return nil
	case key.Matches(k, m.keys.PickUp):
		p.move(-1)
		return nil
	case key.Matches(k, m.keys.PickDown):
		p.move(1)
		return nil
	case key.Matches(k, m.keys.PickPageUp):
		p.move(-pickerRows)
		return nil
	case key.Matches(k, m.keys.PickPageDown):
		p.move(pickerRows)
		return nil
	case key.Matches(k, m.keys.Select):
		it, ok := p.chosen()
		if !ok {
			return nil
		}
		m.overlay = overlayNone
		if p.kind == pickSystem {
			return m.startConnect(p.account, p.systems[it.index])
		}
		if p.kind == pickAlert {
			return m.startAckNote(m.data.alerts[it.index])
		}
		prof := m.profiles[it.index]
		if prof.ID == m.profile.ID {
			return nil
		}
		m.profile, m.end, m.sourceSel = prof, health.Date{}, 0
		m.syncs = map[int64]*syncStatus{}
		m.say("Showing %s.", prof.Title())
		return m.loadCmd()
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(k)
	p.filter()
	return cmd
}
