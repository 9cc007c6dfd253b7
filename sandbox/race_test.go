//go:build race

package sandbox_test

// raceEnabled: the race detector changes how much a request allocates
// (sync.Pool drops items at random under it).
const raceEnabled = true
