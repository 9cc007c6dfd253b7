package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"vitals/app"
	"vitals/sanitize"
	"vitals/store"
)

func newAckCmd(a *invocation) *cobra.Command {
	var alert, note, by string
	cmd := &cobra.Command{
		Use:   "ack PROFILE --alert ID --note TEXT",
		Short: "Acknowledge a patient's alert: who reviewed it, when, and a note",
		Long: `Record that a clinician reviewed one of a patient's alerts: a reading above
180/120 or with a rhythm flag (possible AFib, irregular heartbeat, blanked).
The alert ids are in ` + "`vitals panel --json`" + ` (alerts[].id, such as bp-1234) and on
the dashboard's Alerts tab.

An acknowledged reading above 180/120 no longer makes the patient need
attention; acknowledging a rhythm flag acknowledges the flags before it too,
so only a newer flag does. The acknowledgement stays in the patient's history
and is listed in the report (vitals report) of the period of the reading.

Who acknowledged is --by, else the name of the user running vitals (the
operating system's account).`,
		Example: `  vitals ack p-1042 --alert bp-1234 --note "called, repeat in clinic"
  vitals ack p-1042 --alert bp-1234 --by dr-lee --note "reviewed ECG: sinus rhythm"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			id, err := store.ParseAlertID(alert)
			if err != nil {
				return &usageErr{fmt.Errorf("--alert: %w", err)}
			}
			if strings.TrimSpace(by) == "" {
				by = app.OSUser()
			}
			if strings.TrimSpace(by) == "" {
				return &usageErr{errors.New("--by: who acknowledges could not be told from the system: give --by NAME")}
			}
			// A clinician's role may acknowledge though it reads only:
			// the store says whether this database takes one.
			db, _, err := a.OpenDBToRead(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if !db.CanAcknowledge() {
				return fmt.Errorf("%s is open read-only here: acknowledge on a database you may write to (or, on a clinic's, as a role granted acknowledgements: vitals db roles --grant)", sanitize.Line(db.Path()))
			}
			p, err := db.Profile(ctx, args[0])
			if err != nil {
				return fmt.Errorf("profile %s: %w (vitals profile list shows them)", sanitize.Line(args[0]), err)
			}
			ack, err := db.Acknowledge(ctx, p.ID, id, by, note)
			if err != nil {
				return err
			}
			_, loc := a.Clock()
			fmt.Fprintf(a.stdout, "acknowledged %s of %s (reading of %s) as %s at %s\n", ack.Alert(), sanitize.Line(p.Name),
				ack.Reading.Local().Format("2006-01-02 15:04"), sanitize.Line(ack.By), ack.At.In(loc).Format(time.RFC3339))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&alert, "alert", "", "the alert's id (bp-…), from vitals panel --json or the Alerts tab")
	f.StringVar(&note, "note", "", "what was done or decided")
	f.StringVar(&by, "by", "", "who acknowledges (default: the operating system's user name)")
	cmd.MarkFlagRequired("alert")
	return cmd
}
