package health

// Mean accumulates an arithmetic mean. The zero Mean is empty.
type Mean struct {
	sum float64
	n   int
	min float64
	max float64
}

// Add adds one number.
func (m *Mean) Add(x float64) {
	if m.n == 0 || x < m.min {
		m.min = x
	}
	if m.n == 0 || x > m.max {
		m.max = x
	}
	m.sum += x
	m.n++
}

// AddValue adds a value when it is present.
func (m *Mean) AddValue(v Value) {
	if x, ok := v.Get(); ok {
		m.Add(x)
	}
}

// N is the number of values added.
func (m Mean) N() int { return m.n }

// Value is the mean, or missing when nothing was added.
func (m Mean) Value() Value {
	if m.n == 0 {
		return Missing
	}
	return Of(m.sum / float64(m.n))
}

// Min is the smallest value added, or missing.
func (m Mean) Min() Value {
	if m.n == 0 {
		return Missing
	}
	return Of(m.min)
}

// Max is the largest value added, or missing.
func (m Mean) Max() Value {
	if m.n == 0 {
		return Missing
	}
	return Of(m.max)
}

// Sub returns a − b, missing if either is.
func Sub(a, b Value) Value {
	x, ok1 := a.Get()
	y, ok2 := b.Get()
	if !ok1 || !ok2 {
		return Missing
	}
	return Of(x - y)
}
