package oneupsim_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"vitals/providers/oneup/oneupsim"
)

// A user created through user management, with systems connected, is
// what the demo and the client's tests rely on: its resources must stay
// byte for byte what they were before seeded populations were added.
func TestCreatedUserUnchanged(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneupsim.Options{Seed: 4})
	access, _ := h.token("someone")
	for _, id := range []int{oneupsim.EpicTestSite, oneupsim.CernerSandbox, oneupsim.Fitbit, oneupsim.Withings, oneupsim.OmronConnect, oneupsim.Garmin, oneupsim.Kinsa} {
		if err := h.sim.ConnectSystem("someone", id); err != nil {
			t.Fatal(err)
		}
	}
	sum := sha256.New()
	for _, typ := range []string{"Observation", "Condition", "Patient"} {
		entries, _ := h.walk(access, "/r4/"+typ+"?_count=100")
		for _, e := range entries {
			sum.Write([]byte(strings.TrimPrefix(e.FullURL, h.srv.URL)))
			sum.Write(e.Resource)
		}
	}
	const want = "0431362b86595baac762f015de45a5c9ac2e699bd446286449091dee0e077ae0"
	if got := hex.EncodeToString(sum.Sum(nil)); got != want {
		t.Errorf("resources hash %s, want %s", got, want)
	}
}
