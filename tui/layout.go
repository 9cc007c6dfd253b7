package tui

// Layout: sizes computed once per resize or new snapshot, so that Update
// and the screens only read them.

// resize computes the layout once per size change.
func (m *model) resize(w, h int) {
	m.width, m.height = w, h
	m.bodyW = max(w-2, 0)
	chrome := 4 // tab bar, period bar, status line, key hints
	if m.static {
		chrome = 3
	}
	m.bodyH = max(h-chrome, 0)
	m.picker.setWidth(m.pickerWidth())
	if m.write != nil {
		m.write.input.SetWidth(m.writeInputWidth())
	}
	m.layout()
}

// pickerWidth is the width of the picker's box content at this size.
func (m *model) pickerWidth() int { return m.picker.width(min(m.overlayWidth()-4, 70)) }

// layout computes every size that input and the screens read: where each
// tab lies on the tab bar, how the screens that share their height
// between a chart and a list divide it, and how far the review scrolls.
// They depend on the size and on the data (a chart takes the rows its
// values need, the alerts' tab its count), so layout runs on a resize and
// on new data, never on a key or while drawing a frame. Colours take no
// room, so a change of theme keeps them.
func (m *model) layout() {
	// The tab bar shortens the other tabs' labels first when it is
	// narrow, so where a tab lies depends on the tab open.
	for t := range tabCount {
		m.tabSpans[t] = m.tabBarFor(t).spans
	}
	var chart func(int) int
	stats, caveat := 4, 0
	m.reviewMax = 0
	if m.data != nil {
		f := m.frame()
		if d := m.data.bp; len(d.readings) > 0 {
			if d.sys.empty() {
				chart = func(int) int { return 2 } // a sentence instead
			} else {
				chart = func(h int) int { return f.bpScreenChart(h).height(h) }
			}
			stats = len(flow(f.bpStats(), m.bodyW))
			caveat = len(f.bpCaveat(m.bodyW))
		}
		m.reviewMax = f.reviewScroll(m.bodyW, m.bodyH)
	}
	m.bpLayout = bpLayoutFor(m.bodyH, chart, stats, caveat)
}
