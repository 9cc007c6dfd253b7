package oneup

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"vitals/providers"
)

// User is a 1upHealth user of this application.
type User struct {
	ID        string // oneup_user_id, the vendor's id ("251")
	AppUserID string // the application's own id for the person
	Active    bool
}

type userResponse struct {
	Success     *bool      `json:"success"`
	Code        string     `json:"code"`
	OneUpUserID flexString `json:"oneup_user_id"`
	AppUserID   flexString `json:"app_user_id"`
	Active      *bool      `json:"active"`
	Error       string     `json:"error"`
	Message     string     `json:"message"`
}

func (r userResponse) user(appUserID string) User {
	u := User{ID: string(r.OneUpUserID), AppUserID: string(r.AppUserID), Active: r.Active == nil || *r.Active}
	if u.AppUserID == "" {
		u.AppUserID = appUserID
	}
	return u
}

// failed reports the vendor's own failure inside a 2xx answer.
func (r userResponse) failed() string {
	if r.Success != nil && !*r.Success {
		if r.Error != "" {
			return r.Error
		}
		if r.Message != "" {
			return r.Message
		}
		return "failed without saying why"
	}
	return ""
}

// userCall spends one user-management call: it waits for the client-side
// limiter, so that the vendor's 300 an hour is not exceeded, then posts.
func (c *Client) userCall(ctx context.Context, op, path string, form url.Values) (userResponse, error) {
	var r userResponse
	if err := c.users.Wait(ctx); err != nil {
		return r, fmt.Errorf("%s: waiting for the user-management rate limit: %w", op, err)
	}
	resp, err := c.postForm(ctx, op, c.apiURL(path), form)
	if err != nil {
		return r, userError(op, err)
	}
	if err := decode(op, resp.Body, &r); err != nil {
		return r, err
	}
	if msg := r.failed(); msg != "" {
		if alreadyExists(msg) {
			return r, fmt.Errorf("%s: %w", op, ErrUserExists)
		}
		return r, fmt.Errorf("%s: 1upHealth answered: %s", op, providers.VendorText(msg, 200))
	}
	return r, nil
}

func alreadyExists(msg string) bool { return strings.Contains(strings.ToLower(msg), "already exists") }

// userError turns the vendor's refusals into this package's errors.
func userError(op string, err error) error {
	var se *providers.StatusError
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case alreadyExists(se.Code) || alreadyExists(se.Reason):
		return fmt.Errorf("%s: %w", op, ErrUserExists)
	case se.StatusCode == 401 || se.StatusCode == 403:
		return fmt.Errorf("%s: %w", op, ErrBadClient)
	case se.StatusCode == 404:
		return fmt.Errorf("%s: %w", op, ErrNoUser)
	}
	return err
}

// CreateUser creates the 1upHealth user for appUserID and returns it with
// an authorization code to exchange for its tokens. A user that exists
// already is ErrUserExists.
func (c *Client) CreateUser(ctx context.Context, appUserID string) (User, string, error) {
	return c.codeCall(ctx, "oneup: create user", "/user-management/v1/user", appUserID)
}

// NewAuthCode asks for a new authorization code for an existing user.
func (c *Client) NewAuthCode(ctx context.Context, appUserID string) (User, string, error) {
	return c.codeCall(ctx, "oneup: new auth code", "/user-management/v1/user/auth-code", appUserID)
}

// codeCall is a user-management call whose answer carries the user and an
// authorization code.
func (c *Client) codeCall(ctx context.Context, op, path, appUserID string) (User, string, error) {
	form := c.credentials()
	form.Set("app_user_id", appUserID)
	r, err := c.userCall(ctx, op, path, form)
	if err != nil {
		return User{}, "", err
	}
	if r.Code == "" {
		return User{}, "", fmt.Errorf("%s: the answer carries no authorization code", op)
	}
	// A code for another person's user must not be linked to this one.
	if got := string(r.AppUserID); got != "" && got != appUserID {
		return User{}, "", fmt.Errorf("%s: the answer is for app user %s, not %s", op, providers.VendorText(got, 60), appUserID)
	}
	return r.user(appUserID), r.Code, nil
}

// LookupUser finds the user for appUserID, or ErrNoUser.
func (c *Client) LookupUser(ctx context.Context, appUserID string) (User, error) {
	const op = "oneup: look up user"
	if err := c.users.Wait(ctx); err != nil {
		return User{}, fmt.Errorf("%s: waiting for the user-management rate limit: %w", op, err)
	}
	q := c.credentials()
	q.Set("app_user_id", appUserID)
	resp, err := c.get(ctx, op, c.apiURL("/user-management/v1/user")+"?"+q.Encode())
	if err != nil {
		return User{}, userError(op, err)
	}
	var r struct {
		Success *bool          `json:"success"`
		Entry   []userResponse `json:"entry"`
		Error   string         `json:"error"`
	}
	if err := decode(op, resp.Body, &r); err != nil {
		return User{}, err
	}
	if r.Success != nil && !*r.Success {
		return User{}, fmt.Errorf("%s: 1upHealth answered: %s", op, providers.VendorText(r.Error, 200))
	}
	for _, e := range r.Entry {
		if string(e.AppUserID) != appUserID {
			continue
		}
		if e.OneUpUserID == "" {
			// Without it the account would be stored under no id.
			return User{}, fmt.Errorf("%s: the answer lists app user %s without its oneup_user_id", op, appUserID)
		}
		return e.user(appUserID), nil
	}
	return User{}, fmt.Errorf("%s: %w", op, ErrNoUser)
}

// EnsureUser creates the user for appUserID, or, when it exists already,
// asks for a new authorization code: either way it returns the user and a
// code to exchange.
func (c *Client) EnsureUser(ctx context.Context, appUserID string) (User, string, error) {
	u, code, err := c.CreateUser(ctx, appUserID)
	if errors.Is(err, ErrUserExists) {
		u, code, err = c.NewAuthCode(ctx, appUserID)
	}
	if err != nil {
		return User{}, "", err
	}
	if u.ID == "" { // an answer that left out the vendor's id
		found, err := c.LookupUser(ctx, appUserID)
		if err != nil {
			return User{}, "", err
		}
		u.ID = found.ID
	}
	return u, code, nil
}
