package config

import (
	"fmt"
	"strings"
	"testing"
)

func TestSecretsNeverPrint(t *testing.T) {
	c := Default()
	c.Omron.ClientID, c.Omron.ClientSecret = "aviato-api", "4e435f8d3aac0b6398dfb9db10227ad6"
	c.OneUp.ClientSecret = "oneup-secret-value"
	c.Serve.NotifySecret = "notify-secret-value"
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X"} {
		out := fmt.Sprintf(verb, c)
		for _, secret := range []string{"4e435f8d3aac0b6398dfb9db10227ad6", "oneup-secret-value", "notify-secret-value"} {
			if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
				t.Errorf("%s of the configuration shows a secret: %s", verb, out)
			}
		}
	}
	if out := fmt.Sprint(c.Omron); !strings.Contains(out, "aviato-api") || !strings.Contains(out, "ClientSecret:[set]") {
		t.Errorf("the Omron section should still show what is not secret: %s", out)
	}
}
