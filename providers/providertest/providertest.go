// Package providertest holds the checks the provider clients' tests share.
package providertest

import (
	"encoding/json"
	"fmt"

	"vitals/providers"
)

// FailedRefreshKept checks what a failed refresh leaves in the store: the
// credentials stored before it, unchanged but for the mark of a refresh
// sent (providers.Token.RefreshSent and RefreshUnanswered, which a
// failure with no answer keeps). It returns an error saying what differs.
func FailedRefreshKept(before, after []byte) error {
	var was, now providers.Token
	if err := json.Unmarshal(before, &was); err != nil {
		return fmt.Errorf("the credentials before the refresh: %w", err)
	}
	if err := json.Unmarshal(after, &now); err != nil {
		return fmt.Errorf("a failed refresh saved what does not decode: %w", err)
	}
	now.RefreshSent, now.RefreshUnanswered = was.RefreshSent, was.RefreshUnanswered
	if now.AccessToken != was.AccessToken || now.RefreshToken != was.RefreshToken || now.TokenType != was.TokenType || !now.Expiry.Equal(was.Expiry) {
		return fmt.Errorf("a failed refresh saved %v over %v", now, was)
	}
	return nil
}
