package omron

import (
	"fmt"

	"vitals/providers"
)

// Config is what a Client needs to talk to one Omron environment for one
// partner application. It is the [omron] section of vitals' configuration
// file, hence the TOML tags; the config package reads it and fills in the
// URLs from Environment.
type Config struct {
	Environment  string   `toml:"environment"` // staging or production: fills in the vendor's URLs
	ClientID     string   `toml:"client_id"`
	ClientSecret string   `toml:"client_secret"`
	AuthorizeURL string   `toml:"authorize_url"`
	TokenURL     string   `toml:"token_url"`
	APIURL       string   `toml:"api_url"`
	RevokeURL    string   `toml:"revoke_url"`
	RedirectURL  string   `toml:"redirect_url"`
	Scopes       []string `toml:"scopes"`
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
