package store

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"vitals/health"
)

// clinicianURL makes a login role for one test, lets it read the
// database at hubURL as a clinician, and returns the URL it connects
// with; the role is dropped when the test ends.
func clinicianURL(t *testing.T, hub *DB, hubURL string) string {
	t.Helper()
	ctx := context.Background()
	role, password := "vt_clin_"+randomID(4), randomID(12)
	conn, err := pgx.Connect(ctx, hubURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE ROLE "+ident(role)+" LOGIN PASSWORD '"+password+"'"); err != nil {
		t.Skipf("the test role may not create roles (%v): grant it CREATEROLE to test the clinician's role", err)
	}
	// As RolesSQL makes it: read-only sessions by default.
	if _, err := conn.Exec(ctx, "ALTER ROLE "+ident(role)+" SET default_transaction_read_only = on"); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), hubURL)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(context.Background())
		for _, q := range []string{
			"REVOKE ALL ON ALL TABLES IN SCHEMA " + ident(schema) + " FROM " + ident(role),
			"REVOKE ALL ON SCHEMA " + ident(schema) + " FROM " + ident(role),
			"DROP ROLE " + ident(role),
		} {
			if _, err := conn.Exec(context.Background(), q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	})
	if err := hub.GrantClinician(ctx, role); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(hubURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, password)
	return u.String()
}

// Under a clinician's role the database is read-only, readings and sync
// state read as under the hub's, and no token can be read, by the store
// or by hand.
func TestClinicianRole(t *testing.T) {
	ctx := context.Background()
	loc := testLocation(t, "postgres")
	hub := openAt(t, loc, Options{SealKey: fixedKey(testKey(t))})
	p, a := fixture(t, hub)
	vendor, err := hub.UpsertAccount(ctx, Account{ProfileID: p.ID, Provider: ProviderOmron, ExternalID: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := hub.SaveSecret(ctx, vendor.ID, []byte(`{"refresh_token":"rt-secret"}`)); err != nil {
		t.Fatal(err)
	}
	if err := hub.RecordSync(ctx, vendor.ID, nil); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC)
	if _, err := hub.Upsert(ctx, p.ID, a.ID, health.Batch{BloodPressure: []health.BloodPressure{bp("1", at, 150, 95)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.AcquireLease(ctx, vendor.ID, "hub-a", time.Minute); err != nil {
		t.Fatal(err)
	}

	clin := openAt(t, clinicianURL(t, hub, loc), Options{SealKey: fixedKey(testKey(t))})
	if !clin.ReadOnly() || clin.CanReadSecrets() {
		t.Errorf("clinician: read-only %v, may read secrets %v; want read-only, no secrets", clin.ReadOnly(), clin.CanReadSecrets())
	}
	if _, err := clin.LoadSecret(ctx, vendor.ID); !errors.Is(err, ErrSecretsDenied) {
		t.Errorf("LoadSecret as a clinician: %v, want ErrSecretsDenied", err)
	}
	// By hand, the table refuses: insufficient_privilege.
	var secret []byte
	err = clin.r.QueryRowContext(ctx, `SELECT secret FROM secrets WHERE account_id = ?`, vendor.ID).Scan(&secret)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42501" || len(secret) != 0 {
		t.Errorf("SELECT secret as a clinician: %v, %d bytes; want permission denied (42501)", err, len(secret))
	}
	for _, table := range []string{"leases", "sync_requests"} {
		if _, err := clin.r.QueryContext(ctx, `SELECT * FROM `+table); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("SELECT from %s as a clinician: %v, want permission denied", table, err)
		}
	}

	if got, err := clin.BloodPressures(ctx, Filter{ProfileID: p.ID}); err != nil || len(got) != 1 || got[0].Systolic.Or(0) != 150 {
		t.Errorf("readings as a clinician = %+v, %v", got, err)
	}
	accts, err := clin.Accounts(ctx, p.ID)
	if err != nil || len(accts) != 2 {
		t.Fatalf("accounts as a clinician = %+v, %v", accts, err)
	}
	if acc, _ := clin.Account(ctx, vendor.ID); acc.LastSuccessAt.IsZero() {
		t.Errorf("the account's sync state is hidden from the clinician: %+v", acc)
	}
	if s, err := clin.ProfileSummaries(ctx); err != nil || len(s) != 1 || s[0].Total != 1 {
		t.Errorf("profile summaries as a clinician = %+v, %v", s, err)
	}
	if _, err := clin.AddProfile(ctx, "p-2", "", 0); err == nil {
		t.Error("a clinician added a profile")
	}
	if _, err := clin.Upsert(ctx, p.ID, a.ID, health.Batch{}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Upsert as a clinician: %v, want ErrReadOnly", err)
	}

	// A clinician reviews alerts: acknowledging is the one write the
	// role may make, and its sessions stay read-only for the rest.
	if _, err := hub.Upsert(ctx, p.ID, a.ID, health.Batch{BloodPressure: []health.BloodPressure{bp("2", at.Add(time.Hour), 185, 100)}}); err != nil {
		t.Fatal(err)
	}
	var severe int64
	if err := hub.r.QueryRowContext(ctx, `SELECT id FROM bp_readings WHERE provider_id = '2'`).Scan(&severe); err != nil {
		t.Fatal(err)
	}
	if !clin.CanAcknowledge() {
		t.Error("a clinician may not acknowledge")
	}
	ack, err := clin.Acknowledge(ctx, p.ID, severe, "dr-lee", "called, repeat in clinic")
	if err != nil || ack.ID == 0 || !ack.Severe() {
		t.Fatalf("Acknowledge as a clinician = %+v, %v", ack, err)
	}
	if acks, err := hub.Acks(ctx, AckFilter{ProfileID: p.ID}); err != nil || len(acks) != 1 || acks[0].By != "dr-lee" || acks[0].Note != "called, repeat in clinic" {
		t.Errorf("the hub reads the clinician's acknowledgement as %+v, %v", acks, err)
	}
	if _, err := clin.r.ExecContext(ctx, `INSERT INTO profiles (name, display_name, uid, height_m, created_at) VALUES ('x', '', 'u', 0, 0)`); err == nil {
		t.Error("a clinician's session wrote a profile by hand")
	}
	tx, err := clin.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	tx.ExecContext(ctx, `SET TRANSACTION READ WRITE`)
	if _, err := tx.ExecContext(ctx, `UPDATE bp_readings SET systolic = 120`); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("a clinician's transaction that asks to write changed a reading: %v", err)
	}
}

func TestRolesSQLGrantsNoSecrets(t *testing.T) {
	sql := RolesSQL("vitals", HubRole, ClinicianRole)
	grant := ""
	for line := range strings.SplitSeq(sql, "\n") {
		if strings.HasPrefix(line, "GRANT SELECT") {
			grant = line
		}
	}
	for _, want := range []string{"vitals.profiles", "vitals.accounts", "vitals.bp_readings", "vitals.conditions", "vitals.meta", "vitals.schema_migrations"} {
		if !strings.Contains(grant, want+",") && !strings.Contains(grant, want+" ") {
			t.Errorf("the clinician may not read %s: %s", want, grant)
		}
	}
	for _, never := range []string{"secrets", "leases", "sync_requests"} {
		if strings.Contains(grant, "vitals."+never) {
			t.Errorf("the clinician is granted %s: %s", never, grant)
		}
	}
	if !strings.Contains(sql, `CREATE SCHEMA IF NOT EXISTS vitals AUTHORIZATION vitals_hub;`) ||
		!strings.Contains(sql, `ALTER ROLE vitals_clinician SET default_transaction_read_only = on;`) {
		t.Errorf("roles SQL:\n%s", sql)
	}
}
