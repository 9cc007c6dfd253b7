package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"

	"vitals/config"
	"vitals/providers/omron/omronsim"
	"vitals/providers/oneup/oneupsim"
	"vitals/sandbox"
)

func newSandboxCmd(a *invocation) *cobra.Command {
	var (
		addr, faults, notifyURL, writeConfig, redirectURL string
		oneupBundle, history                              string
		autoApprove                                       bool
		seed                                              uint64
		patients, userLimit                               int
		latency, tokenTTL                                 time.Duration
	)
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run local stand-ins for the vendors' servers, to try vitals without credentials",
		Long: `Run local Omron Wellness and 1upHealth servers on one address until
interrupted. It follows the vendor's guide field by field: OAuth 2.0 sign-in
and consent, tokens that expire and rotate, the measurement API with its
quirks, and a synthetic patient with two years of readings. vitals talks to
it exactly as to the vendor, with only the URLs changed.

It prints the URLs and the sandbox partner credentials; --write-config writes
a configuration that points vitals at it (an existing file keeps its other
sections). The sandbox application accepts any redirect URL of the form
http://127.0.0.1:PORT/callback, and ` + sandbox.PasteRedirectURL + ` for trying
the paste path.

1upHealth is served under /oneup: user management, the token endpoint, the
system lists and connect pages, and a FHIR R4 server. A connected device or
health system's data appears about 2 s after it is connected, as 1upHealth's
background pull brings it. --oneup-bundle FILE serves a FHIR bundle (such as
a Synthea patient) as the Epic test site's data (system 4706) in place of its
synthetic records.

Besides the vendor's endpoints it serves
  GET  /_sandbox/requests       request counts by endpoint, overlaps and refresh reuse, as JSON
  GET  /_sandbox/patients       the patients with their Omron and 1upHealth credentials, as JSON
  POST /_sandbox/upload         add readings (JSON) and send the notification to --notify-url
  POST /_sandbox/oneup/connect  connect a 1upHealth user to a seeded patient's systems:
                                {"app_user_id": "<profile UID>", "patient": 42}

--faults injects failures into the data APIs (Omron's measurement API,
1upHealth's FHIR reads): comma-separated KIND:RATE
pairs, kinds 429, 500, 503, timeout (an answer held back 35 s), malformed
(a body cut in half) and revoked (an access token refused), rates from 0 to 1.

--patients N seeds a clinic: N Omron users and N 1upHealth users, the same
for the same --seed in every run (patient i does not depend on N; histories
end when the sandbox starts). Patient i (from 0) signs in to Omron
as patient-0042@sandbox.example with a password of its own, and is the
1upHealth user patient-0042 (oneup_user_id 251+i) with devices and health
systems connected. GET /_sandbox/patients lists them all with their
passwords. --auto-approve signs in as the patient an authorization URL's
login_hint names (patient 0 without one). Each patient has --history of
readings: 90d by default with --patients, two years without.

--latency D holds every request to the vendors' servers for D before
serving it (a request given up meanwhile is not served), for benchmarks.

GET /_sandbox/requests also reports, per account, data requests of one
account that were in flight at once ("overlaps": Omron measurement
requests, 1upHealth FHIR reads, by the account of their access token) and
refresh tokens presented after they were rotated ("refresh_reuse"). A sync
that fetches each account from one worker at a time and spends each refresh
token once leaves both at 0, whatever the faults.`,
		Example: `  vitals sandbox --auto-approve --write-config /tmp/vitals-sandbox.toml
  vitals --config /tmp/vitals-sandbox.toml link omron --no-browser
  vitals --config /tmp/vitals-sandbox.toml sync
  vitals --config /tmp/vitals-sandbox.toml link oneup
  vitals --config /tmp/vitals-sandbox.toml connect --system 4709 --no-browser

  vitals sandbox --auto-approve --oneup-bundle patient.json --write-config /tmp/vitals-sandbox.toml

  vitals sandbox --patients 2000 --faults 429:0.05,500:0.02 --latency 50ms --oneup-user-limit -1
  curl http://127.0.0.1:8700/_sandbox/patients

  vitals sandbox --faults 429:0.2,500:0.1,timeout:0.05
  vitals sandbox --notify-url http://127.0.0.1:8080/omron/notify
  curl -d '{"bloodPressure":[{"systolic":152,"diastolic":96,"pulse":71}]}' http://127.0.0.1:8700/_sandbox/upload`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := sandbox.ParseFaults(faults)
			if err != nil {
				return fmt.Errorf("--faults %q: %w (example: --faults 429:0.2,500:0.1,timeout:0.05)", faults, err)
			}
			if notifyURL != "" {
				if u, err := url.Parse(notifyURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return fmt.Errorf("--notify-url %q: want an http(s) URL such as http://127.0.0.1:8080/omron/notify", notifyURL)
				}
			}
			if !omronsim.DefaultClient().Allows(redirectURL) {
				return fmt.Errorf("--redirect-url %q: the sandbox application accepts http://127.0.0.1:PORT/callback or %s", redirectURL, sandbox.PasteRedirectURL)
			}
			// A patient costs about 200 kB once its history is made: a
			// hundred thousand is already 20 GB.
			if patients < 0 || patients > 100000 {
				return fmt.Errorf("--patients %d: want 0 (the one sandbox patient) to 100000", patients)
			}
			if latency < 0 {
				return fmt.Errorf("--latency %s: want 0 or a positive duration such as 50ms", latency)
			}
			days := 0
			if history != "" {
				if days, err = parseDays(history); err != nil {
					return fmt.Errorf("--history %q: %w (example: --history 90d)", history, err)
				}
			}
			var bundle *oneupsim.Bundle
			if oneupBundle != "" {
				if bundle, err = oneupsim.LoadBundle(oneupBundle); err != nil {
					return fmt.Errorf("--oneup-bundle: %w", err)
				}
			}
			opt := sandbox.Options{Addr: addr, AutoApprove: autoApprove, Faults: f, NotifyURL: notifyURL, Seed: seed, OneUpBundle: bundle,
				Patients: patients, HistoryDays: days, Latency: latency, OneUpUserLimit: userLimit}
			if tokenTTL < 0 {
				return fmt.Errorf("--token-ttl %s: a lifetime is positive, such as 70s", tokenTTL)
			}
			if tokenTTL > 0 {
				opt.Omron = func(o *omronsim.Options) { o.AccessTokenTTL = tokenTTL }
			}
			start := time.Now()
			sb, err := sandbox.Start(opt)
			if err != nil {
				return err
			}
			defer sb.Close()
			out := cmd.OutOrStdout()
			printSandbox(out, sb, f, autoApprove, notifyURL)
			printOneUpSandbox(out, sb, bundle)
			printPatients(out, sb, opt, time.Since(start))
			if host, _, _ := net.SplitHostPort(addr); host != "" && !net.ParseIP(host).IsLoopback() && host != "localhost" {
				fmt.Fprintf(cmd.ErrOrStderr(), "vitals: warning: %s is reachable from other machines, and the sandbox's credentials are public.\n", addr)
			}
			if writeConfig != "" {
				updated, err := writeSandboxConfig(writeConfig, sb.Config(redirectURL))
				if err != nil {
					return err
				}
				verb := "Wrote"
				if updated {
					verb = "Updated the [omron] and [oneup] sections of"
				}
				fmt.Fprintf(out, "\n%s %s. Try:\n  vitals --config %s link omron\n  vitals --config %s sync\n", verb, writeConfig, writeConfig, writeConfig)
				fmt.Fprintf(out, "  vitals --config %s link oneup\n  vitals --config %s connect --system 4709\n", writeConfig, writeConfig)
			}
			fmt.Fprintln(out, "\nPress Ctrl-C to stop.")
			<-cmd.Context().Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := sb.Shutdown(ctx); err != nil {
				return fmt.Errorf("sandbox: stop: %w", err)
			}
			fmt.Fprintln(out, "Sandbox stopped.")
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", sandbox.DefaultAddr, "address to serve on (host:port; port 0 picks a free one)")
	fl.BoolVar(&autoApprove, "auto-approve", false, "approve sign-in requests at once as the first patient (or the one login_hint names), without the sign-in page")
	fl.StringVar(&faults, "faults", "", "failures to inject into the measurement API, as KIND:RATE,... (kinds 429, 500, 503, timeout, malformed, revoked)")
	fl.StringVar(&notifyURL, "notify-url", "", "where to POST Omron's notifications when readings are uploaded (vitals serve's endpoint)")
	fl.StringVar(&writeConfig, "write-config", "", "write a config.toml pointing vitals at the sandbox to this path (mode 0600)")
	fl.StringVar(&redirectURL, "redirect-url", sandbox.DefaultRedirectURL, "the Omron redirect URL to write with --write-config")
	fl.Uint64Var(&seed, "seed", 0, "seed of the synthetic patient and of fault draws")
	fl.StringVar(&oneupBundle, "oneup-bundle", "", "serve this FHIR bundle file as the 1upHealth Epic test site's data (system 4706)")
	fl.IntVar(&patients, "patients", 0, "seed this many patients in both servers (patient-0000@sandbox.example, ...; 0: the one sandbox patient)")
	fl.StringVar(&history, "history", "", "days of readings each patient has, such as 90d, 12w or 2y (default 90d with --patients, else 2y)")
	fl.DurationVar(&latency, "latency", 0, "hold every request to the vendors' servers this long before serving it, such as 50ms")
	fl.DurationVar(&tokenTTL, "token-ttl", 0, "Omron access tokens' lifetime (default 1h); vitals refreshes a token in its last minute, so 70s makes it refresh every 10 s")
	fl.IntVar(&userLimit, "oneup-user-limit", oneupsim.DefaultUserLimit, "1upHealth user-management calls allowed an hour (-1: no limit)")
	return cmd
}

// parseDays reads a --history value: a whole number of days, weeks or
// years (365 days), such as 90d, 12w, 2y, or days alone (90).
func parseDays(s string) (int, error) {
	num, unit := strings.TrimSpace(s), 1
	switch {
	case strings.HasSuffix(num, "d"):
		num = strings.TrimSuffix(num, "d")
	case strings.HasSuffix(num, "w"):
		num, unit = strings.TrimSuffix(num, "w"), 7
	case strings.HasSuffix(num, "y"):
		num, unit = strings.TrimSuffix(num, "y"), 365
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return 0, fmt.Errorf("want a number of days, weeks or years such as 90d, 12w or 2y")
	}
	// Ten years is more than any device keeps, and a population of them
	// more memory than a laptop has.
	if days := n * unit; days >= 1 && days <= 3650 {
		return days, nil
	}
	return 0, fmt.Errorf("want from 1 day to 10 years")
}

// printPatients prints the seeded population, the history and the
// latency, and how long the servers took to start.
func printPatients(w io.Writer, sb *sandbox.Sandbox, opt sandbox.Options, took time.Duration) {
	base := sb.URL()
	fmt.Fprintln(w, "\nPatients")
	ps := sb.Patients()
	if opt.Patients > 0 {
		first, last := ps[0], ps[len(ps)-1]
		fmt.Fprintf(w, "  seeded         %d from seed %d, %d days of readings each (started in %s)\n", len(ps), opt.Seed, sb.Omron.Options().HistoryDays, took.Round(time.Millisecond))
		fmt.Fprintf(w, "  Omron          %s ... %s, each with a password of its own\n", first.Omron.Email, last.Omron.Email)
		fmt.Fprintf(w, "  1upHealth      %s ... %s (oneup_user_id %d ... %d), systems connected\n", first.OneUp.AppUserID, last.OneUp.AppUserID, first.OneUp.ID, last.OneUp.ID)
		fmt.Fprintf(w, "  list           GET  %s%s (credentials of each)\n", base, sandbox.PatientsPath)
		fmt.Fprintf(w, "  connect        POST %s%s (a 1upHealth user's systems)\n", base, sandbox.ConnectPath)
	} else {
		fmt.Fprintf(w, "  one            %s, %d days of readings (--patients N seeds a clinic)\n", ps[0].Omron.Email, sb.Omron.Options().HistoryDays)
	}
	if opt.Latency > 0 {
		fmt.Fprintf(w, "  latency        %s before every vendor request\n", opt.Latency)
	}
}

func printSandbox(w io.Writer, sb *sandbox.Sandbox, f sandbox.Faults, autoApprove bool, notifyURL string) {
	base := sb.URL()
	o := sandbox.OmronConfig(base, "")
	p := sb.Omron.Patients()[0]
	fmt.Fprintf(w, "vitals sandbox is serving on %s\n\nOmron Wellness\n", base)
	fmt.Fprintf(w, "  authorize      %s\n  token          %s\n  measurements   %s\n  revocation     %s\n", o.AuthorizeURL, o.TokenURL, o.APIURL, o.RevokeURL)
	fmt.Fprintf(w, "  client_id      %s\n  client_secret  %s\n", sandbox.ClientID, sandbox.ClientSecret)
	fmt.Fprintf(w, "  redirect URIs  http://127.0.0.1:<any port>/callback, http://[::1]:<any port>/callback, %s\n", sandbox.PasteRedirectURL)
	others := ""
	if n := len(sb.Omron.Patients()); n > 1 {
		others = fmt.Sprintf(", or any of %d patients", n)
	}
	if autoApprove {
		fmt.Fprintf(w, "  sign-in        approved at once as %s (Omron user id %s)%s\n", p.Email, p.ID, others)
		if others != "" {
			fmt.Fprintln(w, "                 add login_hint=<e-mail> to the authorization URL to approve as another patient")
		}
	} else {
		fmt.Fprintf(w, "  sign-in        %s, password %s (Omron user id %s)%s\n", p.Email, p.Password, p.ID, others)
	}
	fmt.Fprintf(w, "\nSandbox\n  request counts GET  %s%s\n  add readings   POST %s%s\n", base, sandbox.RequestsPath, base, sandbox.UploadPath)
	if len(f) > 0 {
		fmt.Fprintf(w, "  faults         %s\n", f)
	} else {
		fmt.Fprintln(w, "  faults         none")
	}
	if notifyURL != "" {
		fmt.Fprintf(w, "  notifications  POSTed to %s\n", notifyURL)
	} else {
		fmt.Fprintln(w, "  notifications  none (set --notify-url)")
	}
}

// printOneUpSandbox prints the 1upHealth part of the sandbox.
func printOneUpSandbox(w io.Writer, sb *sandbox.Sandbox, bundle *oneupsim.Bundle) {
	u := sandbox.OneUpConfig(sb.URL(), sb.OneUp.Options().RedirectURI)
	fmt.Fprintf(w, "\n1upHealth\n  api            %s\n  FHIR R4        %s (also %s/fhir/r4)\n  token          %s\n", u.APIURL, u.FHIRURL, u.APIURL, u.TokenURL)
	fmt.Fprintf(w, "  client_id      %s\n  client_secret  %s\n  redirect URI   %s\n", u.ClientID, u.ClientSecret, u.RedirectURL)
	var devices, clinical []string
	for _, s := range sb.OneUp.Systems() {
		name := fmt.Sprintf("%d %s", s.ID, s.Name)
		if s.Kind == oneupsim.KindDevice {
			devices = append(devices, name)
		} else {
			clinical = append(clinical, name)
		}
	}
	fmt.Fprintf(w, "  devices        %s\n  health systems %s\n", strings.Join(devices, ", "), strings.Join(clinical, ", "))
	if bundle != nil {
		fmt.Fprintf(w, "  bundle         %s (%d resources) served as system %d\n", bundle.Name, bundle.Len(), oneupsim.EpicTestSite)
	}
}

// writeSandboxConfig writes cfg to path. An existing configuration keeps
// everything but its [omron] and [oneup] sections; updated reports that case.
func writeSandboxConfig(path string, cfg config.Config) (updated bool, err error) {
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return false, fmt.Errorf("--write-config: %w", err)
	default:
		existing := config.Default()
		if _, err := toml.Decode(string(data), &existing); err != nil {
			return false, fmt.Errorf("--write-config: %s exists and is not a vitals configuration (%v): choose another path", path, err)
		}
		existing.Omron = cfg.Omron
		existing.OneUp = cfg.OneUp
		cfg, updated = existing, true
	}
	if err := config.Write(path, cfg); err != nil {
		return false, fmt.Errorf("--write-config: %w", err)
	}
	return updated, nil
}
