package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// DefaultProfile is the profile used when --profile is not given.
const DefaultProfile = "me"

// Profile is a person whose readings the database holds.
type Profile struct {
	ID          int64
	Name        string  // the handle given to --profile
	DisplayName string  // how screens and reports name the person; Name when empty
	UID         string  // stable random id shared with providers
	HeightM     float64 // 0 when unknown
	CreatedAt   time.Time
}

// Title is the name to show for the person.
func (p Profile) Title() string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return p.Name
}

var profileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ErrBadProfileName is returned for a name --profile could not carry.
var ErrBadProfileName = errors.New("a profile name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")

// ErrProfileExists is returned when adding a profile whose name is taken.
var ErrProfileExists = errors.New("profile already exists")

// AddProfile creates a profile.
func (db *DB) AddProfile(ctx context.Context, name, displayName string, heightM float64) (Profile, error) {
	if !profileName.MatchString(name) {
		return Profile{}, fmt.Errorf("store: profile %q: %w", name, ErrBadProfileName)
	}
	p := Profile{Name: name, DisplayName: strings.TrimSpace(displayName), UID: randomID(16), HeightM: heightM, CreatedAt: db.now().UTC().Truncate(time.Second)}
	err := db.w.QueryRowContext(ctx,
		`INSERT INTO profiles (name, display_name, uid, height_m, created_at) VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT (name) DO NOTHING RETURNING id`,
		p.Name, p.DisplayName, p.UID, nullIfZero(heightM), p.CreatedAt.Unix()).Scan(&p.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return Profile{}, fmt.Errorf("store: add profile %q: %w", name, ErrProfileExists)
	}
	if err != nil {
		return Profile{}, fmt.Errorf("store: add profile %q: %w", name, err)
	}
	return p, nil
}

// Profile returns the profile with the given name, or ErrNotFound.
func (db *DB) Profile(ctx context.Context, name string) (Profile, error) {
	return db.scanProfile(db.r.QueryRowContext(ctx, profileSelect+` WHERE name = ?`, name), name)
}

// ProfileByID returns the profile with the given id, or ErrNotFound.
func (db *DB) ProfileByID(ctx context.Context, id int64) (Profile, error) {
	return db.scanProfile(db.r.QueryRowContext(ctx, profileSelect+` WHERE id = ?`, id), fmt.Sprint(id))
}

// EnsureProfile returns the named profile, creating it when it does not
// exist yet (the first run, or the first import for a new patient).
func (db *DB) EnsureProfile(ctx context.Context, name string) (Profile, error) {
	p, err := db.Profile(ctx, name)
	if !errors.Is(err, ErrNotFound) {
		return p, err
	}
	p, err = db.AddProfile(ctx, name, "", 0)
	if errors.Is(err, ErrProfileExists) { // another process made it first
		return db.Profile(ctx, name)
	}
	return p, err
}

// Profiles lists every profile by name.
func (db *DB) Profiles(ctx context.Context) ([]Profile, error) {
	rows, err := db.r.QueryContext(ctx, profileSelect+` ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: list profiles: %w", err)
	}
	defer rows.Close()
	var out []Profile
	for rows.Next() {
		p, err := db.scanProfile(rows, "")
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// UpdateProfile changes a profile's display name and height.
func (db *DB) UpdateProfile(ctx context.Context, p Profile) error {
	res, err := db.w.ExecContext(ctx, `UPDATE profiles SET display_name = ?, height_m = ? WHERE id = ?`,
		strings.TrimSpace(p.DisplayName), nullIfZero(p.HeightM), p.ID)
	if err != nil {
		return fmt.Errorf("store: update profile %q: %w", p.Name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: update profile %q: %w", p.Name, ErrNotFound)
	}
	return nil
}

// RenameProfile changes a profile's handle.
func (db *DB) RenameProfile(ctx context.Context, oldName, newName string) error {
	if !profileName.MatchString(newName) {
		return fmt.Errorf("store: profile %q: %w", newName, ErrBadProfileName)
	}
	// A taken name is "no row changed", told apart from a missing profile
	// below; one taken meanwhile by another process is the UNIQUE
	// constraint's refusal.
	res, err := db.w.ExecContext(ctx, `UPDATE profiles SET name = ? WHERE name = ? AND NOT EXISTS (SELECT 1 FROM profiles WHERE name = ?)`,
		newName, oldName, newName)
	if db.d.uniqueViolation(err) {
		return fmt.Errorf("store: rename profile %q to %q: %w", oldName, newName, ErrProfileExists)
	}
	if err != nil {
		return fmt.Errorf("store: rename profile %q: %w", oldName, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	if _, err := db.Profile(ctx, oldName); err != nil {
		return err // ErrNotFound, named
	}
	return fmt.Errorf("store: rename profile %q to %q: %w", oldName, newName, ErrProfileExists)
}

// RemoveProfile deletes a profile with its accounts, secrets, cursors and
// readings. Secrets held in the OS keyring are deleted too (best effort).
func (db *DB) RemoveProfile(ctx context.Context, name string) error {
	p, err := db.Profile(ctx, name)
	if err != nil {
		return err
	}
	accounts, err := db.Accounts(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		db.dropKeyringSecret(ctx, a.ID)
	}
	if _, err := db.w.ExecContext(ctx, `DELETE FROM profiles WHERE id = ?`, p.ID); err != nil {
		return fmt.Errorf("store: remove profile %q: %w", name, err)
	}
	return nil
}

const profileSelect = `SELECT id, name, display_name, uid, height_m, created_at FROM profiles`

func (db *DB) scanProfile(row interface{ Scan(...any) error }, what string) (Profile, error) {
	var p Profile
	var h sql.NullFloat64
	var created int64
	err := row.Scan(&p.ID, &p.Name, &p.DisplayName, &p.UID, &h, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("store: profile %q: %w", what, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("store: read profile: %w", err)
	}
	p.HeightM = h.Float64
	p.CreatedAt = time.Unix(created, 0).UTC()
	return p, nil
}

func nullIfZero(x float64) any {
	if x == 0 {
		return nil
	}
	return x
}
