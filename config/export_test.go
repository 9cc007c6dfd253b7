package config

// SetKey sets a key of c from text as Set and the environment do, for the
// external tests.
func SetKey(c *Config, key, value string) error {
	f, err := c.field(key)
	if err != nil {
		return err
	}
	return setFromString(f, value)
}
