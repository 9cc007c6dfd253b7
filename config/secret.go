package config

import (
	"fmt"

	"vitals/providers"
)

// The sections that hold secrets print them masked under every fmt verb:
// a configuration ends up in bug reports, logs and test failures. The
// vendor sections, omron.Config and oneup.Config, mask their own.

// serveFields has Serve's fields and none of its methods, so printing it
// does not call String again.
type serveFields Serve

func (s Serve) String() string {
	s.NotifySecret = providers.MaskSecret(s.NotifySecret)
	return fmt.Sprintf("%+v", serveFields(s))
}

// Format prints String whatever the verb: without it %d and %x would walk
// the fields and print the secret.
func (s Serve) Format(f fmt.State, verb rune) { providers.FormatMasked(f, verb, s.String()) }
