package oneup

import (
	"fmt"

	"vitals/providers"
)

// Config is what a Client needs to talk to 1upHealth for one application.
// It is the [oneup] section of vitals' configuration file, hence the TOML
// tags.
type Config struct {
	ClientID     string `toml:"client_id"`
	ClientSecret string `toml:"client_secret"`
	APIURL       string `toml:"api_url"`
	FHIRURL      string `toml:"fhir_url"`
	TokenURL     string `toml:"token_url"`
	RedirectURL  string `toml:"redirect_url"`
}

// configFields has Config's fields and none of its methods, so printing it
// does not call String again.
type configFields Config

// String shows the configuration with the client secret masked: a
// configuration ends up in bug reports, logs and test failures.
func (c Config) String() string {
	c.ClientSecret = providers.MaskSecret(c.ClientSecret)
	return fmt.Sprintf("%+v", configFields(c))
}

// Format prints String whatever the verb: without it %d and %x would walk
// the fields and print the secret.
func (c Config) Format(f fmt.State, verb rune) { providers.FormatMasked(f, verb, c.String()) }
