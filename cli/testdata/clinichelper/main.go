// Command clinichelper does, for the clinic's end-to-end test
// (cli/clinic_e2e_test.go), the database work that the test binary, under
// the race detector, would take minutes over: linking thousands of
// sandbox patients, and dumping every reading.
//
//	clinichelper link <sandbox URL> <database> <patients> [patient...]   (VITALS_SECRET_KEY: the token key)
//	clinichelper dump <database> <file>
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	gosync "sync"
	"time"

	"vitals/app"
	"vitals/providers/omron"
	"vitals/providers/omron/omronsim"
	"vitals/sandbox"
	"vitals/seal"
	"vitals/store"
)

func main() {
	var err error
	switch {
	case len(os.Args) >= 5 && os.Args[1] == "link":
		var n int
		if n, err = strconv.Atoi(os.Args[4]); err == nil {
			var only []int
			if only, err = numbers(os.Args[5:], n); err == nil {
				err = link(os.Args[2], os.Args[3], n, only)
			}
		}
	case len(os.Args) == 4 && os.Args[1] == "dump":
		err = dump(os.Args[2], os.Args[3])
	default:
		err = errors.New("usage: clinichelper link <sandbox URL> <database> <patients> [patient...] | dump <database> <file>")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "clinichelper:", err)
		os.Exit(1)
	}
}

// numbers reads the patients named on the command line, each below n.
func numbers(args []string, n int) ([]int, error) {
	var out []int
	for _, a := range args {
		i, err := strconv.Atoi(a)
		if err != nil || i < 0 || i >= n {
			return nil, fmt.Errorf("patient %q: not a number below %d", a, n)
		}
		out = append(out, i)
	}
	return out, nil
}

// link signs every patient in (the sandbox approves as the patient
// login_hint names), exchanges the codes in parallel, and links profile
// patient-NNNN to patient NNNN in patient order, so that every database
// numbers profiles and accounts alike. Given only, it links those
// patients again (as a patient whose link was refused does) and no others.
func link(base, loc string, patients int, only []int) error {
	ctx := context.Background()
	key, ok, err := app.EnvSealKey()
	if err != nil || !ok {
		return fmt.Errorf("the token key (%s): %v", app.EnvSecretKey, err)
	}
	client := omron.New(sandbox.OmronConfig(base, ""), nil)
	noFollow := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if len(only) == 0 {
		only = make([]int, patients)
		for i := range only {
			only[i] = i
		}
	}
	grants := make([]omron.Grant, len(only))
	errs := make([]error, len(only))
	jobs := make(chan int)
	var wg gosync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for j := range jobs {
				grants[j], errs[j] = grant(ctx, client, noFollow, only[j])
			}
		})
	}
	for j := range only {
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	db, err := store.Open(ctx, loc, store.Options{SealKey: func(bool) (*seal.Keyring, error) { return key, nil }})
	if err != nil {
		return err
	}
	defer db.Close()
	for j, g := range grants {
		i := only[j]
		p, err := db.EnsureProfile(ctx, fmt.Sprintf("patient-%04d", i))
		if err != nil {
			return err
		}
		if _, err := omron.SaveLink(ctx, db, p.ID, g); err != nil {
			return fmt.Errorf("patient %d: %w", i, err)
		}
	}
	return nil
}

func grant(ctx context.Context, client *omron.Client, noFollow *http.Client, i int) (omron.Grant, error) {
	auth := client.NewAuthorization()
	resp, err := noFollow.Get(auth.URL + "&login_hint=" + url.QueryEscape(omronsim.SeededEmail(i)))
	if err != nil {
		return omron.Grant{}, err
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return omron.Grant{}, fmt.Errorf("patient %d: authorize answered %s without a redirect", i, resp.Status)
	}
	return client.Exchange(ctx, auth, loc.Query().Get("code"))
}

// dump writes every reading of the database (store.DB.DumpReadings).
func dump(loc, path string) error {
	ctx := context.Background()
	db, err := store.Open(ctx, loc, store.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := db.DumpReadings(ctx, w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
