package config

import (
	"fmt"
	"io"
	"strconv"
)

// The sections that hold secrets print them masked under every fmt verb:
// a configuration ends up in bug reports, logs and test failures.

// masked says whether a secret is set without showing it.
func masked(s string) string {
	if s == "" {
		return ""
	}
	return "[set]"
}

// formatMasked writes s for any verb; without a Format method, %d and %x
// would walk the struct's fields and print the secret.
func formatMasked(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	io.WriteString(f, s)
}

// The fields types have no methods, so printing them does not recurse.
type (
	omronFields Omron
	oneUpFields OneUp
	serveFields Serve
)

func (o Omron) String() string {
	o.ClientSecret = masked(o.ClientSecret)
	return fmt.Sprintf("%+v", omronFields(o))
}

// Format prints String whatever the verb.
func (o Omron) Format(f fmt.State, verb rune) { formatMasked(f, verb, o.String()) }

func (o OneUp) String() string {
	o.ClientSecret = masked(o.ClientSecret)
	return fmt.Sprintf("%+v", oneUpFields(o))
}

// Format prints String whatever the verb.
func (o OneUp) Format(f fmt.State, verb rune) { formatMasked(f, verb, o.String()) }

func (s Serve) String() string {
	s.NotifySecret = masked(s.NotifySecret)
	return fmt.Sprintf("%+v", serveFields(s))
}

// Format prints String whatever the verb.
func (s Serve) Format(f fmt.State, verb rune) { formatMasked(f, verb, s.String()) }
