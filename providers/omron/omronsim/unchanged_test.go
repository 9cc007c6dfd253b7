package omronsim_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"testing"

	"vitals/providers/omron/omronsim"
)

// The default patient's readings are what tests across the project and
// the demo rely on; a server made with the same options must keep serving
// them byte for byte. The hashes were taken from every page of every
// type before seeded populations were added.
func TestDefaultPatientUnchanged(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mod  func(*omronsim.Options)
		want string
	}{
		{"seed 1", nil, "497a002668d9df020305e6fbc99c1a493f6c958d01f648a2c3404a45f8515d5e"},
		{"seed 9, 30 days", func(o *omronsim.Options) { o.Seed, o.HistoryDays = 9, 30 }, "4d68410b0f02dc9c6efb6a46bfab5a0985a73df8821b84e27807c080dc06ba14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.mod)
			access, _ := e.tokens()
			h := sha256.New()
			for _, typ := range omronsim.Types {
				form := url.Values{"type": {typ}, "since": {"2000-01-01"}, "limit": {"1000"}, "sortOrder": {"asc"}, "includeHourlyActivity": {"true"}}
				for {
					p := e.page(access, form)
					h.Write([]byte(p.raw))
					if p.key == nil {
						break
					}
					form.Set(typ+"PaginationKey", fmt.Sprint(int64(p.key.(float64))))
				}
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != tt.want {
				t.Errorf("readings hash %s, want %s", got, tt.want)
			}
		})
	}
}
