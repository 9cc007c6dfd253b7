package omron

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"vitals/providers"
)

// The token endpoint is called with this package's own small form client,
// not with oauth2.Config.Exchange: Omron answers `expiresIn` and
// `tokenType` where RFC 6749 says `expires_in` and `token_type` (and the
// oauth2 package reads only the latter, so every token would look
// immortal), and it may answer HTTP 200 with `success: false`. The oauth2
// package is used for what it does well here: the authorization URL and
// PKCE.

// Authorization is one attempt at linking an account: the URL the person
// opens, and the state and PKCE verifier that must come back to finish it.
type Authorization struct {
	URL   string // the authorization request, with state and PKCE challenge
	State string // the state sent; the redirect must carry it back

	verifier string // the PKCE code verifier: sent only with the exchange
}

// String leaves the PKCE verifier out: fmt would print unexported fields.
func (a Authorization) String() string {
	return fmt.Sprintf("Authorization{URL:%s State:%s}", a.URL, a.State)
}

// GoString keeps %#v from printing the verifier.
func (a Authorization) GoString() string { return a.String() }

// Format prints String whatever the verb: %d or %x would walk the fields.
func (a Authorization) Format(f fmt.State, verb rune) { providers.FormatMasked(f, verb, a.String()) }

// NewAuthorization starts a link: a fresh random state and PKCE (S256)
// verifier, and the authorization URL with the configured scopes.
func (c *Client) NewAuthorization() Authorization {
	return c.AuthorizationFor(rand.Text(), oauth2.GenerateVerifier())
}

// AuthorizationFor is NewAuthorization with a given state and PKCE
// verifier (43 to 128 unreserved characters), for a server that keeps
// neither between the request and the redirect: the enrollment hub
// derives the verifier again from the browser's session when it comes
// back. The redirect URI is the client's configured one.
func (c *Client) AuthorizationFor(state, verifier string) Authorization {
	oc := oauth2.Config{
		ClientID:    c.cfg.ClientID,
		Endpoint:    oauth2.Endpoint{AuthURL: c.cfg.AuthorizeURL, TokenURL: c.cfg.TokenURL},
		RedirectURL: c.cfg.RedirectURL,
		Scopes:      c.cfg.Scopes,
	}
	return Authorization{
		URL:      oc.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)),
		State:    state,
		verifier: verifier,
	}
}

// Grant is what linking yields: the tokens, and who the account is.
type Grant struct {
	Token  providers.Token
	UserID string // the id_token's sub: the Omron user id notifications name
	Email  string // the id_token's email, when it has one
}

// Exchange trades the authorization code the redirect carried for tokens
// (the guide's "Access Token Request"), and reads the user from the
// id_token.
func (c *Client) Exchange(ctx context.Context, a Authorization, code string) (Grant, error) {
	const op = "omron: exchange the authorization code"
	form := url.Values{
		"grant_type":   {"authorization_code"},
		"scope":        {strings.Join(c.cfg.Scopes, " ")},
		"redirect_uri": {c.cfg.RedirectURL},
		"code":         {code},
	}
	if a.verifier != "" {
		form.Set("code_verifier", a.verifier)
	}
	tr, err := c.tokenRequest(ctx, op, form)
	if err != nil {
		return Grant{}, err
	}
	if tr.idToken == "" {
		return Grant{}, fmt.Errorf("%s: the answer carries no id_token, so the Omron user is unknown: check that omron.scopes include openid", op)
	}
	claims, err := parseIDToken(tr.idToken)
	if err != nil {
		return Grant{}, fmt.Errorf("%s: %w", op, err)
	}
	return Grant{Token: tr.token(c.now()), UserID: claims.Sub, Email: claims.Email}, nil
}

// Refresh trades a refresh token for new tokens (the guide's "Using your
// Refresh Token"). Omron rotates refresh tokens: the answer's replaces the
// one sent, which stops working. A refused refresh token (400
// invalid_grant, 401, or success:false) is an error matching
// providers.ErrNeedsRelink. Refresh is a providers.RefreshFunc.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (providers.Token, error) {
	const op = "omron: refresh the access token"
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"redirect_uri":  {c.cfg.RedirectURL},
		"refresh_token": {refreshToken},
	}
	tr, err := c.tokenRequest(ctx, op, form)
	if err != nil {
		return providers.Token{}, refreshRefusal(err)
	}
	return tr.token(c.now()), nil
}

// refreshRefusal tells a refused refresh token (only linking again helps)
// from other failures (retry later, or fix the configuration).
func refreshRefusal(err error) error {
	var se *providers.StatusError
	var rf *refusedError
	switch {
	case errors.As(err, &rf), providers.RefreshRefused(err):
		return fmt.Errorf("%w: %w", err, providers.ErrNeedsRelink)
	case errors.As(err, &se) && se.Code == "invalid_client":
		// Linking again would fail the same way: the partner credentials
		// in the configuration are what is wrong.
		return fmt.Errorf("%w: check omron.client_id and omron.client_secret in the configuration", err)
	}
	return err
}

// refusedError is an HTTP 200 answer with success:false.
type refusedError struct {
	op, reason string
}

func (e *refusedError) Error() string {
	if e.reason == "" {
		return e.op + ": Omron answered success:false"
	}
	return e.op + ": Omron answered success:false: " + e.reason
}

// Revoke asks Omron to forget a token pair (refresh token first: revoking
// it ends the grant; then the access token). Omron no longer documents
// revocation, so this is best effort: an error says what failed, and the
// caller forgets the tokens anyway.
func (c *Client) Revoke(ctx context.Context, t providers.Token) error {
	if c.cfg.RevokeURL == "" {
		return errors.New("omron: revoke tokens: omron.revoke_url is not set")
	}
	var errs []error
	if t.RefreshToken != "" {
		errs = append(errs, c.revoke(ctx, t.RefreshToken, "refresh_token"))
	}
	if t.AccessToken != "" {
		errs = append(errs, c.revoke(ctx, t.AccessToken, "access_token"))
	}
	return errors.Join(errs...)
}

func (c *Client) revoke(ctx context.Context, token, hint string) error {
	op := "omron: revoke the " + strings.ReplaceAll(hint, "_", " ")
	form := url.Values{
		"token":           {token},
		"token_type_hint": {hint},
		"client_id":       {c.cfg.ClientID},
		"client_secret":   {c.cfg.ClientSecret},
	}
	resp, err := providers.PostForm(ctx, c.hc, op, c.cfg.RevokeURL, form)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// tokenResponse is a token endpoint's answer, whichever spelling it used.
type tokenResponse struct {
	access, refresh, idToken, tokenType string
	expiresIn                           float64 // seconds; 0 when not given
}

// token is the answer as vitals keeps it. Without an expiry the token is
// used until an API refuses it (then refreshed once).
func (tr tokenResponse) token(now time.Time) providers.Token {
	return providers.Token{AccessToken: tr.access, RefreshToken: tr.refresh, TokenType: tr.tokenType,
		Expiry: providers.ExpiryIn(now, tr.expiresIn)}
}

// tokenRequest posts a grant to the token endpoint with the client's
// credentials in the form, as the guide shows.
func (c *Client) tokenRequest(ctx context.Context, op string, form url.Values) (tokenResponse, error) {
	form.Set("client_id", c.cfg.ClientID)
	form.Set("client_secret", c.cfg.ClientSecret)
	resp, err := providers.PostForm(ctx, c.hc, op, c.cfg.TokenURL, form)
	if err != nil {
		return tokenResponse{}, err
	}
	defer resp.Body.Close()
	var body map[string]json.RawMessage
	if err := providers.DecodeJSON(op, resp.Body, &body); err != nil {
		return tokenResponse{}, err
	}
	return decodeTokenResponse(op, body)
}

func decodeTokenResponse(op string, body map[string]json.RawMessage) (tokenResponse, error) {
	f := fields{m: body}
	if ok, present := f.boolean("success"); present && !ok {
		reason := f.str("reason", "error_description", "message", "error")
		return tokenResponse{}, &refusedError{op: op, reason: providers.VendorText(reason, 200)}
	}
	tr := tokenResponse{
		access:    f.str("access_token", "accessToken"),
		refresh:   f.str("refresh_token", "refreshToken"),
		idToken:   f.str("id_token", "idToken"),
		tokenType: f.str("token_type", "tokenType"),
	}
	if v, ok := f.number("expires_in", "expiresIn").Get(); ok {
		tr.expiresIn = v
	}
	if f.err != nil {
		return tokenResponse{}, providers.Temporary(fmt.Errorf("%s: malformed answer: %w", op, f.err))
	}
	if tr.access == "" {
		return tokenResponse{}, providers.Temporary(fmt.Errorf("%s: the answer carries no access_token", op))
	}
	if !providers.TokenText(tr.access) || (tr.refresh != "" && !providers.TokenText(tr.refresh)) {
		return tokenResponse{}, providers.Temporary(fmt.Errorf("%s: malformed answer: a token that is not printable ASCII", op))
	}
	if tr.tokenType != "" && !strings.EqualFold(tr.tokenType, "Bearer") {
		return tokenResponse{}, fmt.Errorf("%s: token type %q is not Bearer", op, providers.VendorText(tr.tokenType, 40))
	}
	return tr, nil
}

// idClaims are the id_token claims vitals reads.
type idClaims struct {
	Sub   string `json:"sub"`
	Email string `json:"email"`
}

// parseIDToken reads the claims of a JWT without checking its signature.
// Omron publishes no key set to check it against; the token came straight
// from the token endpoint over TLS in answer to our own client credentials,
// which OpenID Connect Core (3.1.3.7) accepts in place of a signature check.
// Errors never quote the token.
func parseIDToken(jwt string) (idClaims, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) < 2 {
		return idClaims{}, errors.New("the id_token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return idClaims{}, errors.New("the id_token's payload is not base64url")
	}
	var c idClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return idClaims{}, errors.New("the id_token's payload is not a JSON object")
	}
	if c.Sub == "" {
		return idClaims{}, errors.New("the id_token has no sub claim (the Omron user id)")
	}
	return c, nil
}
