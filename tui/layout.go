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
	m.layout()
}

// pickerWidth is the width of the picker's box content at this size.
func (m *model) pickerWidth() int { return m.picker.width(min(m.overlayWidth()-4, 70)) }

// layout divides the screens that share their height between a chart
// and a list. It depends on the size and on the data (a chart takes the
// rows its values need), so it runs on a resize and on new data, never
// while drawing a frame.
func (m *model) layout() {
	var chart func(int) int
	stats := 4
	if m.data != nil && len(m.data.bp.readings) > 0 {
		f := m.frame()
		if d := m.data.bp; d.sys.empty() {
			chart = func(int) int { return 2 } // a sentence instead
		} else {
			c := f.bpChart(true)
			chart = c.height
		}
		stats = len(flow(f.bpStats(), m.bodyW))
	}
	m.bpLayout = bpLayoutFor(m.bodyH, chart, stats)
}
