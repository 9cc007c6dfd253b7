package config

import (
	"bytes"
	"fmt"
)

// SetKey sets a key of c from text as Set and the environment do, for the
// external tests.
func SetKey(c *Config, key, value string) error {
	f, err := c.field(key)
	if err != nil {
		return err
	}
	return setFromString(f, value)
}

// Parse is Load of a file that holds data, less the reading of the file,
// so that a fuzz target reads thousands a second.
func Parse(data []byte) (Config, error) {
	c := Default()
	if err := decodeFile(string(data), &c); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	return c, c.finish()
}

// Encode is what Write puts in the file.
func Encode(c Config) ([]byte, error) {
	var b bytes.Buffer
	err := encode(&b, c)
	return b.Bytes(), err
}
