package oneup

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"vitals/providers"
)

type tokenResponse struct {
	AccessToken  string     `json:"access_token"`
	TokenType    string     `json:"token_type"`
	ExpiresIn    flexString `json:"expires_in"`
	RefreshToken string     `json:"refresh_token"`
	Scope        string     `json:"scope"`
}

// Exchange trades an authorization code from user management for the
// user's tokens.
func (c *Client) Exchange(ctx context.Context, code string) (providers.Token, error) {
	const op = "oneup: exchange authorization code"
	t, err := c.token(ctx, op, url.Values{"grant_type": {"authorization_code"}, "code": {code}})
	// RFC 6749 §5.2 answers invalid_grant with 400; the same word with a
	// 5xx is a server in trouble, worth trying again.
	var se *providers.StatusError
	if errors.As(err, &se) && se.StatusCode == http.StatusBadRequest && se.Code == "invalid_grant" {
		return t, fmt.Errorf("%s: 1upHealth refused the code (it is used once and expires within minutes): run `vitals link oneup` again", op)
	}
	return t, err
}

// Refresh trades a refresh token for new tokens. The vendor rotates
// refresh tokens: the old one stops working, so the caller must save the
// new one at once (providers.Credentials does). A refused refresh token is
// providers.ErrNeedsRelink. Refresh is a providers.RefreshFunc.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (providers.Token, error) {
	const op = "oneup: refresh access token"
	t, err := c.token(ctx, op, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
	var se *providers.StatusError
	if errors.As(err, &se) && providers.RefreshRefused(err) {
		why := se.Code
		if why == "" {
			why = "HTTP " + strconv.Itoa(se.StatusCode)
		}
		return t, fmt.Errorf("%s: 1upHealth refused the refresh token (%s): %w", op, why, providers.ErrNeedsRelink)
	}
	return t, err
}

// token posts a grant to the token endpoint with the client credentials
// as form fields, as the vendor's documents show.
func (c *Client) token(ctx context.Context, op string, form url.Values) (providers.Token, error) {
	for k, v := range c.credentials() {
		form[k] = v
	}
	resp, err := c.postForm(ctx, op, c.cfg.TokenURL, form)
	if err != nil {
		var se *providers.StatusError
		if errors.As(err, &se) && se.Code == "invalid_client" {
			return providers.Token{}, fmt.Errorf("%s: %w: %w", op, ErrBadClient, err)
		}
		return providers.Token{}, err
	}
	var r tokenResponse
	if err := decode(op, resp.Body, &r); err != nil {
		return providers.Token{}, err
	}
	if r.AccessToken == "" {
		return providers.Token{}, providers.Temporary(fmt.Errorf("%s: the answer carries no access_token", op))
	}
	if !providers.TokenText(r.AccessToken) || (r.RefreshToken != "" && !providers.TokenText(r.RefreshToken)) {
		return providers.Token{}, providers.Temporary(fmt.Errorf("%s: malformed answer: a token that is not printable ASCII", op))
	}
	// Only a bearer token can be sent the way the FHIR API wants it
	// (RFC 6749 §7.1: a client must not use a token type it does not
	// understand); the vendor documents Bearer.
	if r.TokenType != "" && !strings.EqualFold(r.TokenType, "Bearer") {
		return providers.Token{}, fmt.Errorf("%s: token type %q is not Bearer", op, providers.VendorText(r.TokenType, 40))
	}
	t := providers.Token{AccessToken: r.AccessToken, RefreshToken: r.RefreshToken, TokenType: r.TokenType}
	// Trust expires_in as given: 7200 and 3599 are both seen.
	if secs, err := strconv.ParseFloat(string(r.ExpiresIn), 64); err == nil {
		t.Expiry = providers.ExpiryIn(c.now().UTC(), secs)
	}
	return t, nil
}

// Credentials returns an account's self-refreshing credentials.
func (c *Client) Credentials(secrets providers.SecretStore, accountID int64) *providers.Credentials {
	return providers.NewCredentials(secrets, accountID, c.Refresh)
}
